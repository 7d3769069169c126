//! Applying for a policy: saving a draft, submitting with pledges instead of certificates,
//! resubmitting after 补正 and withdrawing. What an application is, who may see it and how it
//! reads live in `applications`; this module only changes applications.

use crate::applications::{
    ApplicationView, FactInput, REVIEW_CLOCK, SignedPledge, at_stage, get_row, policy_slug, record,
    step, stop_review_clock, view, visible_row,
};
use crate::library::{PledgeTerm, stage_of, stages};
use crate::response::{self, AtStage};
use crate::row_by_slug;
use crate::status::ApplicationStatus::{Draft, Returned, Submitted, Withdrawn};
use crate::status::PolicyStatus;
use crate::store::applications::{self as store, Move, NewApplication};
use crate::store::policies::PolicyRow;
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::enterprise::CreditStatus;
use qinqing_domain::{CreditCode, DivisionCode};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::principal::acts_for_enterprise;
use qinqing_kernel::store::{Conn, StoreError, Tx};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::Outcome;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ApplicationInput {
    /// The policy's id.
    pub policy: String,
    pub credit_code: String,
    pub year: i32,
    /// The project or product claimed (技改项目名称…), for a policy claimed once per project;
    /// empty for any other policy.
    pub claim: String,
    pub facts: Vec<FactInput>,
    /// Keys of the policy's pledges the applicant signs; every pledge must be signed.
    pub pledges: Vec<String>,
    /// Save as a draft instead of submitting.
    pub draft: bool,
    /// Chosen by the client once per form (e.g. a UUID): a retry returns the first result.
    pub submit_key: Option<String>,
}

fn parse_code(text: &str) -> AppResult<CreditCode> {
    CreditCode::parse(text.trim()).map_err(|e| AppError::invalid("credit_code", e.to_string()))
}

/// Saves a draft or submits an application.
pub async fn submit(
    app: &App,
    who: &Principal,
    input: &ApplicationInput,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    if !acts_for_enterprise(who) {
        return Err(AppError::forbidden("只有企业本身或其亲清管家可以申报"));
    }
    let code = parse_code(&input.credit_code)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = visible_enterprise(&mut tx, who, &code).await?;
    if let Some(key) = input.submit_key.as_deref().filter(|k| !k.trim().is_empty())
        && let Some(first) = store::by_submit_key(&mut tx, enterprise.id, key.trim()).await?
    {
        let shown = view(&mut tx, &first).await?;
        return Ok(shown);
    }
    let policy = row_by_slug(&mut tx, input.policy.trim()).await?;
    check_open_for_applications(&policy)?;
    if enterprise.identity.credit_status == CreditStatus::Bad {
        return Err(AppError::forbidden(
            "企业存在失信记录,信用修复前不能以承诺申报或享受政策",
        ));
    }
    crate::integrity::ensure_not_blocked(&mut tx, enterprise.id, now).await?;
    let claim = claim_key(&mut tx, &policy, &input.claim).await?;
    let (computed, form) = assess(app, &mut tx, &policy, &enterprise, input, !input.draft).await?;
    let pledges = sign_pledges(&policy, &input.pledges, !input.draft, now)?;
    let receipt_no = qinqing_kernel::receipts::receipt_number("SB", now)?;
    let status = if input.draft { Draft } else { Submitted };
    let new = NewApplication {
        receipt_no: &receipt_no,
        policy_id: policy.id,
        policy_version: policy.published_version.unwrap_or(policy.current_version),
        enterprise_id: enterprise.id,
        credit_code: code.as_str(),
        region_code: enterprise.identity.region_code.as_str(),
        year: input.year,
        claim_key: claim.as_ref().map_or("", |c| c.key.as_str()),
        channel: "apply",
        status,
        computed_amount: computed,
        form: &form,
        pledges: &pledges,
        submit_key: input
            .submit_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty()),
        created_by: Some(who.user_id),
        run_id: None,
    };
    let id = match store::insert(&mut tx, &new, now).await {
        Err(StoreError::Duplicate) => {
            let (field, message) = match &claim {
                Some(c) => (
                    "claim",
                    format!(
                        "本企业已就{}“{}”申报过该政策 {} 年度的补助,同一{}不得重复申报",
                        c.label, c.key, input.year, c.label
                    ),
                ),
                None => (
                    "policy",
                    format!(
                        "本企业已有一份该政策 {} 年度的申报,不能重复申报",
                        input.year
                    ),
                ),
            };
            return Err(AppError::Conflict {
                field: Some(field.into()),
                message,
            });
        }
        other => other?,
    };
    let action = if input.draft { "draft" } else { "submit" };
    step(&mut tx, who, id, 0, action, None, None, now).await?;
    if !input.draft {
        start_review_clock(
            &mut tx,
            app,
            &policy,
            &receipt_no,
            &enterprise.identity.region_code,
            now,
        )
        .await?;
        let at = AtStage {
            receipt_no: &receipt_no,
            region: enterprise.identity.region_code.as_str(),
            stage: 0,
        };
        response::start(&mut tx, app, &policy, &at, now).await?;
    }
    let detail = serde_json::json!({ "policy": policy.slug, "year": input.year, "status": status, "computed_amount": computed });
    record(
        &mut tx,
        who,
        meta,
        &format!("application.{action}"),
        &receipt_no,
        &code,
        detail,
        now,
    )
    .await?;
    committed(tx, id).await
}

