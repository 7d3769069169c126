//! The form-based builder of the policy editor: its fields as posted, the choice between them
//! and the definition file (高级), its small edits (add or remove a row), and what the
//! template shows. Conversion is the rules crate's (`qinqing_rules::builder`); nothing here
//! saves: the editor saves the definition through the library as before.

use crate::builder::AttributeChoice;
pub use crate::builder::form::Form;
use crate::builder::form::{
    self as builder, Bracket, Combine, CrossForm, Level, Meta, Op, RewardForm, RewardType, Row,
    SharesForm, Tier,
};
use qinqing_rules::schema::AttrType;
use std::collections::HashMap;

type Values = HashMap<String, String>;

/// What the editor holds: the definition, and its form when the builder can show it.
pub struct Editor {
    pub definition: String,
    /// The form, or why the builder cannot show the definition.
    pub form: Result<Form, String>,
    pub notice: Option<String>,
}

/// Browsers post a textarea with CRLF line ends; hidden fields keep LF.
fn text_of(values: &Values, key: &str) -> String {
    values
        .get(key)
        .map_or("", String::as_str)
        .replace("\r\n", "\n")
}

impl Editor {
    pub fn of(definition: String) -> Editor {
        let form = builder::read(&definition).map_err(|e| e.to_string());
        Editor {
            definition,
            form,
            notice: None,
        }
    }

    /// The posted editor. The builder's fields make the definition unless the definition file
    /// itself was edited (it differs from the one the page showed): then the file wins, as
    /// typed, and the form is read from it. A form left as it was read keeps the file as is.
    pub fn posted(values: &Values) -> Editor {
        let definition = text_of(values, "definition");
        if !values.contains_key("builder") {
            return Editor::of(definition);
        }
        if definition != text_of(values, "definition_shown") {
            let mut editor = Editor::of(definition);
            editor.notice = Some("已按您在定义文件中的修改更新表单".into());
            return editor;
        }
        let form = form_of(values);
        let definition = match builder::read(&definition) {
            Ok(read) if read == form => definition,
            _ => builder::write(&form, &definition),
        };
        Editor {
            definition,
            form: Ok(form),
            notice: None,
        }
    }

    /// What is wrong in the form's fields, by their labels; none without a form.
    pub fn problems(&self) -> Vec<String> {
        self.form
            .as_ref()
            .map(builder::problems)
            .unwrap_or_default()
    }

    /// Applies an edit of the form's shape ("add_row", "remove_row:2", …) and rewrites the
    /// definition; false when `intent` is not one.
    pub fn reshape(&mut self, intent: &str) -> bool {
        let Ok(form) = &mut self.form else {
            return false;
        };
        let index = |i: Option<&str>| i.and_then(|i| i.parse::<usize>().ok());
        let mut parts = intent.split(':');
        let action = parts.next().unwrap_or_default();
        let (a, b) = (index(parts.next()), index(parts.next()));
        match (action, a, b) {
            ("add_row", None, _) => form.conditions.push(Row::default()),
            ("add_group", None, _) => {
                form.groups.push(Combine::All);
                form.conditions.push(Row {
                    group: form.groups.len(),
                    ..Row::default()
                });
            }
            ("remove_row", Some(i), _) if i < form.conditions.len() => {
                form.conditions.remove(i);
            }
            ("add_tier", None, _) => {
                form.reward.kind = RewardType::Highest;
                form.reward.tiers.push(Tier {
                    conditions: vec![Row::default()],
                    ..Tier::default()
                });
            }
            ("add_bracket", None, _) => {
                if form.reward.kind.bracket_key().is_none() {
                    form.reward.kind = RewardType::Bracket;
                }
                form.reward.brackets.push(Bracket::default());
            }
            ("remove_bracket", Some(i), _) if i < form.reward.brackets.len() => {
                form.reward.brackets.remove(i);
            }
            ("remove_tier", Some(k), _) if k < form.reward.tiers.len() => {
                form.reward.tiers.remove(k);
            }
            ("add_tier_row", Some(k), _) if k < form.reward.tiers.len() => {
                form.reward.tiers[k].conditions.push(Row::default());
            }
            ("remove_tier_row", Some(k), Some(j))
                if form
                    .reward
                    .tiers
                    .get(k)
                    .is_some_and(|t| j < t.conditions.len()) =>
            {
                form.reward.tiers[k].conditions.remove(j);
            }
            _ => return false,
        }
        self.definition = builder::write(form, &self.definition);
        true
    }
}

