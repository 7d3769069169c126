//! The demo district's investment agreements (政企合同双兑现): six projects of 8–9 commitment
//! items each, dated around today so that every state shows — planned, due soon, due today,
//! overdue, fulfilled on time and late, waived, breached and reported awaiting confirmation.
//! 高端装备 started construction 130 days ahead of its contract date; 新能源电池材料 breached
//! its investment commitment; several government items are overdue long enough that 催告 and
//! 上报纪检 have fired, and 效能办 has answered one of the demands.
//!
//! The agreements are recorded by the demo 招商办 account through the use case. Their past
//! (what was fulfilled when) is history the demo invents, so it is written straight to the
//! items and recorded in the audit trail as the demo loader's own entry; the clocks then follow
//! as they would on any change, and the scheduler fires what is due.

use crate::store::agreements as store;
use crate::{AgreementInput, ItemInput};
use chrono::{Days, NaiveDate};
use qinqing_domain::commitment::Outcome;
use qinqing_domain::deadline::{Grade, local_date};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::auth::load_principal;
use qinqing_kernel::store::deadlines as clock_store;
use qinqing_kernel::store::{Conn, StoreError, orgs, users};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};

/// How an item stands, as days relative to its due date or today.
#[derive(Clone, Copy)]
enum Past {
    Open,
    /// Fulfilled this many days before its due date.
    Early(u64),
    /// Fulfilled this many days after its due date.
    Late(u64),
    /// Reported this many days ago, not yet confirmed.
    Reported(u64),
    Waived,
    Breached,
}