/// Submits a draft, or resubmits a returned application with what was asked for (补正): the
/// clock that was paused for it runs again. With `input.draft` a draft is saved again instead
/// (see [`save_draft`]).
pub async fn resubmit(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &ApplicationInput,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let act = if input.draft {
        "保存申报草稿"
    } else {
        "提交申报"
    };
    let own = own(&mut tx, who, receipt_no, act).await?;
    if input.draft {
        return save_draft(app, tx, who, own, input, meta).await;
    }
    let Own {
        row,
        code,
        enterprise,
        policy,
    } = own;
    if !matches!(row.status, Draft | Returned) {
        return Err(AppError::Conflict {
            field: None,
            message: format!("申报{},不能再提交", row.status.label_zh()),
        });
    }
    if row.status == Draft {
        check_open_for_applications(&policy)?;
    }
    let (computed, form) = assess(app, &mut tx, &policy, &enterprise, input, true).await?;
    let pledges = sign_pledges(&policy, &input.pledges, true, now)?;
    store::update_form(&mut tx, row.id, &form, &pledges, computed, now).await?;
    let m = Move {
        submitted: row.status == Draft,
        ..Move::to(row.id, row.status, row.stage, Submitted)
    };
    if !store::move_state(&mut tx, &m, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "申报刚被他人处理,请刷新后再试".into(),
        });
    }
    let action = if row.status == Draft {
        "submit"
    } else {
        "resubmit"
    };
    step(&mut tx, who, row.id, row.stage, action, None, None, now).await?;
    if row.status == Draft {
        start_review_clock(
            &mut tx,
            app,
            &policy,
            &row.receipt_no,
            &enterprise.identity.region_code,
            now,
        )
        .await?;
    } else {
        deadlines::control_open(
            &mut tx,
            app,
            ("application", &row.receipt_no),
            REVIEW_CLOCK,
            ClockAction::Resume,
            now,
        )
        .await?;
    }
    response::start(&mut tx, app, &policy, &at_stage(&row), now).await?;
    let detail = serde_json::json!({ "computed_amount": computed });
    record(
        &mut tx,
        who,
        meta,
        &format!("application.{action}"),
        &row.receipt_no,
        &code,
        detail,
        now,
    )
    .await?;
    committed(tx, row.id).await
}

/// Saves what the applicant typed into a draft and submits nothing: every figure and tick is
/// kept as it is, complete or not, for the applicant to carry on later (继续申报).
async fn save_draft(
    app: &App,
    mut tx: Tx,
    who: &Principal,
    own: Own,
    input: &ApplicationInput,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    let now = app.now();
    let Own {
        row,
        code,
        enterprise,
        policy,
    } = own;
    if row.status != Draft {
        return Err(AppError::Conflict {
            field: None,
            message: format!("申报{},不能再保存为草稿", row.status.label_zh()),
        });
    }
    check_open_for_applications(&policy)?;
    let (computed, form) = assess(app, &mut tx, &policy, &enterprise, input, false).await?;
    let pledges = sign_pledges(&policy, &input.pledges, false, now)?;
    store::update_form(&mut tx, row.id, &form, &pledges, computed, now).await?;
    let detail = serde_json::json!({ "computed_amount": computed });
    let receipt = row.receipt_no.as_str();
    record(
        &mut tx,
        who,
        meta,
        "application.draft",
        receipt,
        &code,
        detail,
        now,
    )
    .await?;
    committed(tx, row.id).await
}