/// The definition a new policy starts from: a district policy applied for, in force from
/// 1 January of `year`, with no conditions yet.
pub fn starter(year: i32) -> String {
    let form = Form {
        meta: Meta {
            level: "district".into(),
            mode: "apply".into(),
            effective_from: format!("{year}-01-01"),
            ..Meta::default()
        },
        ..Form::default()
    };
    builder::write(&form, "")
}

/// The builder's fields of a posted editor.
fn form_of(v: &Values) -> Form {
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let meta = Meta {
        id: get("b.id"),
        title: get("b.title"),
        department: get("b.department"),
        level: get("b.level"),
        mode: get("b.mode"),
        entity: get("b.entity"),
        document_no: get("b.document_no"),
        topics: get("b.topics"),
        effective_from: get("b.effective_from"),
        effective_to: get("b.effective_to"),
        per_claim: get("b.per_claim"),
    };
    let combine = |k: &str| Combine::parse(&get(k)).unwrap_or_default();
    let groups = (1..)
        .map(|n| format!("g{n}.combine"))
        .take_while(|k| v.contains_key(k))
        .map(|k| combine(&k))
        .collect();
    let tiers = (0..)
        .map(|k| format!("t{k}"))
        .take_while(|p| v.contains_key(&format!("{p}.amount")))
        .map(|p| Tier {
            label: get(&format!("{p}.label")),
            amount: get(&format!("{p}.amount")),
            conditions: rows_of(v, &format!("{p}c")),
        })
        .collect();
    let brackets = (0..)
        .map(|i| format!("k{i}."))
        .take_while(|p| v.contains_key(&format!("{p}value")))
        .map(|p| Bracket {
            from: get(&format!("{p}from")),
            to: get(&format!("{p}to")),
            value: get(&format!("{p}value")),
        })
        .collect();
    Form {
        meta,
        combine: combine("b.combine"),
        groups,
        conditions: rows_of(v, "c"),
        reward: RewardForm {
            kind: RewardType::parse(&get("r.kind")).unwrap_or_default(),
            amount: get("r.amount"),
            rate: get("r.rate"),
            base: get("r.base"),
            year_before: get("r.period") == "year_before",
            quantity: get("r.quantity"),
            months: get("r.months"),
            max_months: get("r.max_months"),
            floor: get("r.floor"),
            cap: get("r.cap"),
            label: get("r.label"),
            tiers,
            brackets,
        },
        cross: CrossForm {
            exclusive_group: get("x.exclusive_group"),
            top_up: get("x.top_up") == "true",
            annual_cap_group: get("x.annual_cap_group"),
            annual_cap: get("x.annual_cap"),
            shares: shares_of(v),
        },
    }
}

/// 分级承担 as posted: `x.shares.provincial` etc.
fn shares_of(v: &Values) -> SharesForm {
    let get = |k: &str| v.get(&format!("x.shares.{k}")).cloned().unwrap_or_default();
    let mut shares = SharesForm {
        source: get("source"),
        source_document_no: get("source_document_no"),
        ..SharesForm::default()
    };
    for level in Level::ALL {
        *shares.part_mut(level) = get(level.as_str());
    }
    shares
}

/// The rows `{prefix}0.…`, `{prefix}1.…` while they exist.
fn rows_of(v: &Values, prefix: &str) -> Vec<Row> {
    (0..)
        .map(|i| format!("{prefix}{i}."))
        .take_while(|p| v.contains_key(&format!("{p}attr")))
        .map(|p| {
            let get = |k: &str| v.get(&format!("{p}{k}")).cloned().unwrap_or_default();
            Row {
                group: get("group").parse().unwrap_or(0),
                attr: get("attr"),
                op: Op::parse(&get("op")).unwrap_or_default(),
                value: get("value"),
                year_before: get("period") == "year_before",
                denominator: get("denominator"),
                label: get("label"),
                consecutive_years: get("consecutive_years"),
                recognised_from: get("recognised_from"),
                recognised_to: get("recognised_to"),
            }
        })
        .collect()
}

/// One option of a select; `kinds` lists the operator kinds an attribute takes (for the
/// script that offers only the operators that fit).
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
    pub kinds: String,
}