/// One item: key, enterprise side?, content, responsible department (government items), due in
/// days from today (negative: in the past), and its past.
type Node = (&'static str, bool, &'static str, &'static str, i64, Past);

struct Project {
    name: &'static str,
    investor: &'static str,
    /// The demo enterprise signed it (the first project); others are investors still 筹建.
    own_enterprise: bool,
    /// No project sits in 张坂镇, which tests keep for a known dataset.
    region: &'static str,
    signed_days_ago: u64,
    investment_yuan: &'static str,
    items: &'static [Node],
}

const LAND: &str = "自然资源局";
const HOUSING: &str = "住房和城乡建设局";
const INDUSTRY: &str = "工业和信息化局";

const PROJECTS: [Project; 6] = [
    Project {
        name: "高端装备制造产业园项目",
        investor: "",
        own_enterprise: true,
        // A district project, whichever town the generated enterprise sits in.
        region: "350521",
        signed_days_ago: 400,
        investment_yuan: "500000000",
        items: &[
            (
                "registration",
                true,
                "企业注册登记",
                "",
                -370,
                Past::Early(10),
            ),
            (
                "land_delivery",
                false,
                "土地出让及交地",
                LAND,
                -300,
                Past::Early(5),
            ),
            ("design", true, "方案设计", "", -240, Past::Early(20)),
            (
                "construction_permit",
                false,
                "施工许可",
                HOUSING,
                -200,
                Past::Early(3),
            ),
            (
                "construction_start",
                true,
                "开工建设",
                "",
                60,
                Past::Early(130),
            ),
            ("utilities", false, "水电气接入", INDUSTRY, 10, Past::Open),
            ("completion", true, "竣工验收", "", 500, Past::Open),
            ("production", true, "投产", "", 590, Past::Open),
            ("full_production", true, "达产及税收", "", 955, Past::Open),
        ],
    },
    Project {
        name: "新能源电池材料项目",
        investor: "闽台新能源科技有限公司(筹)",
        own_enterprise: false,
        region: "350521101",
        signed_days_ago: 500,
        investment_yuan: "800000000",
        items: &[
            (
                "registration",
                true,
                "企业注册登记",
                "",
                -470,
                Past::Late(15),
            ),
            (
                "land_delivery",
                false,
                "土地出让及交地",
                LAND,
                -400,
                Past::Late(40),
            ),
            ("design", true, "方案设计", "", -330, Past::Early(0)),
            (
                "construction_permit",
                false,
                "施工许可",
                HOUSING,
                -280,
                Past::Early(10),
            ),
            (
                "construction_start",
                true,
                "开工建设",
                "",
                -250,
                Past::Late(30),
            ),
            (
                "investment",
                true,
                "固定资产投资达 2 亿元",
                "",
                -60,
                Past::Breached,
            ),
            (
                "subsidy",
                false,
                "兑现设备购置补助",
                "财政局",
                -20,
                Past::Open,
            ),
            ("completion", true, "竣工验收", "", 200, Past::Open),
            ("production", true, "投产", "", 300, Past::Open),
        ],
    },
    Project {
        name: "智能家居研发中心",
        investor: "厦门云居智能科技有限公司",
        own_enterprise: false,
        region: "350521100",
        signed_days_ago: 300,
        investment_yuan: "120000000",
        items: &[
            (
                "registration",
                true,
                "企业注册登记",
                "",
                -280,
                Past::Early(4),
            ),
            (
                "land_delivery",
                false,
                "土地出让及交地",
                LAND,
                -200,
                Past::Early(2),
            ),
            ("road", false, "配套道路建成通车", HOUSING, -45, Past::Open),
            ("design", true, "方案设计", "", -150, Past::Early(6)),
            (
                "construction_permit",
                false,
                "施工许可",
                HOUSING,
                -100,
                Past::Late(20),
            ),
            (
                "construction_start",
                true,
                "开工建设",
                "",
                -60,
                Past::Reported(62),
            ),
            (
                "talent_housing",
                false,
                "人才公寓配套",
                "人力资源和社会保障局",
                0,
                Past::Open,
            ),
            ("completion", true, "竣工验收", "", 400, Past::Open),
        ],
    },
    Project {
        name: "跨境电商物流园",
        investor: "泉州海丝跨境物流有限公司",
        own_enterprise: false,
        region: "350521",
        signed_days_ago: 200,
        investment_yuan: "260000000",
        items: &[
            (
                "registration",
                true,
                "企业注册登记",
                "",
                -180,
                Past::Early(1),
            ),
            (
                "land_delivery",
                false,
                "土地出让及交地",
                LAND,
                -120,
                Past::Waived,
            ),
            (
                "interim_plant",
                false,
                "提供过渡厂房",
                "商务局(招商局)",
                -100,
                Past::Early(8),
            ),
            ("design", true, "方案设计", "", -60, Past::Open),
            ("power", false, "电力增容", INDUSTRY, -10, Past::Open),
            (
                "construction_permit",
                false,
                "施工许可",
                HOUSING,
                25,
                Past::Open,
            ),
            ("construction_start", true, "开工建设", "", 90, Past::Open),
            ("completion", true, "竣工验收", "", 600, Past::Open),
        ],
    },
    Project {
        name: "生物医药中试基地",
        investor: "福建康源生物医药有限公司",
        own_enterprise: false,
        region: "350521100",
        signed_days_ago: 150,
        investment_yuan: "180000000",
        items: &[
            (
                "registration",
                true,
                "企业注册登记",
                "",
                -130,
                Past::Early(3),
            ),
            (
                "land_delivery",
                false,
                "土地出让及交地",
                LAND,
                -40,
                Past::Late(10),
            ),
            ("utilities", false, "水电气接入", INDUSTRY, -5, Past::Open),
            ("design", true, "方案设计", "", 15, Past::Open),
            (
                "construction_permit",
                false,
                "施工许可",
                HOUSING,
                60,
                Past::Open,
            ),
            ("construction_start", true, "开工建设", "", 100, Past::Open),
            ("completion", true, "竣工验收", "", 700, Past::Open),
            ("production", true, "投产", "", 800, Past::Open),
        ],
    },
    Project {
        name: "光电显示面板项目",
        investor: "台商光电显示科技有限公司",
        own_enterprise: false,
        region: "350521200",
        signed_days_ago: 700,
        investment_yuan: "1500000000",
        items: &[
            (
                "registration",
                true,
                "企业注册登记",
                "",
                -680,
                Past::Early(2),
            ),
            (
                "land_delivery",
                false,
                "土地出让及交地",
                LAND,
                -600,
                Past::Early(9),
            ),
            ("design", true, "方案设计", "", -540, Past::Early(15)),
            (
                "construction_permit",
                false,
                "施工许可",
                HOUSING,
                -500,
                Past::Early(1),
            ),
            (
                "construction_start",
                true,
                "开工建设",
                "",
                -470,
                Past::Early(5),
            ),
            (
                "tax_benefit",
                false,
                "落实税收优惠",
                "税务局",
                -100,
                Past::Late(15),
            ),
            ("completion", true, "竣工验收", "", -30, Past::Reported(35)),
            (
                "joint_acceptance",
                false,
                "组织联合验收",
                HOUSING,
                -20,
                Past::Open,
            ),
            ("production", true, "投产", "", 80, Past::Open),
        ],
    },
];

fn shift(today: NaiveDate, days: i64) -> NaiveDate {
    let d = Days::new(days.unsigned_abs());
    let moved = if days < 0 {
        today.checked_sub_days(d)
    } else {
        today.checked_add_days(d)
    };
    moved.unwrap_or(today)
}

fn outcome(past: Past, due: NaiveDate, today: NaiveDate) -> Outcome {
    let days = |n: u64| i64::try_from(n).unwrap_or(0);
    match past {
        Past::Open => Outcome::Open,
        Past::Early(n) => Outcome::Fulfilled {
            on: shift(due, -days(n)).min(today),
        },
        Past::Late(n) => Outcome::Fulfilled {
            on: shift(due, days(n)).min(today),
        },
        Past::Reported(n) => Outcome::Reported {
            on: shift(today, -days(n)),
        },
        Past::Waived => Outcome::Waived,
        Past::Breached => Outcome::Breached,
    }
}

fn note(past: Past) -> Option<&'static str> {
    match past {
        Past::Open => None,
        Past::Early(_) | Past::Late(_) | Past::Reported(_) => Some("履约佐证已上传"),
        Past::Waived => Some("项目改为租赁厂房,经区管委会批准不再供地"),
        Past::Breached => Some("截至约定日期固定资产投资仅完成 0.6 亿元"),
    }
}

