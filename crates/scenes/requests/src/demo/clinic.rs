//! The demo's past 会诊日: last month's session with two or three of the demo requests still in
//! hand on its agenda, the departments present, minutes and two decisions — one reported done,
//! one still running on its clock. Played through the use cases, so each step is authorised
//! and audited; the requests are whichever of 工业和信息化局's are in hand (demo/requests.rs
//! decides which exist).

use crate::clinic::{
    self, AgendaInput, DecisionInput, DoneInput, RecordInput, add_to_session, previous_session,
};
use crate::handling;
use chrono::Duration;
use qinqing_domain::deadline::local_date;
use qinqing_kernel::demo::department;
use qinqing_kernel::demo::principal;
use qinqing_kernel::listing::{Queue, Tab};
use qinqing_kernel::{App, AppResult, RequestMeta};

const REASONS: [&str; 3] = [
    "涉及多个部门职责,需当面协调",
    "企业多次反映,需会商解决方案",
    "部门意见不一,需统一口径",
];

pub async fn load(app: &App) -> AppResult<()> {
    let (Some(handler), Some(efficiency)) = (
        principal(app, "handler").await?,
        principal(app, "efficiency").await?,
    ) else {
        return Ok(());
    };
    let meta = RequestMeta::default();
    let mine = Queue {
        tabbed: true,
        tab: Tab::Mine,
        search: None,
        page: 1,
        per_page: REASONS.len() as i64,
    };
    let in_hand = handling::queue(app, &handler, None, &mine).await?.items;
    if in_hand.is_empty() {
        return Ok(());
    }
    let today = local_date(app.now());
    let mut conn = app.db.conn().await?;
    let day = clinic::day_of_month(&mut conn).await?;
    drop(conn);
    let held_on = previous_session(&app.calendar(), today, day);
    let mut items = Vec::new();
    for (r, reason) in in_hand.iter().zip(REASONS) {
        let input = AgendaInput {
            reason: reason.into(),
        };
        let item = add_to_session(app, &handler, &r.receipt_no, &input, held_on, &meta).await?;
        items.push(item);
    }
    let session = items[0].clinic_day_id;
    let present = ["工业和信息化局", "自然资源局", "住房和城乡建设局", "效能办"];
    let mut org_ids = Vec::new();
    for name in present {
        org_ids.push(department(app, name).await?);
    }
    let record = RecordInput {
        org_ids,
        attendees: Some("林经办、自然资源局王科长、住建局李工、效能办张主任".into()),
        minutes: "逐件听取受理部门汇报,参会部门当面提出意见,明确每件诉求的牵头部门、配合部门和完成期限,由受理部门统一答复企业。".into(),
    };
    clinic::record(app, &efficiency, session, &record, &meta).await?;
    let decisions = [
        (
            &items[0],
            "工业和信息化局",
            "牵头协调,上门向企业说明办理方案",
            10,
        ),
        (
            items.last().unwrap_or(&items[0]),
            "自然资源局",
            "出具书面意见并抄送受理部门",
            20,
        ),
    ];
    let mut taken = Vec::new();
    for (item, org, content, days) in decisions {
        let input = DecisionInput {
            agenda_item_id: item.id,
            content: content.into(),
            org_id: department(app, org).await?,
            due_on: (today + Duration::days(days))
                .format("%Y-%m-%d")
                .to_string(),
        };
        let shown = clinic::decide(app, &efficiency, session, &input, &meta).await?;
        taken.push(shown);
    }
    let first = taken
        .first()
        .and_then(|d| d.agenda.iter().flat_map(|i| &i.decisions).next())
        .map(|d| d.id);
    if let Some(id) = first {
        let done = DoneInput {
            report: "已上门说明办理方案,企业表示认可".into(),
        };
        clinic::report_done(app, &handler, id, &done, &meta).await?;
    }
    Ok(())
}