/// The options, with `current` selected; a current value not among them is kept as an extra
/// option, so posting the page back never changes what the definition says.
fn choices<'a>(
    current: &str,
    options: impl IntoIterator<Item = (&'a str, String, String)>,
) -> Vec<SelectOption> {
    let mut out: Vec<SelectOption> = options
        .into_iter()
        .map(|(value, label, kinds)| SelectOption {
            selected: value == current,
            value: value.to_string(),
            label,
            kinds,
        })
        .collect();
    if !out.iter().any(|c| c.selected) {
        out.push(SelectOption {
            value: current.to_string(),
            label: format!("{current}(不在可选范围内)"),
            selected: true,
            kinds: String::new(),
        });
    }
    out
}

fn fixed(current: &str, options: &[(&str, &str)]) -> Vec<SelectOption> {
    choices(
        current,
        options
            .iter()
            .map(|(v, l)| (*v, (*l).to_string(), String::new())),
    )
}

/// One condition row as the template shows it; its fields are named `{prefix}attr` etc.
pub struct RowView {
    pub prefix: String,
    /// The intent that removes it.
    pub remove: String,
    pub row: Row,
    pub attrs: Vec<SelectOption>,
    pub ops: Vec<SelectOption>,
    pub periods: Vec<SelectOption>,
    pub denominators: Vec<SelectOption>,
    /// Top level or one of the groups; empty for the rows of a tier.
    pub groups: Vec<SelectOption>,
    /// The operators (codes, space-separated) that take 连续年数, and those that take a time
    /// of recognition: the script shows those fields only for them.
    pub years_ops: String,
    pub window_ops: String,
    /// The attributes (names, space-separated) whose value is an industry code: the script
    /// offers the industry picker in the value box for them.
    pub industry_attrs: String,
}

/// The codes of the operators that `takes`, space-separated.
fn ops_that(takes: fn(Op) -> bool) -> String {
    let codes: Vec<&str> = Op::all().filter(|o| takes(*o)).map(Op::as_str).collect();
    codes.join(" ")
}

pub struct GroupView {
    pub n: usize,
    pub combine: Vec<SelectOption>,
}

pub struct TierView {
    pub k: usize,
    pub tier: Tier,
    pub rows: Vec<RowView>,
}

/// The form as the template shows it.
pub struct FormView {
    pub meta: Meta,
    pub levels: Vec<SelectOption>,
    pub modes: Vec<SelectOption>,
    pub entities: Vec<SelectOption>,
    pub combine: Vec<SelectOption>,
    pub groups: Vec<GroupView>,
    pub rows: Vec<RowView>,
    pub reward: RewardForm,
    pub reward_kinds: Vec<SelectOption>,
    pub reward_periods: Vec<SelectOption>,
    pub bases: Vec<SelectOption>,
    pub quantities: Vec<SelectOption>,
    pub months: Vec<SelectOption>,
    pub tiers: Vec<TierView>,
    pub cross: CrossForm,
    /// 分级承担's part fields, from the national level down.
    pub shares: Vec<ShareField>,
}

/// One level's part field of 分级承担.
pub struct ShareField {
    /// `x.shares.provincial`.
    pub name: String,
    /// 省级份额.
    pub label: String,
    pub value: String,
}

/// The builder part of the editor page.
pub struct BuilderView {
    pub form: Option<FormView>,
    /// Why there is no form; empty when there is one.
    pub unsupported: String,
}

const PERIODS: [(&str, &str); 2] = [("", "本年度"), ("year_before", "上一年度")];

fn period(year_before: bool) -> &'static str {
    if year_before { "year_before" } else { "" }
}

impl BuilderView {
    pub fn new(editor: &Editor, catalogue: &[AttributeChoice]) -> BuilderView {
        match &editor.form {
            Ok(form) => BuilderView {
                form: Some(FormView::new(form, catalogue)),
                unsupported: String::new(),
            },
            Err(why) => BuilderView {
                form: None,
                unsupported: why.clone(),
            },
        }
    }
}

