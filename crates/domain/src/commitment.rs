//! Commitment items (承诺事项) of an investment agreement and their timeline.
//!
//! An agreement is split clause by clause into items for both sides. An item is due either on a
//! fixed date or some months or days after another item; the items form a dependency graph.
//! Planned dates follow the chain: a fulfilled upstream item fixes its dependants' dates from its
//! actual date; an upstream item that is late (its planned date passed, still open) holds its
//! dependants back from today, so nobody is counted late for waiting on the other side.
//! Everything here is a pure function of the items and today's date.

use crate::calendar::WorkingCalendar;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Days before its planned date an item counts as due soon (临期).
pub const DUE_SOON_DAYS: i64 = 30;

/// Longest offset accepted, so a typing mistake cannot push a chain into the next century.
const MAX_MONTHS: u32 = 120;
const MAX_DAYS: u32 = 3650;

/// Who promised: the government side (supervised by 效能办) or the enterprise (招商办).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Government,
    Enterprise,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Government => "government",
            Side::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Side::Government, Side::Enterprise]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Side::Government => "政府方",
            Side::Enterprise => "企业方",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetUnit {
    Months,
    CalendarDays,
    WorkingDays,
}

impl OffsetUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            OffsetUnit::Months => "months",
            OffsetUnit::CalendarDays => "calendar_days",
            OffsetUnit::WorkingDays => "working_days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            OffsetUnit::Months,
            OffsetUnit::CalendarDays,
            OffsetUnit::WorkingDays,
        ]
        .into_iter()
        .find(|u| u.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OffsetUnit::Months => "个月",
            OffsetUnit::CalendarDays => "日",
            OffsetUnit::WorkingDays => "个工作日",
        }
    }
}

/// "3 个月", "20 个工作日": how long after its upstream item an item is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offset {
    pub amount: u32,
    pub unit: OffsetUnit,
}

impl Offset {
    pub fn months(amount: u32) -> Self {
        Offset {
            amount,
            unit: OffsetUnit::Months,
        }
    }

    pub fn days(amount: u32) -> Self {
        Offset {
            amount,
            unit: OffsetUnit::CalendarDays,
        }
    }

    pub fn working_days(amount: u32) -> Self {
        Offset {
            amount,
            unit: OffsetUnit::WorkingDays,
        }
    }

    /// The date `self` after `from`. A month later than the 31st is the month's last day, as
    /// contracts read "三个月内". Saturates at the last representable date instead of failing.
    pub fn apply(self, from: NaiveDate, calendar: &WorkingCalendar) -> NaiveDate {
        match self.unit {
            OffsetUnit::Months => from
                .checked_add_months(Months::new(self.amount))
                .unwrap_or(NaiveDate::MAX),
            OffsetUnit::CalendarDays => from
                .checked_add_days(chrono::Days::new(u64::from(self.amount)))
                .unwrap_or(NaiveDate::MAX),
            OffsetUnit::WorkingDays => calendar.add_working_days(from, self.amount),
        }
    }

    fn is_plausible(self) -> bool {
        match self.unit {
            OffsetUnit::Months => self.amount <= MAX_MONTHS,
            OffsetUnit::CalendarDays | OffsetUnit::WorkingDays => self.amount <= MAX_DAYS,
        }
    }

    pub fn label_zh(self) -> String {
        format!("{}{}", self.amount, self.unit.label_zh())
    }
}

/// What an item is about: a node of the standard chain, an incentive the government pays (奖补兑现)
/// or anything else. The type names the item's clock kind, so warnings are configured per type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    Registration,
    LandDelivery,
    Design,
    ConstructionPermit,
    ConstructionStart,
    Completion,
    Production,
    FullProduction,
    Incentive,
    Other,
}

impl ItemType {
    pub const ALL: [ItemType; 10] = [
        ItemType::Registration,
        ItemType::LandDelivery,
        ItemType::Design,
        ItemType::ConstructionPermit,
        ItemType::ConstructionStart,
        ItemType::Completion,
        ItemType::Production,
        ItemType::FullProduction,
        ItemType::Incentive,
        ItemType::Other,
    ];