/// Commits the change and shows the application as it now stands.
async fn committed(mut tx: Tx, id: i64) -> AppResult<ApplicationView> {
    let row = get_row(&mut tx, id).await?;
    let shown = view(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// An application the enterprise's side works on, with its enterprise and policy.
struct Own {
    row: crate::store::applications::ApplicationRow,
    code: CreditCode,
    enterprise: qinqing_kernel::store::enterprises::Enterprise,
    policy: PolicyRow,
}

/// Opens an application for the enterprise or its steward to `act` on (提交申报 …).
async fn own(conn: &mut Conn, who: &Principal, receipt_no: &str, act: &str) -> AppResult<Own> {
    if !acts_for_enterprise(who) {
        return Err(AppError::forbidden(format!(
            "只有企业本身或其亲清管家可以{act}"
        )));
    }
    let row = visible_row(conn, who, receipt_no).await?;
    let code = parse_code(&row.credit_code)?;
    let enterprise = visible_enterprise(conn, who, &code).await?;
    let slug = policy_slug(conn, &row).await?;
    let policy = row_by_slug(conn, &slug).await?;
    Ok(Own {
        row,
        code,
        enterprise,
        policy,
    })
}

/// Withdraws an application before its decision.
pub async fn withdraw(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    if !acts_for_enterprise(who) {
        return Err(AppError::forbidden("只有企业本身或其亲清管家可以撤回申报"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = visible_row(&mut tx, who, receipt_no).await?;
    let code = parse_code(&row.credit_code)?;
    if !matches!(row.status, Draft | Submitted | Returned) {
        return Err(AppError::Conflict {
            field: None,
            message: format!("申报{},不能撤回", row.status.label_zh()),
        });
    }
    let m = Move {
        decided: true,
        ..Move::to(row.id, row.status, row.stage, Withdrawn)
    };
    if !store::move_state(&mut tx, &m, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "申报刚被审核人处理,请刷新后再试".into(),
        });
    }
    step(&mut tx, who, row.id, row.stage, "withdraw", None, None, now).await?;
    stop_review_clock(&mut tx, app, &row.receipt_no, now).await?;
    if let Some(policy) = crate::store::policies::get(&mut tx, row.policy_id).await?
        && let Some(stage) = stage_of(&stages(&policy), row.stage)
    {
        response::stop_all(&mut tx, app, stage, &at_stage(&row), now).await?;
    }
    record(
        &mut tx,
        who,
        meta,
        "application.withdrawn",
        &row.receipt_no,
        &code,
        serde_json::json!({}),
        now,
    )
    .await?;
    committed(tx, row.id).await
}

fn check_open_for_applications(policy: &PolicyRow) -> AppResult<()> {
    if policy.status != PolicyStatus::Published {
        return Err(AppError::Conflict {
            field: Some("policy".into()),
            message: format!("该政策{},不能申报", policy.status.label_zh()),
        });
    }
    if policy.mode == "auto_grant" {
        return Err(AppError::Conflict {
            field: Some("policy".into()),
            message: "该政策免申即享,无需申报:符合条件的企业将收到确认通知".into(),
        });
    }
    if let Some(channel) = &policy.offline_channel {
        return Err(AppError::Conflict {
            field: Some("policy".into()),
            message: format!("该政策不在平台受理:{channel}"),
        });
    }
    Ok(())
}

/// Evaluates the application against the version in force, with the facts the applicant
/// added. A submission must be eligible; a draft may still lack facts. Returns the computed
/// amount and the form as stored.
async fn assess(
    app: &App,
    conn: &mut Conn,
    policy: &PolicyRow,
    enterprise: &qinqing_kernel::store::enterprises::Enterprise,
    input: &ApplicationInput,
    must_be_eligible: bool,
) -> AppResult<(Option<i64>, String)> {
    if !(2000..=2100).contains(&input.year) {
        return Err(AppError::invalid("year", "请选择申报年度"));
    }
    let version = policy.published_version.unwrap_or(policy.current_version);
    let ev = crate::explanation::evaluation(
        app,
        conn,
        policy,
        version,
        enterprise,
        &input.facts,
        input.year,
    )
    .await?;
    let computed = match &ev.outcome {
        Outcome::Eligible { amount } => Some(amount.fen()),
        Outcome::Ineligible if must_be_eligible => {
            return Err(AppError::Conflict {
                field: Some("policy".into()),
                message: format!("不符合申报条件:{}", crate::entitlements::reasons(&ev)),
            });
        }
        Outcome::Undetermined { missing } if must_be_eligible => {
            let labels: Vec<&str> = missing.iter().map(|m| m.label.as_str()).collect();
            return Err(AppError::invalid(
                "facts",
                format!("请补充:{}", labels.join("、")),
            ));
        }
        _ => None,
    };
    let form = serde_json::to_string(&input.facts).map_err(anyhow::Error::from)?;
    Ok((computed, form))
}

/// The claim of an application to a policy claimed once per project or product.
struct Claim {
    /// What the policy calls the key ("技改项目名称").
    label: String,
    key: String,
}

/// What the published version of a policy claimed once per project calls the project
/// ("技改项目名称"); `None` for a policy claimed once a year.
pub(crate) async fn claim_label(conn: &mut Conn, policy: &PolicyRow) -> AppResult<Option<String>> {
    let schema = crate::schema(conn).await?;
    let version = policy.published_version.unwrap_or(policy.current_version);
    let src = crate::store::policies::definition(conn, policy.id, version)
        .await?
        .unwrap_or_default();
    Ok(crate::parse_definition(&schema, &src, "policy")?.per_claim)
}

/// The claim an application names: required (at most 100 characters) when the published
/// version is `per_claim`, refused otherwise.
async fn claim_key(conn: &mut Conn, policy: &PolicyRow, claim: &str) -> AppResult<Option<Claim>> {
    let key = claim.trim();
    match claim_label(conn, policy).await? {
        Some(label) if key.is_empty() => Err(AppError::invalid(
            "claim",
            format!("该政策按项目申报,请填写{label}"),
        )),
        Some(label) if key.chars().count() > 100 => Err(AppError::invalid(
            "claim",
            format!("{label}不能超过 100 个字"),
        )),
        Some(label) => Ok(Some(Claim {
            label,
            key: key.to_string(),
        })),
        None if key.is_empty() => Ok(None),
        None => Err(AppError::invalid(
            "claim",
            "该政策不按项目申报,无需填写申报项目",
        )),
    }
}

/// Every pledge the policy asks for must be signed on submission; unknown keys are refused.
fn sign_pledges(
    policy: &PolicyRow,
    signed: &[String],
    all_required: bool,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let guide: crate::library::Guide = serde_json::from_str(&policy.guide).unwrap_or_default();
    if let Some(unknown) = signed
        .iter()
        .find(|k| !guide.pledges.iter().any(|p| &p.key == *k))
    {
        return Err(AppError::invalid(
            "pledges",
            format!("该政策没有编号为“{unknown}”的承诺"),
        ));
    }
    let unsigned: Vec<&PledgeTerm> = guide
        .pledges
        .iter()
        .filter(|p| !signed.contains(&p.key))
        .collect();
    if all_required && !unsigned.is_empty() {
        let keys: Vec<&str> = unsigned.iter().map(|p| p.key.as_str()).collect();
        return Err(AppError::invalid(
            "pledges",
            format!("请阅读并签署全部承诺(未签:{})", keys.join("、")),
        ));
    }
    let signed: Vec<SignedPledge> = guide
        .pledges
        .iter()
        .filter(|p| signed.contains(&p.key))
        .map(|p| SignedPledge {
            key: p.key.clone(),
            text: p.text.clone(),
            signed_at: now,
        })
        .collect();
    Ok(serde_json::to_string(&signed).map_err(anyhow::Error::from)?)
}

async fn start_review_clock(
    conn: &mut Conn,
    app: &App,
    policy: &PolicyRow,
    receipt_no: &str,
    region: &DivisionCode,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let label = format!("审核“{}”申报 {receipt_no}", policy.title);
    let start = Start {
        object_type: "application",
        object_id: receipt_no,
        kind: REVIEW_CLOCK,
        label: &label,
        region,
        side: Side::Government,
        limit: Limit {
            unit: LimitUnit::WorkingDays,
            amount: u32::try_from(policy.decision_days).unwrap_or(3),
        },
        org_id: Some(policy.department_org_id),
    };
    deadlines::start(conn, app, start, now).await?;
    Ok(())
}
