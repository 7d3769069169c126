//! The fulfilment dashboard for leads and supervisors: applications by status, working days to
//! decision, on-time rate, money paid by policy and department, the share paid without
//! application (免申即享) and budget use; exported as CSV or XLSX.

use crate::applications::REVIEW_CLOCK;
use crate::status::ApplicationStatus;
use crate::store::{applications as store, policies};
use qinqing_domain::Money;
use qinqing_domain::deadline::beijing;
use qinqing_domain::org::{Role, Scope};
use qinqing_exchange::table::{Cell, Table};
use qinqing_kernel::{App, AppError, AppResult, Principal};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: ApplicationStatus,
    pub label: &'static str,
    pub applied: i64,
    pub auto_grant: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaidRow {
    pub policy: String,
    pub department: String,
    /// Yuan.
    pub paid: String,
    pub paid_fen: i64,
    pub payouts: i64,
    /// Of which without application (免申即享), yuan.
    pub auto_grant: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetRow {
    pub policy: String,
    pub department: String,
    pub total: Option<String>,
    pub committed: String,
    /// Committed share of the total in basis points (10000 = 100 %).
    pub used_bp: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub scope: String,
    pub by_status: Vec<StatusCount>,
    pub decided: usize,
    /// Average working days from submission to decision, two decimals ("1.50").
    pub average_working_days: Option<String>,
    /// Decisions within the time limit, in basis points.
    pub on_time_bp: Option<i64>,
    pub paid: Vec<PaidRow>,
    pub paid_total: String,
    /// Share of the money paid without application, in basis points.
    pub auto_grant_share_bp: Option<i64>,
    pub budgets: Vec<BudgetRow>,
}

fn may_view(who: &Principal) -> bool {
    matches!(who.role, Role::DepartmentLead | Role::Finance | Role::Admin)
        || who.role.is_supervisor()
}

/// Basis points of `part` in `whole`; `None` for an empty whole.
fn bp(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| part * 10_000 / whole)
}

pub async fn dashboard(app: &App, who: &Principal) -> AppResult<Dashboard> {
    if !may_view(who) {
        return Err(AppError::forbidden(
            "只有部门负责人、财政和监督人员可以查看兑现统计",
        ));
    }
    let (prefix, scope) = match &who.scope {
        Scope::All => (String::new(), "全区".to_string()),
        Scope::Region(code) => (
            qinqing_kernel::principal::region_prefix(code),
            who.org_name.clone(),
        ),
        _ => return Err(AppError::forbidden("当前账户没有数据范围")),
    };
    let mut conn = app.db.conn().await?;
    let figures = store::figures(&mut conn, &prefix, REVIEW_CLOCK).await?;
    // Keyed by the stored value, so the rows come in the order they always did.
    let mut by_status: BTreeMap<&'static str, (ApplicationStatus, i64, i64)> = BTreeMap::new();
    for &(status, ref channel, n) in &figures.by_status {
        let entry = by_status.entry(status.as_str()).or_insert((status, 0, 0));
        if channel == "auto_grant" {
            entry.2 += n;
        } else {
            entry.1 += n;
        }
    }
    let calendar = app.calendar();
    let days: Vec<u32> = figures
        .decisions
        .iter()
        .map(|(from, to)| {
            calendar.working_days_between(
                from.with_timezone(&beijing()).date_naive(),
                to.with_timezone(&beijing()).date_naive(),
            )
        })
        .collect();
    let average_working_days = (!days.is_empty()).then(|| {
        let sum: u64 = days.iter().map(|d| u64::from(*d)).sum();
        let hundredths = sum * 100 / days.len() as u64;
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    });
    let on_time = figures
        .clocks
        .iter()
        .filter(|(due, done)| done <= due)
        .count();
    let paid_total: i64 = figures.paid.iter().map(|p| p.3).sum();
    let auto_total: i64 = figures
        .paid
        .iter()
        .filter(|p| p.2 == "auto_grant")
        .map(|p| p.3)
        .sum();
    Ok(Dashboard {
        scope,
        by_status: by_status
            .into_iter()
            .map(|(_, (status, applied, auto_grant))| StatusCount {
                label: status.label_zh(),
                status,
                applied,
                auto_grant,
            })
            .collect(),
        decided: days.len(),
        average_working_days,
        on_time_bp: bp(on_time as i64, figures.clocks.len() as i64),
        paid: paid_rows(&figures.paid),
        paid_total: Money::from_fen(paid_total).to_string(),
        auto_grant_share_bp: bp(auto_total, paid_total),
        budgets: policies::list(&mut conn, None)
            .await?
            .into_iter()
            .filter(|p| p.published_version.is_some())
            .map(|p| BudgetRow {
                used_bp: p.budget_total.and_then(|t| bp(p.budget_committed, t)),
                total: p.budget_total.map(|t| Money::from_fen(t).to_string()),
                committed: Money::from_fen(p.budget_committed).to_string(),
                policy: p.title,
                department: p.department_name,
            })
            .collect(),
    })
}

