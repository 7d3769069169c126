//! The demo district's fulfilment cycle (惠企政策兑现), played by the demo accounts through the
//! use cases, so every step is authorised, audited and on the clock as if people had done it:
//! applications in every state (草稿, 初审, 复审, 待补正, 未通过, 已撤回, 已核准), confirmed bank
//! accounts, one payout batch paid in full and one with a failed line left for finance, and one
//! 免申即享 run with an offer confirmed and the others waiting (its handler having corrected that
//! enterprise's registration before releasing it, which 数智监督 flags).
//!
//! Enterprise data is generated, so nothing here names an enterprise: it evaluates the ones the
//! demo accounts act for and places each state where the rules allow it. A state that the
//! district's enterprises cannot produce (a small test district) is left out, never an error.

use crate::applications::FactInput;
use crate::applying::{self, ApplicationInput};
use crate::payouts::{self, AccountInput};
use crate::ratings::{self, RatingInput};
use crate::review::{self, Decision};
use crate::{Published, auto_grant, library};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use qinqing_domain::deadline::local_date;
use qinqing_domain::enterprise::CreditStatus;
use qinqing_domain::{CreditCode, Money};
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::demo::BANK;
use qinqing_kernel::demo::principal;
use qinqing_kernel::store::enterprises as enterprise_store;
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::{EvalOptions, Outcome, evaluate};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The policy year the demo applies for.
const YEAR: i32 = 2025;
/// What the applicant adds when the profile lacks it.
const HIRE_MONTHS: &str = "12,18";
/// 研发费用 as a share of revenue, in percent, for an applicant whose profile has none.
const RD_PERCENT: i64 = 4;

/// The demo accounts that take part.
struct Cast {
    enterprise: Principal,
    steward: Principal,
    reviewer1: Principal,
    reviewer2: Principal,
    handler: Principal,
    finance: Principal,
}

/// Where an application ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Approved and paid in the first batch.
    Paid,
    /// Approved; its line fails in the second batch.
    PaidFails,
    /// Approved and paid in the second batch.
    PaidLater,
    /// Submitted, waiting at 初审.
    FirstReview,
    /// Approved at 初审, waiting at 复审.
    SecondReview,
    /// Returned for 补正.
    Returned,
    Rejected,
    Withdrawn,
}

/// An application the demo can submit: an enterprise, an apply-mode policy it is eligible for,
/// and the facts to add.
#[derive(Clone)]
struct Slot {
    code: CreditCode,
    policy: String,
    facts: Vec<FactInput>,
    /// What the 可享政策 page grants after the annual caps, when known (fen).
    granted: Option<i64>,
    /// The enterprise of the `enterprise` account (it acts itself; others through the steward).
    own: bool,
}

/// One enterprise as the demo sees it.
struct Firm {
    code: CreditCode,
    name: String,
    own: bool,
    /// Every published policy of its entity, whatever the outcome.
    entitlements: Vec<Entitlement>,
}

/// What a firm may get from one published policy (the engine's outcome, as the enterprise's
/// 可享政策 page shows it).
struct Entitlement {
    policy_id: String,
    mode: String,
    offline: bool,
    /// eligible | undetermined | ineligible
    outcome: &'static str,
    /// The facts still missing, by key ("rd_expense@2025").
    missing: Vec<String>,
    /// What is granted after exclusive groups and caps.
    granted_fen: Option<i64>,
}