impl FormView {
    fn new(form: &Form, catalogue: &[AttributeChoice]) -> FormView {
        let entity = if form.meta.entity.is_empty() {
            "enterprise"
        } else {
            form.meta.entity.as_str()
        };
        let attrs: Vec<&AttributeChoice> =
            catalogue.iter().filter(|a| a.entity == entity).collect();
        let of_types = |current: &str, types: &[&str]| {
            let none = ("", "(不使用)".to_string(), String::new());
            let fit = attrs
                .iter()
                .filter(|a| types.contains(&a.ty))
                .map(|a| (a.name.as_str(), a.label.clone(), String::new()));
            choices(current, std::iter::once(none).chain(fit))
        };
        let industry_attrs = attrs
            .iter()
            .filter(|a| a.ty == AttrType::Industry.as_str())
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let groups = form.groups.len();
        let row_view = |prefix: String, remove: String, row: &Row, grouped: bool| RowView {
            attrs: choices(
                &row.attr,
                std::iter::once(("", "请选择…".to_string(), String::new())).chain(
                    attrs
                        .iter()
                        .map(|a| (a.name.as_str(), a.label.clone(), a.kinds.join(" "))),
                ),
            ),
            ops: choices(
                row.op.as_str(),
                Op::all().map(|o| {
                    (
                        o.as_str(),
                        o.label_zh().to_string(),
                        o.kind().as_str().to_string(),
                    )
                }),
            ),
            periods: fixed(period(row.year_before), &PERIODS),
            denominators: of_types(&row.denominator, &["money", "integer", "decimal"]),
            groups: if grouped {
                let names: Vec<String> = (0..=groups)
                    .map(|n| {
                        if n == 0 {
                            "顶层".into()
                        } else {
                            format!("分组 {n}")
                        }
                    })
                    .collect();
                let numbers: Vec<String> = (0..=groups).map(|n| n.to_string()).collect();
                choices(
                    &row.group.to_string(),
                    numbers
                        .iter()
                        .zip(names)
                        .map(|(n, l)| (n.as_str(), l, String::new())),
                )
            } else {
                Vec::new()
            },
            years_ops: ops_that(Op::takes_consecutive_years),
            window_ops: ops_that(Op::takes_recognition_window),
            industry_attrs: industry_attrs.clone(),
            prefix,
            remove,
            row: row.clone(),
        };
        let combine = |c: Combine| {
            choices(
                c.as_str(),
                Combine::ALL.map(|c| (c.as_str(), c.label_zh().to_string(), String::new())),
            )
        };
        let m = &form.meta;
        let r = &form.reward;
        FormView {
            levels: fixed(
                &m.level,
                &[
                    ("", "请选择…"),
                    ("district", "区级"),
                    ("municipal", "市级"),
                    ("provincial", "省级"),
                    ("national", "国家级"),
                ],
            ),
            modes: fixed(
                &m.mode,
                &[
                    ("", "请选择…"),
                    ("apply", "申报兑现"),
                    ("auto_grant", "免申即享"),
                    ("quick_apply", "即申即享"),
                ],
            ),
            // An absent entity means enterprises; either spelling stays as written.
            entities: fixed(
                &m.entity,
                &[
                    (
                        if m.entity.is_empty() {
                            ""
                        } else {
                            "enterprise"
                        },
                        "企业",
                    ),
                    ("person", "个人"),
                ],
            ),
            combine: combine(form.combine),
            groups: form
                .groups
                .iter()
                .enumerate()
                .map(|(i, c)| GroupView {
                    n: i + 1,
                    combine: combine(*c),
                })
                .collect(),
            rows: form
                .conditions
                .iter()
                .enumerate()
                .map(|(i, row)| row_view(format!("c{i}."), format!("remove_row:{i}"), row, true))
                .collect(),
            reward_kinds: choices(
                r.kind.as_str(),
                RewardType::ALL.map(|k| (k.as_str(), k.label_zh().to_string(), String::new())),
            ),
            reward_periods: fixed(period(r.year_before), &PERIODS),
            bases: of_types(&r.base, &["money", "integer"]),
            quantities: of_types(&r.quantity, &["integer"]),
            months: of_types(&r.months, &["integer", "integer_list"]),
            tiers: r
                .tiers
                .iter()
                .enumerate()
                .map(|(k, tier)| TierView {
                    k,
                    rows: tier
                        .conditions
                        .iter()
                        .enumerate()
                        .map(|(j, row)| {
                            row_view(
                                format!("t{k}c{j}."),
                                format!("remove_tier_row:{k}:{j}"),
                                row,
                                false,
                            )
                        })
                        .collect(),
                    tier: tier.clone(),
                })
                .collect(),
            meta: m.clone(),
            reward: r.clone(),
            shares: form
                .cross
                .shares
                .parts()
                .into_iter()
                .map(|(level, parts)| ShareField {
                    name: format!("x.shares.{}", level.as_str()),
                    label: builder::share_label(level),
                    value: parts.to_string(),
                })
                .collect(),
            cross: form.cross.clone(),
        }
    }
}
