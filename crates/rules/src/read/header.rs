//! Reading the policy's top-level table: id, title, level, entity, mode, rounding, effective.

use super::Ctx;
use super::fields::{self, Fields};
use crate::model::{Condition, CrossRules, Level, Mode, Policy, Rounding};
use crate::schema::Entity;
use crate::tree::Node;
use chrono::NaiveDate;

const POLICY_KEYS: [&str; 17] = [
    "per_claim",
    "id",
    "title",
    "department",
    "level",
    "document_no",
    "topics",
    "entity",
    "mode",
    "effective",
    "rounding",
    "params",
    "conditions",
    "reward",
    "cross",
    "case",
    "description",
];

impl Ctx<'_> {
    pub(super) fn policy(&mut self, root: &Node) -> Option<Policy> {
        let mut f = Fields::of(root, "政策文件", &mut self.sink)?;
        let id = f.req_str("id", "政策", &mut self.sink);
        if let Some((id, line)) = &id
            && !is_policy_id(id)
        {
            self.sink.error(
                *line,
                format!("政策编号“{id}”只能包含小写字母、数字、- 和 _"),
                format!("policy id `{id}` may only use lower-case letters, digits, `-` and `_`"),
            );
        }
        let title = f.req_str("title", "政策", &mut self.sink);
        let department = f.req_str("department", "政策", &mut self.sink);
        let level = self.enumerated(
            &mut f,
            "level",
            Level::parse,
            "national、provincial、municipal、district",
        );
        let document_no = f.opt_str("document_no", &mut self.sink).map(|s| s.0);
        let topics = f
            .opt_str_list("topics", &mut self.sink)
            .map(|t| t.0)
            .unwrap_or_default();
        let _ = f.opt_str("description", &mut self.sink);
        self.entity = match f.take("entity") {
            None => Entity::Enterprise,
            Some(e) => {
                let text = fields::string(&e.value, "entity", &mut self.sink).unwrap_or_default();
                Entity::parse(&text).unwrap_or_else(|| {
                    self.sink.error(
                        e.line,
                        "entity 应为 enterprise(企业)或 person(个人)",
                        "`entity` must be `enterprise` or `person`",
                    );
                    Entity::Enterprise
                })
            }
        };
        let mode = self.enumerated(
            &mut f,
            "mode",
            Mode::parse,
            "apply、auto_grant、quick_apply",
        );
        let rounding = if f.has("rounding") {
            self.optional_enumerated(
                &mut f,
                "rounding",
                Rounding::parse,
                "half_up、half_even、down、up",
            )
        } else {
            Some(Rounding::default())
        };
        let effective = self.effective(&mut f);
        if let Some(p) = f.take("params") {
            self.read_params(&p.value);
        }
        let cross = match f.take("cross") {
            Some(c) => self.cross(&c.value),
            None => Some(CrossRules::default()),
        };
        let per_claim = self.per_claim(&mut f, mode, cross.as_ref());
        self.own_id = id.as_ref().map(|i| i.0.clone());
        self.own_group = cross.as_ref().and_then(|c| c.exclusive_group.clone());
        let condition = match f.take("conditions") {
            Some(c) => self.condition(&c.value),
            None => Some(Condition::All(Vec::new())),
        };
        let reward = match f.take("reward") {
            Some(r) => self.reward(&r.value),
            None => {
                self.sink.error(
                    root.line,
                    "政策缺少奖补标准 [reward]",
                    "the policy lacks a [reward] table",
                );
                None
            }
        };
        let cases = match f.take("case") {
            Some(c) => self.cases(&c.value),
            None => Vec::new(),
        };
        f.finish("政策文件", &POLICY_KEYS, &mut self.sink);
        let (effective_from, effective_to) = effective?;
        Some(Policy {
            id: id?.0,
            title: title?.0,
            department: department?.0,
            level: level?,
            document_no,
            topics,
            entity: self.entity,
            mode: mode?,
            effective_from,
            effective_to,
            rounding: rounding?,
            params: self.params.clone(),
            condition: condition?,
            reward: reward?,
            cross: cross?,
            per_claim,
            cases,
            file: self.sink.file.clone(),
        })
    }

    /// A required enumerated string field.
    /// `per_claim = "技改项目名称"`: claims keyed by what the applicant names. Not with an
    /// exclusive group (the claims of one policy would exclude each other) nor 免申即享 (the
    /// platform cannot name the claims).
    fn per_claim(
        &mut self,
        f: &mut Fields<'_>,
        mode: Option<Mode>,
        cross: Option<&CrossRules>,
    ) -> Option<String> {
        let (label, line) = f.opt_str("per_claim", &mut self.sink)?;
        let label = label.trim().to_string();
        let problem = if label.is_empty() {
            Some((
                "per_claim 应写明申报项目的名称,如“技改项目名称”",
                "`per_claim` names the key of a claim, e.g. “技改项目名称”",
            ))
        } else if cross.is_some_and(|c| c.exclusive_group.is_some()) {
            Some((
                "按项目申报(per_claim)的政策不能设 exclusive_group:同一政策的各个项目会互相排斥",
                "a `per_claim` policy cannot have an `exclusive_group`: its claims would exclude each other",
            ))
        } else if mode == Some(Mode::AutoGrant) {
            Some((
                "免申即享(auto_grant)的政策不能按项目申报(per_claim)",
                "an `auto_grant` policy cannot be `per_claim`",
            ))
        } else {
            None
        };
        if let Some((zh, en)) = problem {
            self.sink.error(line, zh, en);
            return None;
        }
        Some(label)
    }

    fn enumerated<T>(
        &mut self,
        f: &mut Fields<'_>,
        key: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Option<T> {
        if !f.has(key) {
            self.sink.error(
                f.line,
                format!("政策缺少必填字段“{key}”(可选:{allowed})"),
                format!("the policy lacks `{key}` ({allowed})"),
            );
            return None;
        }
        self.optional_enumerated(f, key, parse, allowed)
    }

    /// An optional enumerated string field; `None` when absent or invalid (invalid is reported).
    fn optional_enumerated<T>(
        &mut self,
        f: &mut Fields<'_>,
        key: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Option<T> {
        let e = f.take(key)?;
        let text = fields::string(&e.value, key, &mut self.sink)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.sink.error(
                e.line,
                format!("“{key}”的值“{text}”无效,应为 {allowed} 之一"),
                format!("invalid `{key}` `{text}`; expected one of {allowed}"),
            );
        }
        parsed
    }

    fn effective(&mut self, f: &mut Fields<'_>) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let Some(e) = f.take("effective") else {
            self.sink.error(
                f.line,
                "政策缺少有效期 effective = { from = …, to = … }",
                "the policy lacks `effective = { from = …, to = … }`",
            );
            return None;
        };
        let mut ef = Fields::of(&e.value, "有效期 effective", &mut self.sink)?;
        let from = ef.opt_date("from", &mut self.sink);
        let to = ef.opt_date("to", &mut self.sink);
        ef.finish("有效期 effective", &["from", "to"], &mut self.sink);
        let Some((from, _)) = from else {
            self.sink.error(
                e.line,
                "有效期缺少起始日期 from",
                "`effective` lacks `from`",
            );
            return None;
        };
        if let Some((to, line)) = to
            && to < from
        {
            self.sink.error(
                line,
                format!("有效期的截止日期 {to} 早于起始日期 {from}"),
                format!("effective period ends ({to}) before it starts ({from})"),
            );
        }
        Some((from, to.map(|t| t.0)))
    }
}

fn is_policy_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}