/// Plays the cycle. Loads nothing when a demo account is missing (a district without
/// enterprises).
pub async fn load(app: &App) -> AppResult<()> {
    let Some(cast) = cast(app).await? else {
        return Ok(());
    };
    let meta = RequestMeta::default();
    let mut conn = app.db.conn().await?;
    let published = crate::published(&mut conn).await?;
    drop(conn);
    let firms = firms(app, &cast, &published).await?;
    if firms.is_empty() {
        return Ok(());
    }
    let pledges = pledges(&published);
    let slots = slots(app, &firms).await?;
    let plan = plan(&slots);

    // Applications, up to the last approval of those paid in the second batch.
    let mut approved_later = Vec::new();
    let mut fails = None;
    let weeks_ago = plan
        .iter()
        .position(|(s, t)| !s.own && t == &[Target::Paid]);
    for (i, (slot, targets)) in plan.iter().enumerate() {
        if Some(i) == weeks_ago {
            rated_badly_weeks_ago(app, &cast, slot, &pledges, &meta).await?;
            continue;
        }
        for &target in targets {
            let applicant = if slot.own {
                &cast.enterprise
            } else {
                &cast.steward
            };
            let Some((receipt, computed)) =
                submit(app, applicant, slot, &pledges, false, &meta).await?
            else {
                break;
            };
            let first = first_approval(slot, computed);
            let done = play(app, &cast, &receipt, &first, slot, target, &meta).await?;
            if done && matches!(target, Target::PaidFails | Target::PaidLater) {
                if target == Target::PaidFails {
                    fails = Some(receipt.clone());
                }
                approved_later.push(receipt);
            }
        }
    }
    draft(app, &cast, &firms, &plan, &pledges, &meta).await?;

    // Accounts of every enterprise that is paid.
    for (i, firm) in firms.iter().enumerate() {
        if plan
            .iter()
            .any(|(s, t)| s.code == firm.code && t.iter().any(paid))
        {
            let who = if firm.own {
                &cast.enterprise
            } else {
                &cast.steward
            };
            quietly(payouts::confirm_account(
                app,
                who,
                &firm.code,
                &account(&firm.name, i),
                &meta,
            ))
            .await?;
        }
    }

    // The first batch, paid in full.
    pay_batch(app, &cast.finance, None, &meta).await?;
    // The second: the last approvals, then the batch with one failed line.
    let mut any = false;
    for receipt in &approved_later {
        let approve = Decision::Approve {
            amount: None,
            reason: None,
        };
        any |= quietly(review::decide(
            app,
            &cast.reviewer2,
            receipt,
            &approve,
            &meta,
        ))
        .await?
        .is_some();
    }
    if any {
        pay_batch(app, &cast.finance, fails.as_deref(), &meta).await?;
    }

    grant_run(app, &cast, &firms, &meta).await?;
    Ok(())
}

fn paid(t: &Target) -> bool {
    matches!(t, Target::Paid | Target::PaidFails | Target::PaidLater)
}

/// The keys of every pledge of each published policy (an application signs them all).
fn pledges(published: &Published) -> BTreeMap<String, Vec<String>> {
    published
        .rows
        .iter()
        .map(|row| {
            let guide: library::Guide = serde_json::from_str(&row.guide).unwrap_or_default();
            let keys = guide.pledges.into_iter().map(|p| p.key).collect();
            (row.slug.clone(), keys)
        })
        .collect()
}

async fn cast(app: &App) -> AppResult<Option<Cast>> {
    let (
        Some(enterprise),
        Some(steward),
        Some(reviewer1),
        Some(reviewer2),
        Some(handler),
        Some(finance),
    ) = (
        principal(app, "enterprise").await?,
        principal(app, "steward").await?,
        principal(app, "reviewer1").await?,
        principal(app, "reviewer2").await?,
        principal(app, "handler").await?,
        principal(app, "finance").await?,
    )
    else {
        return Ok(None);
    };
    Ok(Some(Cast {
        enterprise,
        steward,
        reviewer1,
        reviewer2,
        handler,
        finance,
    }))
}

