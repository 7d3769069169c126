//! Recording an agreement with its items, linking the enterprise once it registers, and reading
//! agreements.

use crate::access::{load, manages, may_create, may_see, visible};
use crate::clocks::sync_clocks;
use crate::input::{Item, check_org, parse_date, parse_item, text};
use crate::items::conflict;
use crate::model::{AgreementInput, AgreementSummary, AgreementView, FROM_SIGNING, view};
use crate::store;
use crate::store::agreements::{AgreementRow, NewAgreement};
use crate::timeline::{check_timeline, schedule};
use chrono::NaiveDate;
use qinqing_domain::commitment::{Due, STANDARD_TEMPLATE, Side, Status};
use qinqing_domain::org::Scope;
use qinqing_domain::{CreditCode, DivisionCode, Money};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::error::parsed;
use qinqing_kernel::store::{StoreError, enterprises};
use qinqing_kernel::{App, AppError, AppResult, FieldErrors, Principal, RequestMeta};

/// The standard chain, for the itemising form.
pub fn standard_template() -> &'static [qinqing_domain::commitment::TemplateNode] {
    &STANDARD_TEMPLATE
}
/// The standard chain's items for an agreement signed on `signed_on`: government items answered
/// by the creating unit and enterprise items by the investor until staff assign them.
fn template_items(signed_on: NaiveDate, investor: &str, unit: &str, app: &App) -> Vec<Item> {
    STANDARD_TEMPLATE
        .iter()
        .map(|n| Item {
            key: n.key.to_string(),
            side: n.side,
            item_type: n.item_type(),
            clause: String::new(),
            content: n.title.to_string(),
            responsible_org_id: None,
            responsible_unit: default_unit(n.side, investor, unit),
            responsible_person: String::new(),
            due: n.due(signed_on, &app.calendar()),
            replanned: None,
            evidence: n.evidence.to_string(),
        })
        .collect()
}

/// An item due `offset` after the signing date gets its date fixed: the signing date never moves.
pub(crate) fn fix_from_signing(item: &mut Item, signed_on: NaiveDate, app: &App) {
    if let Due::After { item: up, offset } = &item.due
        && up == FROM_SIGNING
    {
        item.due = Due::On {
            date: offset.apply(signed_on, &app.calendar()),
        };
    }
}