/// One row per policy: what was paid, and how much of it without application.
fn paid_rows(paid: &[(String, String, String, i64, i64)]) -> Vec<PaidRow> {
    let mut by_policy: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for (policy, department, channel, fen, n) in paid {
        let e = by_policy
            .entry((policy.clone(), department.clone()))
            .or_default();
        e.0 += fen;
        e.1 += n;
        if channel == "auto_grant" {
            e.2 += fen;
        }
    }
    by_policy
        .into_iter()
        .map(|((policy, department), (fen, n, auto))| PaidRow {
            policy,
            department,
            paid: Money::from_fen(fen).to_string(),
            paid_fen: fen,
            payouts: n,
            auto_grant: Money::from_fen(auto).to_string(),
        })
        .collect()
}

/// The dashboard as tables, for CSV (the first table) and XLSX (all of them).
pub fn tables(d: &Dashboard) -> Vec<Table> {
    // The figures are yuan strings in the JSON; the sheets want them as numbers.
    let money = |s: &str| Money::parse_yuan(s).map_or(Cell::Blank, Cell::Money);
    let summary = Table::figures(
        "兑现概况",
        [
            ("统计范围", Cell::text(&d.scope)),
            ("已办结申报", Cell::Integer(d.decided as i64)),
            (
                "平均审核用时(工作日)",
                Cell::text_or_blank(d.average_working_days.as_deref()),
            ),
            ("按时办结率", Cell::percent_or_blank(d.on_time_bp)),
            ("已拨付金额(元)", money(&d.paid_total)),
            (
                "免申即享拨付占比",
                Cell::percent_or_blank(d.auto_grant_share_bp),
            ),
        ],
    );
    let statuses = Table::new(
        "申报状态",
        &["状态", "申报", "免申即享"],
        d.by_status.iter().map(|s| {
            vec![
                Cell::text(s.label),
                Cell::Integer(s.applied),
                Cell::Integer(s.auto_grant),
            ]
        }),
    );
    let paid = Table::new(
        "拨付(按政策)",
        &["政策", "部门", "已拨付(元)", "笔数", "其中免申即享(元)"],
        d.paid.iter().map(|p| {
            vec![
                Cell::text(&p.policy),
                Cell::text(&p.department),
                money(&p.paid),
                Cell::Integer(p.payouts),
                money(&p.auto_grant),
            ]
        }),
    );
    let budgets = Table::new(
        "预算使用",
        &["政策", "部门", "预算(元)", "已核准(元)", "使用率"],
        d.budgets.iter().map(|b| {
            vec![
                Cell::text(&b.policy),
                Cell::text(&b.department),
                b.total.as_deref().map_or(Cell::Blank, money),
                money(&b.committed),
                Cell::percent_or_blank(b.used_bp),
            ]
        }),
    );
    vec![summary, statuses, paid, budgets]
}