/// The enterprises the demo accounts act for, the `enterprise` account's first, with what each
/// may get in the policy year. Firms with a bad credit record cannot apply and are left out.
async fn firms(app: &App, cast: &Cast, published: &Published) -> AppResult<Vec<Firm>> {
    let own = cast.enterprise.enterprises().first().cloned();
    let mut codes: Vec<CreditCode> = own.iter().cloned().collect();
    codes.extend(
        cast.steward
            .enterprises()
            .iter()
            .filter(|c| Some(*c) != own.as_ref())
            .cloned(),
    );
    let opts = EvalOptions::default();
    let mut firms = Vec::new();
    for code in codes {
        let is_own = Some(&code) == own.as_ref();
        let mut conn = app.db.conn().await?;
        let Some(row) = enterprise_store::get_by_credit_code(&mut conn, &code).await? else {
            continue;
        };
        if row.identity.credit_status == CreditStatus::Bad {
            continue;
        }
        let facts = crate::enterprise_facts(app, &mut conn, &row).await?;
        drop(conn);
        let set = &published.set;
        let evaluations: Vec<Outcome> = set
            .policies
            .iter()
            .map(|p| evaluate(p, &set.schema, &facts, YEAR, &opts).outcome)
            .collect();
        let result = set.subject_result(facts.subject_id.clone(), evaluations);
        let mut entitlements = Vec::new();
        for (policy, cell) in set.policies.iter().zip(result.cells) {
            let Some(row) = published.row_of(&policy.id) else {
                continue;
            };
            if policy.entity != facts.entity {
                continue;
            }
            entitlements.push(Entitlement {
                policy_id: policy.id.clone(),
                mode: row.mode.clone(),
                offline: row.offline_channel.is_some(),
                outcome: cell.outcome.as_str(),
                missing: match &cell.outcome {
                    Outcome::Undetermined { missing } => {
                        missing.iter().map(|m| m.key.clone()).collect()
                    }
                    _ => Vec::new(),
                },
                granted_fen: cell.granted.map(Money::fen),
            });
        }
        firms.push(Firm {
            code,
            name: row.identity.name,
            own: is_own,
            entitlements,
        });
    }
    Ok(firms)
}

fn applies(e: &Entitlement) -> bool {
    matches!(e.mode.as_str(), "apply" | "quick_apply") && !e.offline
}

/// Every application the demo could submit: eligible ones as they are, undetermined ones with
/// the missing facts added (研发费用 at 4% of revenue, two hires in the target groups).
async fn slots(app: &App, firms: &[Firm]) -> AppResult<Vec<Slot>> {
    let mut out = Vec::new();
    for firm in firms {
        for e in firm.entitlements.iter().filter(|e| applies(e)) {
            let facts = match e.outcome {
                "eligible" => Vec::new(),
                "undetermined" => {
                    let mut facts = Vec::new();
                    for key in &e.missing {
                        let value = match key.split_once('@') {
                            Some(("target_group_hire_months", _)) => Some(HIRE_MONTHS.to_string()),
                            Some(("rd_expense", year)) => revenue(app, &firm.code, year)
                                .await?
                                .map(|r| Money::from_fen(r * RD_PERCENT / 100).to_string()),
                            _ => None,
                        };
                        match value {
                            Some(value) => facts.push(FactInput {
                                key: key.clone(),
                                value,
                            }),
                            None => break,
                        }
                    }
                    if facts.len() != e.missing.len() {
                        continue;
                    }
                    facts
                }
                _ => continue,
            };
            out.push(Slot {
                code: firm.code.clone(),
                policy: e.policy_id.clone(),
                facts,
                granted: e.granted_fen,
                own: firm.own,
            });
        }
    }
    Ok(out)
}

async fn revenue(app: &App, code: &CreditCode, year: &str) -> AppResult<Option<i64>> {
    let Ok(year) = year.parse::<i32>() else {
        return Ok(None);
    };
    let mut conn = app.db.conn().await?;
    let Some(e) = enterprise_store::get_by_credit_code(&mut conn, code).await? else {
        return Ok(None);
    };
    Ok(enterprise_store::figures(&mut conn, e.id)
        .await?
        .into_iter()
        .find(|f| f.year == year && f.field == "revenue")
        .map(|f| f.value)
        .filter(|v| *v > 0))
}