/// Who answers for an item until staff assign it: the investor for the enterprise side, the
/// unit that recorded the agreement for the government side.
fn default_unit(side: Side, investor: &str, unit: &str) -> String {
    match side {
        Side::Government => unit.to_string(),
        Side::Enterprise => investor.to_string(),
    }
}
/// Records an agreement with its items (from the standard template and/or as given).
pub async fn create(
    app: &App,
    who: &Principal,
    input: &AgreementInput,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    if !may_create(who) {
        return Err(AppError::forbidden("只有招商部门工作人员可以录入投资协议"));
    }
    let mut errors = FieldErrors::default();
    let project = errors.check("project_name", text(&input.project_name, true, "项目名称"));
    let signed_on = errors.check("signed_on", parse_date(&input.signed_on));
    let investment = errors.check(
        "total_investment",
        Money::parse_yuan(&input.total_investment)
            .map_err(|e| e.to_string())
            .and_then(|m| {
                if m.is_negative() {
                    Err("总投资不能为负数".to_string())
                } else {
                    Ok(m)
                }
            }),
    );
    let code = match input.credit_code.as_deref().map(str::trim) {
        Some(c) if !c.is_empty() => errors.check("credit_code", CreditCode::parse(c)),
        _ => None,
    };
    let given: Vec<Option<Item>> = input
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_item(item, &format!("items[{i}]."), &mut errors))
        .collect();
    errors.finish()?;
    let (project, signed_on) = (parsed(project)?, parsed(signed_on)?);
    let investment = parsed(investment)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = match &code {
        Some(code) => Some(
            enterprises::get_by_credit_code(&mut tx, code)
                .await?
                .ok_or_else(|| AppError::invalid("credit_code", "平台上没有这家企业"))?,
        ),
        None => None,
    };
    let investor = match (input.investor_name.as_deref().map(str::trim), &enterprise) {
        (Some(name), _) if !name.is_empty() => {
            text(name, true, "投资方名称").map_err(|m| AppError::invalid("investor_name", m))?
        }
        (_, Some(e)) => e.identity.name.clone(),
        _ => {
            return Err(AppError::invalid(
                "investor_name",
                "请填写投资方名称或企业信用代码",
            ));
        }
    };
    let region = match (
        input.region_code.as_deref().map(str::trim),
        &enterprise,
        &who.scope,
    ) {
        (Some(r), _, _) if !r.is_empty() => {
            DivisionCode::parse(r).map_err(|e| AppError::invalid("region_code", e.to_string()))?
        }
        (_, Some(e), _) => e.identity.region_code.clone(),
        (_, None, Scope::Region(r)) => r.clone(),
        _ => return Err(AppError::invalid("region_code", "请选择项目所在区域")),
    };
    if !who.scope.covers_region(&region) {
        return Err(AppError::invalid(
            "region_code",
            "项目所在区域不在您的管辖范围内",
        ));
    }
    let mut items = if input.from_template {
        template_items(signed_on, &investor, &who.org_name, app)
    } else {
        Vec::new()
    };
    let offset = items.len();
    for (i, item) in given.into_iter().enumerate() {
        let mut item = parsed(item)?;
        fix_from_signing(&mut item, signed_on, app);
        check_org(&mut tx, &item, &format!("items[{i}].responsible_org_id")).await?;
        if item.responsible_unit.is_empty() {
            item.responsible_unit = default_unit(item.side, &investor, &who.org_name);
        }
        items.push(item);
    }
    let field_of = |index: usize, field: &str| match index.checked_sub(offset) {
        Some(i) => format!("items[{i}].{field}"),
        None => "from_template".to_string(),
    };
    check_timeline(&items, field_of)?;
    let new = NewAgreement {
        project_name: &project,
        enterprise_id: enterprise.as_ref().map(|e| e.id),
        investor_name: &investor,
        region_code: region.as_str(),
        signed_on,
        total_investment_fen: investment.fen(),
        created_by: who.user_id,
        created_org_id: who.org_id,
    };
    let id = store::agreements::insert(&mut tx, &new, now).await?;
    for item in &items {
        store::agreements::insert_commitment(&mut tx, id, &item.fields()).await?;
    }
    let (a, _) = load(&mut tx, id).await?;
    sync_clocks(&mut tx, app, &a, now).await?;
    let change = Change {
        action: "agreement.created",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "project": project, "investor": investor, "signed_on": signed_on,
            "total_investment": investment.to_string(), "items": items.iter().map(|i| &i.key).collect::<Vec<_>>() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let (a, rows) = load(&mut tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}
/// Links the enterprise an investor registered (企业注册) to the agreement it signed; from then
/// on the enterprise sees the agreement and answers for its items.
pub async fn link_enterprise(
    app: &App,
    who: &Principal,
    id: i64,
    credit_code: &str,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    let code = CreditCode::parse(credit_code.trim())
        .map_err(|e| AppError::invalid("credit_code", e.to_string()))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (a, _) = visible(&mut tx, who, id).await?;
    if !manages(who, &a) {
        return Err(AppError::forbidden(
            "只有录入协议的部门或招商办可以关联企业",
        ));
    }
    let enterprise = enterprises::get_by_credit_code(&mut tx, &code)
        .await?
        .ok_or_else(|| AppError::invalid("credit_code", "平台上没有这家企业"))?;
    if !store::agreements::link_enterprise(&mut tx, id, enterprise.id).await? {
        return Err(conflict("这份协议已关联企业"));
    }
    let change = Change {
        action: "agreement.enterprise_linked",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "credit_code": code.as_str(), "name": enterprise.identity.name }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let (a, rows) = load(&mut tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The enterprise the agreement is with, once linked: whom staff act on behalf of.
pub(crate) fn enterprise_code(a: &AgreementRow) -> Option<CreditCode> {
    a.credit_code
        .as_deref()
        .and_then(|c| CreditCode::parse(c).ok())
}
pub async fn get(app: &App, who: &Principal, id: i64) -> AppResult<AgreementView> {
    let mut conn = app.db.conn().await?;
    let (a, rows) = visible(&mut conn, who, id).await?;
    view(app, &a, &rows, app.now())
}

/// The agreements the caller may see, newest first.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<AgreementSummary>> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for a in store::agreements::list(&mut conn).await? {
        let rows = store::agreements::commitments(&mut conn, a.id).await?;
        if !may_see(who, &a, &rows) {
            continue;
        }
        let scheduled = schedule(app, &rows, now)?;
        let count = |status: Status| scheduled.iter().filter(|s| s.status == status).count();
        out.push(AgreementSummary {
            id: a.id,
            items: rows.len(),
            overdue: count(Status::Overdue),
            breached: count(Status::Breached),
            project_name: a.project_name,
            investor_name: a.investor_name,
            signed_on: a.signed_on,
        });
    }
    Ok(out)
}