async fn demo_user(app: &App, conn: &mut Conn, username: &str) -> AppResult<Principal> {
    let missing = || AppError::Internal(anyhow::anyhow!("demo account {username} missing"));
    let user = users::find_by_username(conn, username)
        .await?
        .ok_or_else(missing)?;
    load_principal(app, conn, user.id)
        .await?
        .ok_or_else(missing)
}

pub async fn load(app: &App) -> AppResult<()> {
    let today = local_date(app.now());
    let mut conn = app.db.conn().await?;
    let investment = demo_user(app, &mut conn, "investment").await?;
    let firm = demo_user(app, &mut conn, "enterprise").await?;
    let departments = orgs::list_non_enterprise(&mut conn).await?;
    drop(conn);
    let org_id = |name: &str| departments.iter().find(|o| o.name == name).map(|o| o.id);
    let meta = RequestMeta::default();
    for p in &PROJECTS {
        let code = firm.enterprises().first().filter(|_| p.own_enterprise);
        let input = AgreementInput {
            project_name: p.name.to_string(),
            credit_code: code.map(|c| c.to_string()),
            investor_name: (!p.investor.is_empty()).then(|| p.investor.to_string()),
            region_code: Some(p.region.to_string()),
            signed_on: shift(today, -i64::try_from(p.signed_days_ago).unwrap_or(0)).to_string(),
            total_investment: p.investment_yuan.to_string(),
            from_template: false,
            items: p
                .items
                .iter()
                .map(|&(key, enterprise, content, unit, due, _)| ItemInput {
                    key: key.to_string(),
                    side: if enterprise {
                        "enterprise"
                    } else {
                        "government"
                    }
                    .to_string(),
                    clause: String::new(),
                    content: content.to_string(),
                    responsible_org_id: org_id(unit),
                    responsible_unit: if enterprise { p.investor } else { unit }.to_string(),
                    responsible_person: String::new(),
                    due_on: Some(shift(today, due).to_string()),
                    item_type: None,
                    after: None,
                    offset: None,
                    offset_unit: None,
                    replanned_on: None,
                    evidence: String::new(),
                })
                .collect(),
        };
        let view = crate::create(app, &investment, &input, &meta).await?;
        write_past(app, view.id, p, today).await?;
    }
    qinqing_kernel::deadlines::run_due(app).await?;
    answer_one_demand(app).await
}

/// Writes the invented history of a project's items and lets the clocks follow.
async fn write_past(app: &App, id: i64, p: &Project, today: NaiveDate) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let rows = store::commitments(&mut tx, id).await?;
    for (row, &(.., due, past)) in rows.iter().zip(p.items) {
        let to = outcome(past, shift(today, due), today);
        if to != Outcome::Open {
            store::set_outcome(&mut tx, row.id, Outcome::Open, to, note(past)).await?;
        }
    }
    // A breach holds the incentives from the day after the breached item fell due.
    let breached = p
        .items
        .iter()
        .find(|&&(.., past)| matches!(past, Past::Breached));
    if let Some(&(.., due, _)) = breached {
        let since = shift(today, due) + chrono::Duration::days(1);
        store::set_incentives_held(&mut tx, id, Some(since)).await?;
    }
    let a = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("demo agreement missing")))?;
    crate::clocks::sync_clocks(&mut tx, app, &a, now).await?;
    let change = Change {
        action: "demo.commitment_history",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "project": p.name }),
    };
    audit::record(
        &mut tx,
        &Principal::system(),
        &RequestMeta::default(),
        change,
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// 效能办 answered the demand on 电力增容, so that demand is not escalated further and the
/// re-supervision view shows the others waiting.
async fn answer_one_demand(app: &App) -> AppResult<()> {
    let mut conn = app.db.conn().await?;
    let efficiency = demo_user(app, &mut conn, "efficiency").await?;
    let fired =
        clock_store::fired_of(&mut conn, "commitment", crate::CLOCK_KIND, &[Grade::Demand]).await?;
    drop(conn);
    if let Some((w, _)) = fired.iter().find(|(_, d)| d.label.ends_with("电力增容")) {
        let note = "已督办供电公司,承诺两周内完成增容";
        qinqing_kernel::deadlines::act(app, &efficiency, w.id, note, &RequestMeta::default())
            .await?;
    }
    Ok(())
}