/// Which slot ends in which state. The `enterprise` account's own firm comes first (one paid,
/// one at 复审, so whoever logs in as it sees progress); a rejection or withdrawal that finds no
/// slot of its own goes before the live application of another (applied again afterwards).
fn plan(slots: &[Slot]) -> Vec<(Slot, Vec<Target>)> {
    let (own, others): (Vec<&Slot>, Vec<&Slot>) = slots.iter().partition(|s| s.own);
    let mut plan: Vec<(Slot, Vec<Target>)> = Vec::new();
    let mut own = own.into_iter();
    let mut wanted = Vec::new();
    for target in [Target::Paid, Target::SecondReview] {
        match own.next() {
            Some(s) => plan.push((s.clone(), vec![target])),
            None => wanted.push(target),
        }
    }
    wanted.extend([
        Target::PaidFails,
        Target::FirstReview,
        Target::Returned,
        Target::PaidLater,
        Target::Paid,
        Target::Rejected,
        Target::Withdrawn,
    ]);
    let mut pool = others.into_iter().chain(own);
    let mut wanted = wanted.into_iter();
    let mut left = Vec::new();
    for target in wanted.by_ref() {
        match pool.next() {
            Some(s) => plan.push((s.clone(), vec![target])),
            None => left.push(target),
        }
    }
    // Rejections and withdrawals first on slots of others, then of the own firm.
    let mut order: Vec<usize> = (0..plan.len()).filter(|&i| !plan[i].0.own).collect();
    order.extend((0..plan.len()).filter(|&i| plan[i].0.own));
    let mut reuse = order.into_iter();
    for target in left
        .into_iter()
        .filter(|t| matches!(t, Target::Rejected | Target::Withdrawn))
    {
        if let Some(i) = reuse.next() {
            plan[i].1.insert(0, target);
        }
    }
    plan
}

/// Submits (or saves as a draft); `None` when the rules refuse it.
async fn submit(
    app: &App,
    who: &Principal,
    slot: &Slot,
    pledges: &BTreeMap<String, Vec<String>>,
    draft: bool,
    meta: &RequestMeta,
) -> AppResult<Option<(String, Option<i64>)>> {
    let input = ApplicationInput {
        policy: slot.policy.clone(),
        credit_code: slot.code.to_string(),
        year: YEAR,
        claim: String::new(),
        facts: if draft {
            Vec::new()
        } else {
            slot.facts.clone()
        },
        pledges: if draft {
            Vec::new()
        } else {
            pledges.get(&slot.policy).cloned().unwrap_or_default()
        },
        draft,
        submit_key: None,
    };
    Ok(quietly(applying::submit(app, who, &input, meta))
        .await?
        .map(|v| {
            let computed = v
                .computed_amount
                .and_then(|a| Money::parse_yuan(&a).ok())
                .map(|m| m.fen());
            (v.receipt_no, computed)
        }))
}

/// Another enterprise's paid application, played six weeks ago: submitted on a Friday
/// afternoon, approved at 初审 late on the Saturday night and at 复审 on the Monday morning, then
/// rated 不满意. Nobody followed the rating up, so its 15-working-day follow-up is long overdue:
/// 数智监督 shows the night approval and the bad rating for 纪检 to look at, naming the two
/// reviewers. It is paid in the first batch with the others.
async fn rated_badly_weeks_ago(
    app: &App,
    cast: &Cast,
    slot: &Slot,
    pledges: &BTreeMap<String, Vec<String>>,
    meta: &RequestMeta,
) -> AppResult<()> {
    let friday = last_friday_before(app.now() - Duration::weeks(6));
    let clock = Arc::new(ManualClock::new(beijing_time(friday, 15, 0)));
    let past = app.with_clock(clock.clone());
    let Some((receipt, computed)) =
        submit(&past, &cast.steward, slot, pledges, false, meta).await?
    else {
        return Ok(());
    };
    clock.set(beijing_time(friday + Duration::days(1), 23, 40));
    let first = first_approval(slot, computed);
    if quietly(review::decide(
        &past,
        &cast.reviewer1,
        &receipt,
        &first,
        meta,
    ))
    .await?
    .is_none()
    {
        return Ok(());
    }
    clock.set(beijing_time(friday + Duration::days(3), 10, 0));
    let approve = Decision::Approve {
        amount: None,
        reason: None,
    };
    if quietly(review::decide(
        &past,
        &cast.reviewer2,
        &receipt,
        &approve,
        meta,
    ))
    .await?
    .is_none()
    {
        return Ok(());
    }
    clock.set(beijing_time(friday + Duration::days(3), 16, 30));
    let rating = RatingInput {
        level: 2,
        comment: Some("审核期间没有任何进度告知,打电话询问也没人接听".into()),
    };
    quietly(ratings::rate(&past, &cast.steward, &receipt, &rating, meta)).await?;
    Ok(())
}