    /// The code; the standard template's node keys are the codes of their types.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Registration => "registration",
            ItemType::LandDelivery => "land_delivery",
            ItemType::Design => "design",
            ItemType::ConstructionPermit => "construction_permit",
            ItemType::ConstructionStart => "construction_start",
            ItemType::Completion => "completion",
            ItemType::Production => "production",
            ItemType::FullProduction => "full_production",
            ItemType::Incentive => "incentive",
            ItemType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ItemType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ItemType::Registration => "企业注册",
            ItemType::LandDelivery => "交地",
            ItemType::Design => "方案设计",
            ItemType::ConstructionPermit => "施工许可",
            ItemType::ConstructionStart => "开工",
            ItemType::Completion => "竣工验收",
            ItemType::Production => "投产",
            ItemType::FullProduction => "达产/税收",
            ItemType::Incentive => "奖补兑现",
            ItemType::Other => "其他",
        }
    }
}

/// When an item is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Due {
    /// On a fixed date written in the agreement.
    On { date: NaiveDate },
    /// Some time after another item of the same agreement is fulfilled.
    After { item: String, offset: Offset },
}

/// Where an item stands, apart from its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Open,
    /// The responsible side reported fulfilment on `on`; the other side has not confirmed yet.
    Reported {
        on: NaiveDate,
    },
    /// Fulfilment confirmed by the other side; `on` is the date it happened.
    Fulfilled {
        on: NaiveDate,
    },
    Waived,
    Breached,
}

impl Outcome {
    fn is_open(self) -> bool {
        matches!(self, Outcome::Open | Outcome::Reported { .. })
    }
}

/// A commitment item as the timeline needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    /// Unique within the agreement; other items refer to it.
    pub key: String,
    pub side: Side,
    pub item_type: ItemType,
    pub due: Due,
    /// A date agreed later that replaces the computed one when it is later (改期). It can never
    /// bring an item before its upstream item plus the offset.
    pub replanned: Option<NaiveDate>,
    pub outcome: Outcome,
}

/// The states of an item on a given day (planned → due soon → due → overdue → closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Planned,
    DueSoon,
    Due,
    Overdue,
    /// Reported by the responsible side, waiting for the other side's confirmation.
    Reported,
    FulfilledOnTime,
    FulfilledLate,
    Waived,
    Breached,
    /// A government incentive item (奖补兑现) held while an enterprise item of the agreement
    /// stands breached: it cannot be reported and its clock does not run.
    Suspended,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Planned,
        Status::DueSoon,
        Status::Due,
        Status::Overdue,
        Status::Reported,
        Status::FulfilledOnTime,
        Status::FulfilledLate,
        Status::Waived,
        Status::Breached,
        Status::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::DueSoon => "due_soon",
            Status::Due => "due",
            Status::Overdue => "overdue",
            Status::Reported => "reported",
            Status::FulfilledOnTime => "fulfilled_on_time",
            Status::FulfilledLate => "fulfilled_late",
            Status::Waived => "waived",
            Status::Breached => "breached",
            Status::Suspended => "suspended",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Planned => "计划中",
            Status::DueSoon => "临期",
            Status::Due => "今日到期",
            Status::Overdue => "已逾期",
            Status::Reported => "待确认",
            Status::FulfilledOnTime => "按期履约",
            Status::FulfilledLate => "逾期履约",
            Status::Waived => "已豁免",
            Status::Breached => "已违约",
            Status::Suspended => "暂停兑现",
        }
    }
}

/// The state of an item with planned date `planned` on `today`.
pub fn status(outcome: Outcome, planned: NaiveDate, today: NaiveDate) -> Status {
    match outcome {
        Outcome::Fulfilled { on } if on <= planned => Status::FulfilledOnTime,
        Outcome::Fulfilled { .. } => Status::FulfilledLate,
        Outcome::Waived => Status::Waived,
        Outcome::Breached => Status::Breached,
        Outcome::Reported { .. } => Status::Reported,
        Outcome::Open => {
            let left = (planned - today).num_days();
            match left {
                ..0 => Status::Overdue,
                0 => Status::Due,
                1..=DUE_SOON_DAYS => Status::DueSoon,
                _ => Status::Planned,
            }
        }
    }
}

