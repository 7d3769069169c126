//! The command line: `qinqing serve`, `import`, `export`, `setup`, `organisation`, `account`,
//! `demo`, `migrate`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use qinqing_exchange::FileFormat;
use qinqing_kernel::demo::{self, ACCOUNTS, DEMO_PASSWORD};
use qinqing_kernel::{AppError, Principal, RequestMeta, audit_log};
use std::path::PathBuf;

pub const DEFAULT_DB: &str = "sqlite://qinqing.db";

#[derive(Parser)]
#[command(name = "qinqing", version, about = "亲清家园 — 政企服务与监督平台")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Clone)]
pub struct DbArg {
    /// sqlite://FILE (created on first start) or postgres://USER@HOST/DB
    #[arg(long, env = "QINQING_DB", default_value = DEFAULT_DB)]
    pub db: String,
}

/// Single sign-on with an OpenID Connect provider; off unless `--oidc-issuer` is given.
#[derive(clap::Args, Clone)]
pub struct OidcArgs {
    /// The provider's issuer URL (https; plain http only on this machine), discovered through
    /// /.well-known/openid-configuration.
    #[arg(long, env = "QINQING_OIDC_ISSUER",
          requires_all = ["oidc_client_id", "oidc_client_secret", "oidc_redirect_url"])]
    pub oidc_issuer: Option<String>,
    /// The client id this platform is registered under at the provider.
    #[arg(long, env = "QINQING_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret; best given through the environment, and never printed.
    #[arg(long, env = "QINQING_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// This platform's callback as registered at the provider: https://HOST/auth/oidc/callback.
    #[arg(long, env = "QINQING_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
    /// The text of the login page's single sign-on button.
    #[arg(
        long,
        env = "QINQING_OIDC_LABEL",
        default_value = "使用统一身份认证登录"
    )]
    pub oidc_label: String,
    /// Allow a plain-http issuer on another machine (a test network; never in production).
    #[arg(long, env = "QINQING_OIDC_ALLOW_INSECURE_HTTP")]
    pub oidc_allow_insecure_http: bool,
}

impl OidcArgs {
    fn settings(self) -> Option<qinqing_kernel::oidc::OidcSettings> {
        Some(qinqing_kernel::oidc::OidcSettings {
            issuer: self.oidc_issuer?,
            client_id: self.oidc_client_id.unwrap_or_default(),
            client_secret: self.oidc_client_secret.unwrap_or_default(),
            redirect_url: self.oidc_redirect_url.unwrap_or_default(),
            label: self.oidc_label,
            allow_insecure_http: self.oidc_allow_insecure_http,
        })
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the platform (migrations run first).
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, env = "QINQING_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo district into an empty database and show the demo accounts.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (serve behind HTTPS).
        #[arg(long, env = "QINQING_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address the public reaches the platform at (https://qinqing.example.gov.cn),
        /// printed in the QR codes of licences; without it, the address each download came by.
        #[arg(long, env = "QINQING_PUBLIC_URL", value_parser = parse_public_url)]
        public_url: Option<String>,
        /// The secret shared with the non-tax payment system (非税收入缴款系统), which signs
        /// its notices of payment with it (HMAC-SHA256 of the body, header
        /// X-Payment-Signature); without it, notices of payment are refused and fees are
        /// recorded at the counter.
        #[arg(long, env = "QINQING_PAYMENT_SECRET", hide_env_values = true,
              value_parser = parse_payment_secret)]
        payment_secret: Option<String>,
        /// POST queued SMS as JSON {phone, text} to this gateway URL (http://); without it SMS
        /// are only recorded and shown to administrators.
        #[arg(long, env = "QINQING_SMS_WEBHOOK")]
        sms_webhook: Option<String>,
        /// Seconds between rounds of background work (warnings, checkpoints, SMS, each scene's).
        #[arg(long, env = "QINQING_BACKGROUND_INTERVAL", default_value_t = 30,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        background_interval: u64,
        #[command(flatten)]
        oidc: OidcArgs,
    },
    /// Run the database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Create the district and its first administrator on an empty database.
    Setup {
        #[command(flatten)]
        db: DbArg,
        /// The district's 6-digit division code.
        #[arg(long)]
        district_code: String,
        #[arg(long)]
        district_name: String,
        #[arg(long, default_value = "admin")]
        admin_username: String,
        /// Read from the environment so it stays out of shell history.
        #[arg(long, env = "QINQING_ADMIN_PASSWORD")]
        admin_password: String,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// The organisation tree.
    Organisation {
        #[command(subcommand)]
        what: OrganisationWhat,
    },
    /// Accounts.
    Account {
        #[command(subcommand)]
        what: AccountWhat,
    },
    /// Export data files.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Policies as code: validate, run their test cases, evaluate enterprises.
    Policy {
        #[command(subcommand)]
        what: PolicyWhat,
    },
    /// The verifiable audit log.
    Audit {
        #[command(subcommand)]
        what: AuditWhat,
    },
    /// Write a consistent copy of a SQLite database to FILE while the platform runs
    /// (PostgreSQL: use pg_dump).
    Backup {
        #[command(flatten)]
        db: DbArg,
        file: PathBuf,
    },
    /// Generate demo data.
    Demo {
        #[command(subcommand)]
        what: DemoWhat,
    },
}

