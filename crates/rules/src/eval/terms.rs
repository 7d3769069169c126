//! A policy in words for people, before anyone's figures are known: who may get it (谁可以享受)
//! and how much (可享多少), for the public policy page. The sentences come from the same
//! wording as the explanations of an evaluation (`explain`, `reward`), stated as facts:
//! "2025年设备投资不低于 500 万元" where an explanation reads "…,需不低于 500 万元".

use super::{Env, RegionNames, explain, reward};
use crate::model::{Allocation, CostSharing, CrossRules, Policy};
use crate::schema::{Entity, Schema};
use crate::text;

/// What a policy gives and to whom, in plain Chinese sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// The policy year the sentences speak of: the years of the figures, the parameters in force.
    pub year: i32,
    /// 谁可以享受: one sentence per condition (alternatives in one sentence).
    pub who: Vec<String>,
    /// 可享多少: the amount rule, then how the policy shares with others.
    pub amount: Vec<String>,
}

/// The terms of `policy` for policy year `year`. With `region_names`, regions read by name (or
/// as 本区 when the names lack them); without, by code.
pub fn terms(
    policy: &Policy,
    schema: &Schema,
    year: i32,
    region_names: Option<&RegionNames>,
) -> Terms {
    let mut env = Env::new(schema, policy, year);
    env.region_names = region_names;
    let mut who = Vec::new();
    if policy.entity == Entity::Person {
        who.push("本政策面向个人".to_string());
    }
    who.extend(explain::statements(&policy.condition, &env));
    if who.is_empty() {
        who.push(format!("{}均可享受,无其他条件", policy.entity.label_zh()));
    }
    let mut amount = reward::terms(&policy.reward, &env);
    if let Some(label) = &policy.per_claim {
        amount.push(format!("可按{label}分项申报,每项分别计算"));
    }
    amount.extend(cross_terms(&policy.cross, policy.document_no.as_deref()));
    Terms { year, who, amount }
}

/// How the policy shares with other policies and other subjects, and who pays.
fn cross_terms(c: &CrossRules, document_no: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    if c.exclusive_group.is_some() {
        lines.push(
            if c.top_up {
                "与同一事项的其他政策不重复享受,就高补差"
            } else {
                "与同一事项的其他政策不重复享受,就高享受"
            }
            .to_string(),
        );
    }
    if let Some((_, cap)) = &c.annual_cap {
        lines.push(format!(
            "与同组扶持政策合计,每家每年不超过 {}",
            text::money_round(cap.fen())
        ));
    }
    if let Some(b) = &c.budget {
        let how = match b.allocation {
            Allocation::ProRata => "按比例分配",
            Allocation::InOrder => "按审批先后分配",
        };
        lines.push(format!(
            "资金总额 {},申领总额超出时{how}",
            text::money_round(b.total.fen())
        ));
    }
    if let Some(s) = &c.shares {
        lines.push(sharing_sentence(s, document_no));
    }
    lines
}

/// "由市级、区级财政按 1:1 分担(泉政文〔2023〕12号第八条)".
pub fn sharing_sentence(s: &CostSharing, document_no: Option<&str>) -> String {
    let source = s
        .source
        .as_ref()
        .map(|src| format!("({})", src.text(document_no)))
        .unwrap_or_default();
    format!("由{}财政按 {} 分担{source}", s.levels_zh(), s.ratio())
}