/// Why a set of items cannot form a timeline; each names the item at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("事项编号“{0}”为空或重复")]
    DuplicateKey(String),
    #[error("事项“{item}”引用的前置事项“{reference}”不存在")]
    UnknownReference { item: String, reference: String },
    #[error("事项“{item}”的前置关系构成循环:{}", path.join(" → "))]
    Cycle { item: String, path: Vec<String> },
    #[error("事项“{0}”的期限过长(最多 120 个月或 3650 日)")]
    OffsetTooLong(String),
}

impl TimelineError {
    /// The key of the item at fault, for error responses that name a field.
    pub fn item(&self) -> &str {
        match self {
            TimelineError::DuplicateKey(item)
            | TimelineError::OffsetTooLong(item)
            | TimelineError::UnknownReference { item, .. }
            | TimelineError::Cycle { item, .. } => item,
        }
    }
}

/// A validated set of items: keys unique, every reference known, no cycle.
#[derive(Debug, Clone)]
pub struct Timeline {
    items: Vec<Commitment>,
    /// Indexes into `items`, every upstream item before its dependants.
    order: Vec<usize>,
}

/// An item's place on the timeline on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scheduled {
    pub key: String,
    pub planned: NaiveDate,
    pub status: Status,
}

impl Timeline {
    pub fn new(items: Vec<Commitment>) -> Result<Self, TimelineError> {
        let mut index = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if item.key.trim().is_empty() || index.insert(item.key.as_str(), i).is_some() {
                return Err(TimelineError::DuplicateKey(item.key.clone()));
            }
            if let Due::After { item: up, offset } = &item.due {
                if !index.contains_key(up.as_str()) && !items.iter().any(|x| &x.key == up) {
                    return Err(TimelineError::UnknownReference {
                        item: item.key.clone(),
                        reference: up.clone(),
                    });
                }
                if !offset.is_plausible() {
                    return Err(TimelineError::OffsetTooLong(item.key.clone()));
                }
            }
        }
        let order = topological_order(&items, &index)?;
        Ok(Timeline { items, order })
    }

    pub fn items(&self) -> &[Commitment] {
        &self.items
    }

    /// Every item's planned date and state on `today`, in the order the items were given.
    pub fn schedule(&self, today: NaiveDate, calendar: &WorkingCalendar) -> Vec<Scheduled> {
        let mut planned: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        let mut anchors: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        for &i in &self.order {
            let item = &self.items[i];
            let base = match &item.due {
                Due::On { date } => *date,
                // The upstream anchor exists: `order` puts upstream items first.
                Due::After { item: up, offset } => {
                    offset.apply(anchors.get(up.as_str()).copied().unwrap_or(today), calendar)
                }
            };
            let date = item.replanned.map_or(base, |r| r.max(base));
            planned.insert(&item.key, date);
            anchors.insert(&item.key, anchor(item.outcome, date, today));
        }
        let suspended = self.incentives_suspended();
        self.items
            .iter()
            .map(|item| {
                let date = planned.get(item.key.as_str()).copied().unwrap_or(today);
                let status = if suspended && is_payout_pending(item) {
                    Status::Suspended
                } else {
                    status(item.outcome, date, today)
                };
                Scheduled {
                    key: item.key.clone(),
                    planned: date,
                    status,
                }
            })
            .collect()
    }

    /// Whether payouts under the agreement's incentive clauses are suspended: an enterprise item
    /// stands breached (a breach waived by a lead is no longer `Breached`, which lifts it).
    pub fn incentives_suspended(&self) -> bool {
        self.items
            .iter()
            .any(|i| i.side == Side::Enterprise && i.outcome == Outcome::Breached)
    }
}

/// A government incentive item not yet paid out: the kind a breach suspends.
fn is_payout_pending(item: &Commitment) -> bool {
    item.side == Side::Government && item.item_type == ItemType::Incentive && item.outcome.is_open()
}

/// The date an item's dependants count from: the day it was fulfilled; for an open item its
/// planned date, or today once that has passed (the dependants cannot start before it happens).
/// A waived or breached item no longer moves, so its dependants count from its planned date.
fn anchor(outcome: Outcome, planned: NaiveDate, today: NaiveDate) -> NaiveDate {
    match outcome {
        Outcome::Fulfilled { on } => on,
        o if o.is_open() => planned.max(today),
        _ => planned,
    }
}