#[derive(Subcommand)]
pub enum ImportWhat {
    /// Enterprises from CSV or XLSX (columns in crates/exchange/COLUMNS.md); all rows or none.
    Enterprises {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Towns and villages (and, for a city, its counties) under the district, from "code,name"
    /// lines or the statistics bureau's list for a whole province (统计用区划代码, 12-digit codes,
    /// 城乡分类代码); rows outside the district are counted and skipped.
    Divisions {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Organisations from CSV or XLSX (组织名称, 组织类型, 上级组织, 区划代码); all rows or none.
    Organisations {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Accounts from CSV or XLSX (用户名, 姓名, 手机号, 所在组织, 角色, 临时密码); all rows or
    /// none. Each must change the temporary password at first login.
    Accounts {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum OrganisationWhat {
    /// Create one organisation under a parent named as in the tree.
    Create {
        #[arg(long)]
        name: String,
        /// The kind, in Chinese (部门, 银行, 效能办 …) or as a code (department, bank …).
        #[arg(long)]
        kind: String,
        /// The parent's name; leave out only for a bank at the top.
        #[arg(long)]
        parent: Option<String>,
        /// For a town (9 digits) or a village (12 digits).
        #[arg(long)]
        division_code: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Deactivate an organisation (named as in the tree) that holds no account in use.
    Deactivate {
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum AccountWhat {
    /// Switch an account off; its sessions end at once.
    Deactivate {
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum ExportWhat {
    /// Enterprises to CSV or XLSX (by the file's extension).
    Enterprises {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum PolicyWhat {
    /// Validate policy files (a file or a directory with its attributes.toml); every problem
    /// is reported with file and line.
    Check { path: PathBuf },
    /// Run the test cases embedded in the policy files.
    Test { path: PathBuf },
    /// Evaluate every enterprise of an import-format file against the policies, with exclusive
    /// groups, caps and budgets applied (enterprises in file order = approval order), on the
    /// column evaluator: a CSV file is read in pieces, so a million enterprises take seconds.
    Eval {
        #[arg(long)]
        policies: PathBuf,
        /// CSV or XLSX in the enterprise import format.
        #[arg(long)]
        enterprises: PathBuf,
        #[arg(long)]
        year: i32,
        /// CSV out: credit_code, policy_id, outcome, amount, reason (the reason only for the
        /// enterprises named by --reasons; empty otherwise).
        #[arg(long, required_unless_present = "explain")]
        out: Option<PathBuf>,
        /// Explain one enterprise in prose instead.
        #[arg(long)]
        explain: Option<String>,
        /// Fill the reason column (the Chinese explanation) for these enterprises: credit codes
        /// separated by commas, or `all` (slow: each is evaluated again one by one).
        #[arg(long, value_name = "CODES|all")]
        reasons: Option<String>,
        /// CSV of breached commitments (统一社会信用代码,违约承诺事项), e.g. from the agreements
        /// register: sets `breached_commitments` for every enterprise, 0 for those not listed.
        /// Without it the fact is unknown and policies testing it are undetermined.
        #[arg(long)]
        breached_commitments: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum AuditWhat {
    /// Recompute the Merkle tree from the stored entries and check every stored checkpoint;
    /// exits non-zero naming the first entry altered, removed or reordered.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
    /// Hash new entries and sign a checkpoint now.
    Checkpoint {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum DemoWhat {
    /// Write a synthetic enterprise file (the import format) for tests and benchmarks, with real
    /// GB/T 4754-2017 class codes from every section (reproducible for a seed).
    Enterprises {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

fn format_of(path: &std::path::Path) -> anyhow::Result<FileFormat> {
    let name = path.to_string_lossy();
    FileFormat::from_file_name(&name).with_context(|| format!("{name}: use a .csv or .xlsx file"))
}

/// Prints a use-case error the way a person at a terminal needs it, including every bad row.
fn explain(e: AppError) -> anyhow::Error {
    if let AppError::ImportRejected(report) = &e {
        for row in &report.errors {
            eprintln!(
                "第 {} 行 [{}] “{}”:{}",
                row.row, row.column, row.value, row.message
            );
        }
    }
    match e {
        AppError::Internal(inner) => inner,
        other => anyhow::anyhow!("{other}"),
    }
}

/// The database, and a CSV or XLSX file's bytes and format.
async fn open_with_file(
    db: &DbArg,
    file: &std::path::Path,
) -> anyhow::Result<(qinqing_kernel::App, Vec<u8>, FileFormat)> {
    let format = format_of(file)?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok((crate::open(&db.db).await?, bytes, format))
}

async fn organisation(what: OrganisationWhat) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let system = Principal::system();
    match what {
        OrganisationWhat::Create {
            name,
            kind,
            parent,
            division_code,
            db,
        } => {
            let app = crate::open(&db.db).await?;
            let parent_id = match parent {
                Some(p) => Some(
                    qinqing_kernel::organisations::id_by_name(&app, &p)
                        .await
                        .map_err(explain)?,
                ),
                None => None,
            };
            let input = qinqing_kernel::organisations::NewOrganisationInput {
                name: name.clone(),
                kind,
                parent_id,
                division_code,
            };
            qinqing_kernel::organisations::create(&app, &system, &input, &meta)
                .await
                .map_err(explain)?;
            println!("已创建组织 {name}");
        }
        OrganisationWhat::Deactivate { name, db } => {
            let app = crate::open(&db.db).await?;
            let id = qinqing_kernel::organisations::id_by_name(&app, &name)
                .await
                .map_err(explain)?;
            qinqing_kernel::organisations::deactivate(&app, &system, id, &meta)
                .await
                .map_err(explain)?;
            println!("已停用组织 {name}");
        }
    }
    Ok(())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            demo,
            secure_cookies,
            public_url,
            payment_secret,
            sms_webhook,
            background_interval,
            oidc,
        } => {
            let options = crate::ServeOptions {
                demo,
                secure_cookies,
                public_url,
                payment_secret,
                background: Some(std::time::Duration::from_secs(background_interval)),
                sms_webhook,
                oidc: oidc.settings(),
            };
            serve(&db.db, &listen, options).await
        }
        Command::Migrate { db } => {
            crate::open(&db.db).await?;
            println!("数据库已迁移到最新版本");
            Ok(())
        }
        Command::Setup {
            db,
            district_code,
            district_name,
            admin_username,
            admin_password,
        } => {
            let app = crate::open(&db.db).await?;
            qinqing_kernel::setup::create_district(
                &app,
                &district_code,
                &district_name,
                &admin_username,
                &admin_password,
            )
            .await
            .map_err(explain)?;
            println!("已创建 {district_name}({district_code})和管理员 {admin_username}");
            Ok(())
        }
        Command::Import {
            what: ImportWhat::Enterprises { file, db },
        } => {
            let format = format_of(&file)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let app = crate::open(&db.db).await?;
            let summary = qinqing_kernel::enterprises::import(
                &app,
                &Principal::system(),
                &bytes,
                format,
                &RequestMeta::default(),
            )
            .await
            .map_err(explain)?;
            println!(
                "导入 {} 行:新增企业 {} 家,更新 {} 家",
                summary.rows, summary.created, summary.updated
            );
            Ok(())
        }
        Command::Import {
            what: ImportWhat::Divisions { file, db },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = crate::open(&db.db).await?;
            let report = qinqing_kernel::setup::import_divisions(&app, &text)
                .await
                .map_err(explain)?;
            println!("{}", report.summary_zh());
            Ok(())
        }
        Command::Import {
            what: ImportWhat::Organisations { file, db },
        } => {
            let (app, bytes, format) = open_with_file(&db, &file).await?;
            let meta = RequestMeta::default();
            let rows = qinqing_kernel::organisations::import(
                &app,
                &Principal::system(),
                &bytes,
                format,
                &meta,
            )
            .await
            .map_err(explain)?;
            println!("导入组织 {rows} 个");
            Ok(())
        }
        Command::Import {
            what: ImportWhat::Accounts { file, db },
        } => {
            let (app, bytes, format) = open_with_file(&db, &file).await?;
            let meta = RequestMeta::default();
            let rows =
                qinqing_kernel::users::import(&app, &Principal::system(), &bytes, format, &meta)
                    .await
                    .map_err(explain)?;
            println!("导入账户 {rows} 个,首次登录须修改临时密码");
            Ok(())
        }
        Command::Organisation { what } => organisation(what).await,
        Command::Account {
            what: AccountWhat::Deactivate { username, db },
        } => {
            let app = crate::open(&db.db).await?;
            qinqing_kernel::users::deactivate_by_username(&app, &username)
                .await
                .map_err(explain)?;
            println!("已停用账户 {username},其登录已全部失效");
            Ok(())
        }
        Command::Export {
            what: ExportWhat::Enterprises { file, db },
        } => {
            let format = format_of(&file)?;
            let app = crate::open(&db.db).await?;
            let bytes = qinqing_kernel::enterprises::export(&app, &Principal::system(), format)
                .await
                .map_err(explain)?;
            std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
            println!("已导出到 {}", file.display());
            Ok(())
        }
        Command::Policy { what } => policy(what),
        Command::Audit {
            what: AuditWhat::Verify { db },
        } => {
            let app = crate::open(&db.db).await?;
            match audit_log::verify(&app).await.map_err(explain)? {
                Ok(v) => {
                    println!(
                        "审计日志完好:{} 条记录,{} 个检查点的签名与树根均一致",
                        v.entries, v.checkpoints
                    );
                    Ok(())
                }
                Err(tampering) => anyhow::bail!("审计日志被篡改:{tampering}"),
            }
        }
        Command::Audit {
            what: AuditWhat::Checkpoint { db },
        } => {
            let app = crate::open(&db.db).await?;
            match audit_log::checkpoint(&app).await.map_err(explain)? {
                Some(size) => println!("已签发检查点,树大小 {size}"),
                None => println!("没有新记录,最新检查点已覆盖全部记录"),
            }
            Ok(())
        }
        Command::Backup { db, file } => {
            let store = qinqing_kernel::store::Db::connect(&db.db).await?;
            store.backup_to(&file).await?;
            println!("已备份到 {}", file.display());
            Ok(())
        }
        Command::Demo {
            what: DemoWhat::Enterprises { count, seed, out },
        } => {
            let format = format_of(&out)?;
            let records = demo::generate_register(count, seed, &demo::district_villages());
            let bytes = match format {
                FileFormat::Csv => qinqing_exchange::write_csv(&records),
                FileFormat::Xlsx => {
                    qinqing_exchange::write_xlsx(&records).map_err(|e| anyhow::anyhow!("{e}"))?
                }
            };
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "已生成 {count} 家企业、{} 行数据:{}",
                records.len(),
                out.display()
            );
            Ok(())
        }
    }
}

async fn serve(db_url: &str, listen: &str, options: crate::ServeOptions) -> anyhow::Result<()> {
    let demo_mode = options.demo;
    let app = crate::open(db_url).await?;
    if demo_mode && demo::load(&app).await.map_err(explain)? {
        tracing::info!("demo district loaded");
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    println!(
        "亲清家园已启动:http://{addr}/  (数据库 {})",
        crate::redact(db_url)
    );
    if demo_mode {
        println!("演示账户(密码均为 {DEMO_PASSWORD}):");
        for a in &ACCOUNTS {
            println!("  {:<12} {}", a.username, a.role.label_zh());
        }
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    crate::serve(app, listener, options, shutdown).await
}

fn policy(what: PolicyWhat) -> anyhow::Result<()> {
    match what {
        PolicyWhat::Check { path } => match qinqing_rules::api::check(&path) {
            Ok(summary) => {
                println!("{summary}");
                Ok(())
            }
            Err(diagnostics) => {
                for d in &diagnostics {
                    eprintln!("{d}");
                }
                anyhow::bail!("{} 处问题", diagnostics.len())
            }
        },
        PolicyWhat::Test { path } => {
            let report = qinqing_rules::api::test(&path);
            println!("{report}");
            anyhow::ensure!(report.is_success(), "政策测试用例未全部通过");
            Ok(())
        }
        PolicyWhat::Eval {
            policies,
            enterprises,
            year,
            out,
            explain,
            reasons,
            breached_commitments,
        } => crate::policy_eval::run(crate::policy_eval::EvalArgs {
            policies,
            enterprises,
            year,
            out,
            explain,
            reasons: crate::policy_eval::Reasons::parse(reasons.as_deref()),
            breached_commitments,
        }),
    }
}

/// A public address: http(s)://host[:port][/path], kept without its trailing slash.
/// A shared secret long enough not to be guessed (at least 16 characters).
fn parse_payment_secret(text: &str) -> Result<String, String> {
    match text.trim().chars().count() {
        0..16 => Err("至少 16 个字符(用随机生成的字符串)".into()),
        _ => Ok(text.trim().to_string()),
    }
}

fn parse_public_url(text: &str) -> Result<String, String> {
    let url = text.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("应为 http:// 或 https:// 开头的网址")?;
    let host = rest.split('/').next().unwrap_or_default();
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
    if host.is_empty() || !host.chars().all(allowed) || rest.contains(['?', '#', ' ']) {
        return Err("网址应带主机名,且不含空格、查询参数".into());
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::{parse_payment_secret, parse_public_url};

    #[test]
    fn a_payment_secret_is_refused_when_short_enough_to_guess() {
        assert!(parse_payment_secret("").is_err());
        assert!(parse_payment_secret("   ").is_err());
        assert!(parse_payment_secret("short-secret").is_err());
        let long = "3f9c2a7d1e8b4c6f0a5d";
        assert_eq!(parse_payment_secret(&format!(" {long} ")).unwrap(), long);
    }

    #[test]
    fn a_public_url_is_http_with_a_host_and_loses_its_trailing_slash() {
        let ok = |s: &str| parse_public_url(s).unwrap();
        assert_eq!(
            ok("https://qinqing.example.gov.cn/"),
            "https://qinqing.example.gov.cn"
        );
        assert_eq!(ok(" http://10.0.0.5:8080/qq "), "http://10.0.0.5:8080/qq");
        for wrong in [
            "qinqing.example.gov.cn",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x?y=1",
        ] {
            assert!(parse_public_url(wrong).is_err(), "{wrong}");
        }
    }
}