/// The last Friday on or before the Beijing date of `at`.
fn last_friday_before(at: DateTime<Utc>) -> NaiveDate {
    let mut day = local_date(at);
    while day.weekday() != Weekday::Fri {
        day = day.pred_opt().unwrap_or(day);
    }
    day
}

/// An hour and minute of a Beijing date.
fn beijing_time(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = day.and_hms_opt(hour, minute, 0).unwrap_or_default();
    // Beijing is UTC+8 all year.
    (local - Duration::hours(8)).and_utc()
}

/// Moves a submitted application on to its target; the approvals at 复审 of lines paid in the
/// second batch wait. Returns whether it got there.
async fn play(
    app: &App,
    cast: &Cast,
    receipt: &str,
    first: &Decision,
    slot: &Slot,
    target: Target,
    meta: &RequestMeta,
) -> AppResult<bool> {
    let applicant = if slot.own {
        &cast.enterprise
    } else {
        &cast.steward
    };
    let approve = || Decision::Approve {
        amount: None,
        reason: None,
    };
    let decide = |who: &'static str, decision: Decision| {
        let who = if who == "reviewer1" {
            &cast.reviewer1
        } else {
            &cast.reviewer2
        };
        async move {
            Ok::<bool, AppError>(
                quietly(review::decide(app, who, receipt, &decision, meta))
                    .await?
                    .is_some(),
            )
        }
    };
    Ok(match target {
        Target::FirstReview => true,
        Target::SecondReview | Target::PaidFails | Target::PaidLater => {
            decide("reviewer1", first.clone()).await?
        }
        Target::Paid => {
            decide("reviewer1", first.clone()).await? && decide("reviewer2", approve()).await?
        }
        Target::Returned => {
            let note = supplement_note(&slot.policy).to_string();
            decide("reviewer1", Decision::Return { note }).await?
        }
        Target::Rejected => {
            decide("reviewer1", first.clone()).await?
                && decide(
                    "reviewer2",
                    Decision::Reject {
                        reason:
                            "经与税务、社保共享数据比对,申报数据与部门数据不一致,不符合政策条件"
                                .into(),
                    },
                )
                .await?
        }
        Target::Withdrawn => quietly(applying::withdraw(app, applicant, receipt, meta))
            .await?
            .is_some(),
    })
}

/// The 初审 approval: the computed amount, or less with the reason when the district's annual
/// cap on industrial support (每家企业每年合计不超过 200 万元) leaves less.
fn first_approval(slot: &Slot, computed: Option<i64>) -> Decision {
    match (slot.granted, computed) {
        (Some(granted), Some(computed)) if 0 < granted && granted < computed => Decision::Approve {
            amount: Some(Money::from_fen(granted).to_string()),
            reason: Some("本区工业扶持政策每家企业每年合计不超过 200 万元,按可享额度核定".into()),
        },
        _ => Decision::Approve {
            amount: None,
            reason: None,
        },
    }
}

fn supplement_note(policy: &str) -> &'static str {
    match policy {
        "p3-equipment-investment" => "请补充上传主要设备的购置发票扫描件及入账凭证",
        "p7-rd-investment" => "请补充上传研发费用加计扣除申报表(或研发费用辅助账)",
        _ => "请补充上传新招用人员的劳动合同及社保缴费明细",
    }
}