/// Orders items so that each comes after the item it depends on, or names an item on a cycle.
fn topological_order(
    items: &[Commitment],
    index: &BTreeMap<&str, usize>,
) -> Result<Vec<usize>, TimelineError> {
    let upstream = |i: usize| match &items[i].due {
        Due::After { item, .. } => index.get(item.as_str()).copied(),
        Due::On { .. } => None,
    };
    let mut done = BTreeSet::new();
    let mut order = Vec::with_capacity(items.len());
    for start in 0..items.len() {
        // Each item has at most one upstream item, so the graph is a forest of chains: walk up
        // until a placed item or a root, and a revisit on the walk is a cycle.
        let mut path = Vec::new();
        let mut current = Some(start);
        while let Some(i) = current {
            if done.contains(&i) {
                break;
            }
            if path.contains(&i) {
                let from = path.iter().position(|p| *p == i).unwrap_or(0);
                let mut names: Vec<String> =
                    path[from..].iter().map(|p| items[*p].key.clone()).collect();
                names.push(items[i].key.clone());
                return Err(TimelineError::Cycle {
                    item: items[i].key.clone(),
                    path: names,
                });
            }
            path.push(i);
            current = upstream(i);
        }
        for i in path.into_iter().rev() {
            done.insert(i);
            order.push(i);
        }
    }
    Ok(order)
}

/// A node of the standard chain of an investment agreement (标准节点模板).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TemplateNode {
    pub key: &'static str,
    pub title: &'static str,
    pub side: Side,
    /// The item it follows; `None` counts from the signing date.
    pub after: Option<&'static str>,
    pub offset: Offset,
    pub evidence: &'static str,
}

/// The usual chain from signing to full production. Offsets are the common contract terms in
/// the seeds; staff adjust them per agreement.
pub const STANDARD_TEMPLATE: [TemplateNode; 8] = [
    TemplateNode {
        key: "registration",
        title: "企业注册登记",
        side: Side::Enterprise,
        after: None,
        offset: Offset {
            amount: 1,
            unit: OffsetUnit::Months,
        },
        evidence: "营业执照",
    },
    TemplateNode {
        key: "land_delivery",
        title: "土地出让及交地",
        side: Side::Government,
        after: None,
        offset: Offset {
            amount: 3,
            unit: OffsetUnit::Months,
        },
        evidence: "土地出让合同、交地确认书",
    },
    TemplateNode {
        key: "design",
        title: "方案设计",
        side: Side::Enterprise,
        after: Some("land_delivery"),
        offset: Offset {
            amount: 2,
            unit: OffsetUnit::Months,
        },
        evidence: "规划设计方案批复",
    },
    TemplateNode {
        key: "construction_permit",
        title: "施工许可",
        side: Side::Government,
        after: Some("design"),
        offset: Offset {
            amount: 20,
            unit: OffsetUnit::WorkingDays,
        },
        evidence: "建筑工程施工许可证",
    },
    TemplateNode {
        key: "construction_start",
        title: "开工建设",
        side: Side::Enterprise,
        after: Some("construction_permit"),
        offset: Offset {
            amount: 1,
            unit: OffsetUnit::Months,
        },
        evidence: "开工报告及现场照片",
    },
    TemplateNode {
        key: "completion",
        title: "竣工验收",
        side: Side::Enterprise,
        after: Some("construction_start"),
        offset: Offset {
            amount: 24,
            unit: OffsetUnit::Months,
        },
        evidence: "竣工验收备案表",
    },
    TemplateNode {
        key: "production",
        title: "投产",
        side: Side::Enterprise,
        after: Some("completion"),
        offset: Offset {
            amount: 3,
            unit: OffsetUnit::Months,
        },
        evidence: "投产证明、首笔销售发票",
    },
    TemplateNode {
        key: "full_production",
        title: "达产及税收",
        side: Side::Enterprise,
        after: Some("production"),
        offset: Offset {
            amount: 12,
            unit: OffsetUnit::Months,
        },
        evidence: "完税证明、产值统计报表",
    },
];

impl TemplateNode {
    /// The node's type: its key is the type's code.
    pub fn item_type(&self) -> ItemType {
        ItemType::parse(self.key).unwrap_or(ItemType::Other)
    }

    /// The item's due rule for an agreement signed on `signed_on`.
    pub fn due(&self, signed_on: NaiveDate, calendar: &WorkingCalendar) -> Due {
        match self.after {
            Some(up) => Due::After {
                item: up.to_string(),
                offset: self.offset,
            },
            None => Due::On {
                date: self.offset.apply(signed_on, calendar),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::official()
    }

    fn item(key: &str, due: Due) -> Commitment {
        Commitment {
            key: key.into(),
            side: Side::Enterprise,
            item_type: ItemType::Other,
            due,
            replanned: None,
            outcome: Outcome::Open,
        }
    }

    fn after(up: &str, offset: Offset) -> Due {
        Due::After {
            item: up.into(),
            offset,
        }
    }

    fn on(s: &str) -> Due {
        Due::On { date: d(s) }
    }

    fn planned(t: &Timeline, today: &str) -> BTreeMap<String, NaiveDate> {
        t.schedule(d(today), &cal())
            .into_iter()
            .map(|s| (s.key, s.planned))
            .collect()
    }

    fn standard(signed: &str) -> Vec<Commitment> {
        STANDARD_TEMPLATE
            .iter()
            .map(|n| Commitment {
                key: n.key.into(),
                side: n.side,
                item_type: n.item_type(),
                due: n.due(d(signed), &cal()),
                replanned: None,
                outcome: Outcome::Open,
            })
            .collect()
    }

    #[test]
    fn the_standard_chain_is_a_valid_timeline_with_both_sides() {
        let t = Timeline::new(standard("2026-01-15")).unwrap();
        let p = planned(&t, "2026-01-15");
        assert_eq!(p["registration"], d("2026-02-15"));
        assert_eq!(p["land_delivery"], d("2026-04-15"));
        assert_eq!(p["design"], d("2026-06-15"));
        // 20 working days from Monday 15 June 2026 skip 端午 (19 June).
        assert_eq!(p["construction_permit"], d("2026-07-14"));
        assert_eq!(p["construction_start"], d("2026-08-14"));
        assert_eq!(p["completion"], d("2028-08-14"));
        assert!(STANDARD_TEMPLATE.iter().any(|n| n.side == Side::Government));
    }

    #[test]
    fn month_offsets_end_on_the_last_day_of_a_short_month() {
        assert_eq!(
            Offset::months(1).apply(d("2026-01-31"), &cal()),
            d("2026-02-28")
        );
        assert_eq!(
            Offset::days(3).apply(d("2026-01-31"), &cal()),
            d("2026-02-03")
        );
    }

    #[test]
    fn an_early_fulfilment_fixes_the_dependants_from_its_actual_date() {
        let mut items = vec![
            item("land", on("2026-06-30")),
            item("start", after("land", Offset::months(3))),
        ];
        items[0].outcome = Outcome::Fulfilled {
            on: d("2026-05-10"),
        };
        let t = Timeline::new(items).unwrap();
        assert_eq!(planned(&t, "2026-12-01")["start"], d("2026-08-10"));
        let s = t.schedule(d("2026-05-11"), &cal());
        assert_eq!(s[0].status, Status::FulfilledOnTime);
    }

    #[test]
    fn a_slipping_upstream_item_moves_its_dependants_day_by_day() {
        let t = Timeline::new(vec![
            item("land", on("2026-06-30")),
            item("start", after("land", Offset::months(3))),
            item("done", after("start", Offset::months(24))),
        ])
        .unwrap();
        let before = planned(&t, "2026-06-01");
        assert_eq!(before["start"], d("2026-09-30"));
        let after_slip = planned(&t, "2026-07-20");
        assert_eq!(after_slip["land"], d("2026-06-30"), "its own date stays");
        assert_eq!(after_slip["start"], d("2026-10-20"));
        assert_eq!(after_slip["done"], d("2028-10-20"));
        let s = t.schedule(d("2026-07-20"), &cal());
        assert_eq!(s[0].status, Status::Overdue);
        assert_eq!(s[1].status, Status::Planned);
    }

    #[test]
    fn a_replanned_item_moves_its_dependants_but_never_before_its_upstream() {
        let mut items = vec![
            item("land", on("2026-06-30")),
            item("start", after("land", Offset::months(3))),
        ];
        items[0].replanned = Some(d("2026-08-31"));
        items[1].replanned = Some(d("2026-01-01"));
        let p = planned(&Timeline::new(items).unwrap(), "2026-06-01");
        assert_eq!(p["land"], d("2026-08-31"));
        assert_eq!(p["start"], d("2026-11-30"));
    }

    #[test]
    fn states_follow_the_calendar() {
        let p = d("2026-06-30");
        let st = |today: &str| status(Outcome::Open, p, d(today));
        assert_eq!(st("2026-05-01"), Status::Planned);
        assert_eq!(st("2026-06-01"), Status::DueSoon);
        assert_eq!(st("2026-06-30"), Status::Due);
        assert_eq!(st("2026-07-01"), Status::Overdue);
        let late = Outcome::Fulfilled {
            on: d("2026-07-02"),
        };
        assert_eq!(status(late, p, d("2026-08-01")), Status::FulfilledLate);
        let reported = Outcome::Reported {
            on: d("2026-06-01"),
        };
        assert_eq!(status(reported, p, d("2026-08-01")), Status::Reported);
        assert_eq!(status(Outcome::Waived, p, d("2026-08-01")), Status::Waived);
        assert_eq!(
            status(Outcome::Breached, p, d("2026-08-01")),
            Status::Breached
        );
    }

    #[test]
    fn a_breached_item_no_longer_holds_its_dependants_back() {
        let mut items = vec![
            item("land", on("2026-06-30")),
            item("start", after("land", Offset::days(10))),
        ];
        items[0].outcome = Outcome::Breached;
        let p = planned(&Timeline::new(items).unwrap(), "2027-01-01");
        assert_eq!(p["start"], d("2026-07-10"));
    }

    #[test]
    fn bad_graphs_name_the_item_at_fault() {
        let unknown = Timeline::new(vec![item("a", after("zz", Offset::days(1)))]);
        assert_eq!(
            unknown.unwrap_err(),
            TimelineError::UnknownReference {
                item: "a".into(),
                reference: "zz".into()
            }
        );
        let dup = Timeline::new(vec![
            item("a", on("2026-01-01")),
            item("a", on("2026-01-02")),
        ]);
        assert_eq!(dup.unwrap_err(), TimelineError::DuplicateKey("a".into()));
        let cycle = Timeline::new(vec![
            item("root", on("2026-01-01")),
            item("a", after("c", Offset::days(1))),
            item("b", after("a", Offset::days(1))),
            item("c", after("b", Offset::days(1))),
        ])
        .unwrap_err();
        assert!(
            matches!(&cycle, TimelineError::Cycle { item, path } if item == "a" && path.len() == 4)
        );
        assert!(cycle.to_string().contains("a → c → b → a"), "{cycle}");
        let own = Timeline::new(vec![item("a", after("a", Offset::days(1)))]).unwrap_err();
        assert_eq!(own.item(), "a");
        let long = Timeline::new(vec![
            item("a", on("2026-01-01")),
            item("b", after("a", Offset::months(121))),
        ]);
        assert_eq!(long.unwrap_err(), TimelineError::OffsetTooLong("b".into()));
    }

    #[test]
    fn every_template_node_has_its_own_type() {
        for n in &STANDARD_TEMPLATE {
            assert_ne!(n.item_type(), ItemType::Other, "{}", n.key);
        }
    }

    #[test]
    fn a_standing_enterprise_breach_suspends_open_incentives_only() {
        let mut items = vec![
            item("start", on("2026-03-01")),
            item("subsidy", on("2026-06-30")),
            item("paid", on("2026-02-01")),
            item("land", on("2026-06-30")),
        ];
        for g in &mut items[1..] {
            g.side = Side::Government;
        }
        items[1].item_type = ItemType::Incentive;
        items[2].item_type = ItemType::Incentive;
        items[2].outcome = Outcome::Fulfilled {
            on: d("2026-02-01"),
        };
        let states = |items: &[Commitment]| -> Vec<Status> {
            Timeline::new(items.to_vec())
                .unwrap()
                .schedule(d("2026-04-01"), &cal())
                .into_iter()
                .map(|s| s.status)
                .collect()
        };
        assert_eq!(states(&items)[1], Status::Planned);
        items[0].outcome = Outcome::Breached;
        let s = states(&items);
        assert_eq!(s[1], Status::Suspended);
        assert_eq!(s[2], Status::FulfilledOnTime, "what was paid stays paid");
        assert_eq!(s[3], Status::Planned, "not an incentive");
        items[0].outcome = Outcome::Waived;
        assert_ne!(
            states(&items)[1],
            Status::Suspended,
            "a waived breach lifts it"
        );
    }

    #[test]
    fn codes_round_trip() {
        for t in ItemType::ALL {
            assert_eq!(ItemType::parse(t.as_str()), Some(t));
        }
        for s in [Side::Government, Side::Enterprise] {
            assert_eq!(Side::parse(s.as_str()), Some(s));
        }
        for u in [
            OffsetUnit::Months,
            OffsetUnit::CalendarDays,
            OffsetUnit::WorkingDays,
        ] {
            assert_eq!(OffsetUnit::parse(u.as_str()), Some(u));
        }
    }

    /// A random forest: item i depends on some earlier item or on a fixed date, with a random
    /// offset, outcome and re-planned date.
    fn forest() -> impl Strategy<Value = Vec<Commitment>> {
        let node = (
            proptest::option::of(any::<prop::sample::Index>()),
            0u32..40,
            0u8..3,
            0i64..400,
            proptest::option::of(0i64..800),
            0u8..5,
            0i64..800,
        );
        proptest::collection::vec(node, 1..12).prop_map(|nodes| {
            let base = d("2026-01-01");
            nodes
                .into_iter()
                .enumerate()
                .map(|(i, (up, amount, unit, fixed, replan, outcome, done))| {
                    let unit = [
                        OffsetUnit::Months,
                        OffsetUnit::CalendarDays,
                        OffsetUnit::WorkingDays,
                    ][usize::from(unit)];
                    let due = match up {
                        Some(ix) if i > 0 => {
                            after(&format!("n{}", ix.index(i)), Offset { amount, unit })
                        }
                        _ => Due::On {
                            date: base + chrono::Duration::days(fixed),
                        },
                    };
                    let on = base + chrono::Duration::days(done);
                    Commitment {
                        key: format!("n{i}"),
                        side: Side::Enterprise,
                        item_type: ItemType::Other,
                        due,
                        replanned: replan.map(|r| base + chrono::Duration::days(r)),
                        outcome: [
                            Outcome::Open,
                            Outcome::Reported { on },
                            Outcome::Fulfilled { on },
                            Outcome::Waived,
                            Outcome::Breached,
                        ][usize::from(outcome)],
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn every_dependant_stays_after_its_upstream_plus_offset(
            items in forest(),
            today in 0i64..1500,
        ) {
            let today = d("2026-01-01") + chrono::Duration::days(today);
            let calendar = cal();
            let t = Timeline::new(items.clone()).unwrap();
            let s: BTreeMap<_, _> = t.schedule(today, &calendar).into_iter().map(|s| (s.key.clone(), s)).collect();
            for item in &items {
                if let Due::After { item: up, offset } = &item.due {
                    let upstream = items.iter().find(|x| &x.key == up).unwrap();
                    let from = anchor(upstream.outcome, s[up].planned, today);
                    let earliest = offset.apply(from, &calendar);
                    prop_assert!(s[&item.key].planned >= earliest);
                    if item.replanned.is_none() {
                        // Not merely bounded: recomputed exactly from the upstream anchor.
                        prop_assert_eq!(s[&item.key].planned, earliest);
                    }
                    if upstream.outcome.is_open() {
                        // A still-open upstream item holds every dependant back to today at least.
                        prop_assert!(s[&item.key].planned >= today);
                    }
                }
                if let Some(r) = item.replanned {
                    prop_assert!(s[&item.key].planned >= r);
                }
            }
        }
    }
}