/// A draft of a policy nobody applied for yet, preferably one whose facts are still missing.
async fn draft(
    app: &App,
    cast: &Cast,
    firms: &[Firm],
    plan: &[(Slot, Vec<Target>)],
    pledges: &BTreeMap<String, Vec<String>>,
    meta: &RequestMeta,
) -> AppResult<()> {
    let taken = |code: &CreditCode, policy: &str| {
        plan.iter()
            .any(|(s, _)| &s.code == code && s.policy == policy)
    };
    let mut candidates: Vec<(u8, &Firm, &Entitlement)> = firms
        .iter()
        .flat_map(|f| f.entitlements.iter().map(move |e| (f, e)))
        .filter(|(f, e)| applies(e) && !taken(&f.code, &e.policy_id))
        .map(|(f, e)| {
            let rank = match e.outcome {
                "undetermined" => 0,
                "eligible" => 1,
                _ => 2,
            };
            (rank, f, e)
        })
        .collect();
    candidates.sort_by_key(|(rank, f, _)| (*rank, f.own));
    let Some((_, firm, e)) = candidates.first() else {
        return Ok(());
    };
    let slot = Slot {
        code: firm.code.clone(),
        policy: e.policy_id.clone(),
        facts: Vec::new(),
        granted: None,
        own: firm.own,
    };
    let who = if firm.own {
        &cast.enterprise
    } else {
        &cast.steward
    };
    submit(app, who, &slot, pledges, true, meta).await?;
    Ok(())
}

/// A bank account in the enterprise's name (the digits follow from its place in the list).
fn account(name: &str, index: usize) -> AccountInput {
    let n = 10_407_301 + 7_919 * index as u64;
    AccountInput {
        payee_name: name.to_string(),
        account_no: format!("13580101040{n:08}"),
        bank_name: BANK.to_string(),
    }
}

/// Finance batches what is ready, exports the bank file and imports the bank's answer: every
/// line paid, except the one of `failing` (a receipt number), refused by the bank.
async fn pay_batch(
    app: &App,
    finance: &Principal,
    failing: Option<&str>,
    meta: &RequestMeta,
) -> AppResult<()> {
    let Some(created) = quietly(payouts::create_batch(app, finance, meta)).await? else {
        return Ok(());
    };
    let batch = created.batch.id;
    payouts::export_batch(app, finance, batch, meta).await?;
    let desk = payouts::desk(app, finance).await?;
    let mut file = String::from("批次号,行号,业务参考号,状态,失败原因\r\n");
    for p in desk.payouts.iter().filter(|p| p.batch_id == Some(batch)) {
        let line = format!(
            "{},{},{}",
            created.batch.batch_no,
            p.line_no.unwrap_or(0),
            p.reference
        );
        if Some(p.receipt_no.as_str()) == failing {
            file.push_str(&format!("{line},失败,户名与账号不符\r\n"));
        } else {
            file.push_str(&format!("{line},成功,\r\n"));
        }
    }
    payouts::import_results(app, finance, file.as_bytes(), meta).await?;
    Ok(())
}

/// The handler runs a 免申即享 policy that some enterprise of the demo accounts qualifies for
/// (else the first that offers anyone anything) and releases the run after checking it; one offer of the steward's is confirmed, the
/// `enterprise` account's own and everyone else's wait for the enterprise.
async fn grant_run(app: &App, cast: &Cast, firms: &[Firm], meta: &RequestMeta) -> AppResult<()> {
    let granted = |e: &Entitlement| e.mode == "auto_grant" && e.granted_fen.unwrap_or(0) > 0;
    let mut order: Vec<String> = Vec::new();
    for e in firms.iter().flat_map(|f| &f.entitlements) {
        if granted(e) && !order.contains(&e.policy_id) {
            order.push(e.policy_id.clone());
        }
    }
    if order.is_empty() && recognise(app, cast, firms, meta).await? {
        order.push(RECOGNITION.1.to_string());
    }
    for policy in order {
        let view = library::get(app, Some(&cast.handler), &policy).await?;
        if view.department_org_id != cast.handler.org_id {
            continue;
        }
        let Some(report) = quietly(crate::grant_run::run_to_end(
            app,
            &cast.handler,
            &policy,
            YEAR,
            meta,
        ))
        .await?
        else {
            continue;
        };
        let Some(run_id) = report.run_id.filter(|_| !report.offered.is_empty()) else {
            continue;
        };
        let confirmed = report.offered.iter().find_map(|o| {
            firms
                .iter()
                .enumerate()
                .find(|(_, f)| !f.own && f.code.as_str() == o.credit_code)
                .map(|(i, f)| (o, i, f))
        });
        // While checking the list the handler corrects one enterprise's registration itself,
        // then releases the run: 数智监督 points 纪检 at the offer (自己录入自己审批).
        if let Some((_, _, firm)) = confirmed {
            correct_representative(app, cast, &firm.code, meta).await?;
        }
        // The handler has checked the list: the run goes out to the enterprises.
        quietly(auto_grant::release(app, &cast.handler, run_id, meta)).await?;
        if let Some((offer, i, firm)) = confirmed {
            quietly(auto_grant::confirm(
                app,
                &cast.steward,
                &offer.receipt_no,
                &account(&firm.name, i),
                meta,
            ))
            .await?;
        }
        return Ok(());
    }
    Ok(())
}

/// The handler changes the legal representative of an enterprise on its profile.
async fn correct_representative(
    app: &App,
    cast: &Cast,
    code: &CreditCode,
    meta: &RequestMeta,
) -> AppResult<()> {
    let profile = qinqing_kernel::enterprises::profile(app, &cast.handler, code).await?;
    let now = profile.identity.legal_representative.as_deref();
    let name = if now == Some("陈志明") {
        "陈志强"
    } else {
        "陈志明"
    };
    let update = qinqing_kernel::enterprises::ProfileUpdate {
        legal_representative: Some(name.to_string()),
        ..Default::default()
    };
    quietly(qinqing_kernel::enterprises::update_profile(
        app,
        &cast.handler,
        code,
        &update,
        meta,
    ))
    .await?;
    Ok(())
}

/// A 2025 recognition the steward records for one of its enterprises (a firm other than the
/// `enterprise` account's) when none of them qualifies for a 免申即享 policy, and the policy it
/// opens.
const RECOGNITION: (&str, &str) = ("省级专精特新中小企业@2025-06-18", "p6b-zjtx-provincial");

/// The steward records the recognition on the profile of its last enterprise that lacks it;
/// whether it did.
async fn recognise(app: &App, cast: &Cast, firms: &[Firm], meta: &RequestMeta) -> AppResult<bool> {
    let (tag, policy) = RECOGNITION;
    let Some(firm) = firms
        .iter()
        .rev()
        .find(|f| !f.own && f.entitlements.iter().any(|e| e.policy_id == policy))
    else {
        return Ok(false);
    };
    let profile = qinqing_kernel::enterprises::profile(app, &cast.steward, &firm.code).await?;
    let name = tag.split('@').next().unwrap_or(tag);
    if profile.qualifications.iter().any(|q| q.name == name) {
        return Ok(false);
    }
    let mut tags: Vec<String> = profile.qualifications.iter().map(|q| q.to_tag()).collect();
    tags.push(tag.to_string());
    let update = qinqing_kernel::enterprises::ProfileUpdate {
        qualifications: Some(tags),
        ..Default::default()
    };
    let changed = quietly(qinqing_kernel::enterprises::update_profile(
        app,
        &cast.steward,
        &firm.code,
        &update,
        meta,
    ))
    .await?;
    Ok(changed.is_some_and(|n| n > 0))
}

/// A refusal by the rules (conflict, invalid input, no permission, not found) is a state the
/// district cannot produce, so `None`; anything else is a real failure.
async fn quietly<T>(step: impl Future<Output = AppResult<T>>) -> AppResult<Option<T>> {
    match step.await {
        Ok(v) => Ok(Some(v)),
        Err(
            e @ (AppError::Conflict { .. }
            | AppError::Invalid { .. }
            | AppError::Fields(_)
            | AppError::Forbidden(_)
            | AppError::NotFound(_)),
        ) => {
            tracing::debug!(error = %e, "demo fulfilment step skipped");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
