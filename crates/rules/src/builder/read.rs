//! Definition → form. Every key of the parts the form holds must be one the form can show;
//! anything else is [`Unsupported`], so nothing the user wrote is silently dropped.

use super::{
    Bracket, Combine, CrossForm, Form, GRANTS, Level, Meta, Op, QUALIFICATION, RewardForm,
    RewardType, Row, SharesForm, Tier, Unsupported, split_list,
};
use toml_edit::{DocumentMut, Item, TableLike, Value};

type Result<T> = std::result::Result<T, Unsupported>;

fn unsupported<T>(why: impl Into<String>) -> Result<T> {
    Err(Unsupported(why.into()))
}

/// The form of definition `src`; an empty text is an empty form.
pub fn read(src: &str) -> Result<Form> {
    let doc: DocumentMut = src
        .parse()
        .map_err(|_| Unsupported("定义文件不是有效的 TOML".into()))?;
    let mut form = Form {
        meta: meta(&doc)?,
        ..Form::default()
    };
    if let Some(c) = doc.get("conditions") {
        conditions(&mut form, table(c, "条件")?)?;
    }
    if let Some(r) = doc.get("reward") {
        form.reward = reward(table(r, "奖补标准")?)?;
    }
    if let Some(c) = doc.get("cross") {
        form.cross = cross(table(c, "跨政策规则")?)?;
    }
    Ok(form)
}

fn table<'a>(item: &'a Item, what: &str) -> Result<&'a dyn TableLike> {
    item.as_table_like()
        .ok_or_else(|| Unsupported(format!("{what}不是表")))
}

/// The tables of an array (inline tables, or an array of tables).
fn tables<'a>(item: &'a Item, what: &str) -> Result<Vec<&'a dyn TableLike>> {
    let list = match item {
        Item::Value(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .collect(),
        Item::ArrayOfTables(a) => Some(a.iter().map(|t| t as &dyn TableLike).collect()),
        _ => None,
    };
    list.ok_or_else(|| Unsupported(format!("{what}不是表的数组")))
}

/// Fails on a key the form has no field for.
fn only(t: &dyn TableLike, allowed: &[&str], what: &str) -> Result<()> {
    match t.iter().find(|(k, _)| !allowed.contains(k)) {
        Some((k, _)) => unsupported(format!("{what}中的“{k}”")),
        None => Ok(()),
    }
}

/// A string, number or date as text; `""` when absent.
fn text(t: &dyn TableLike, key: &str) -> Result<String> {
    let Some(item) = t.get(key) else {
        return Ok(String::new());
    };
    let value = match item.as_value() {
        Some(Value::String(s)) => Some(s.value().clone()),
        Some(Value::Integer(i)) => Some(i.value().to_string()),
        Some(Value::Float(f)) => Some(f.value().to_string()),
        Some(Value::Datetime(d)) => Some(d.value().to_string()),
        _ => None,
    };
    value.ok_or_else(|| Unsupported(format!("“{key}”的取值")))
}

/// A list of strings (or one string) joined by commas; an item that holds a separator itself
/// could not be split back, so it is refused.
fn list(t: &dyn TableLike, key: &str) -> Result<String> {
    let Some(a) = t.get(key).and_then(Item::as_array) else {
        return text(t, key);
    };
    let items: Option<Vec<&str>> = a.iter().map(Value::as_str).collect();
    match items {
        Some(items) if items.iter().all(|i| split_list(i) == [i.trim()]) => Ok(items.join(",")),
        _ => unsupported(format!("“{key}”的取值")),
    }
}

/// `period`: true for the year before.
fn year_before(t: &dyn TableLike) -> Result<bool> {
    match text(t, "period")?.as_str() {
        "" | "policy_year" => Ok(false),
        "year_before" => Ok(true),
        other => unsupported(format!("期间“{other}”")),
    }
}

/// The two fields of a small table (`effective = { from, to }`); empty when it is absent.
fn pair(t: &dyn TableLike, key: &str, keys: [&str; 2], what: &str) -> Result<(String, String)> {
    match t.get(key) {
        Some(item) => {
            let inner = table(item, what)?;
            only(inner, &keys, what)?;
            Ok((text(inner, keys[0])?, text(inner, keys[1])?))
        }
        None => Ok(Default::default()),
    }
}

fn meta(doc: &DocumentMut) -> Result<Meta> {
    let root = doc.as_table();
    let effective = pair(root, "effective", ["from", "to"], "有效期")?;
    Ok(Meta {
        id: text(root, "id")?,
        title: text(root, "title")?,
        department: text(root, "department")?,
        level: text(root, "level")?,
        mode: text(root, "mode")?,
        entity: text(root, "entity")?,
        document_no: text(root, "document_no")?,
        topics: list(root, "topics")?.replace(',', "、"),
        effective_from: effective.0,
        effective_to: effective.1,
        per_claim: text(root, "per_claim")?,
    })
}

/// The combinator key of a group table and its items, if the table is a group.
fn group(t: &dyn TableLike) -> Result<Option<(Combine, &Item)>> {
    for c in Combine::ALL {
        if let Some(items) = t.get(c.as_str()) {
            only(t, &[c.as_str()], "条件组")?;
            return Ok(Some((c, items)));
        }
    }
    Ok(None)
}

fn conditions(form: &mut Form, t: &dyn TableLike) -> Result<()> {
    if t.is_empty() {
        return Ok(());
    }
    let Some((combine, items)) = group(t)? else {
        return unsupported("条件的最外层须为全部满足或满足任一");
    };
    form.combine = combine;
    for item in tables(items, "条件")? {
        match group(item)? {
            Some((c, inner)) => {
                form.groups.push(c);
                let n = form.groups.len();
                for leaf in tables(inner, "条件组")? {
                    form.conditions.push(row(leaf, n)?);
                }
            }
            None => form.conditions.push(row(item, 0)?),
        }
    }
    Ok(())
}

/// One test; `not` only where the builder has a negated operator for it.
fn row(t: &dyn TableLike, group: usize) -> Result<Row> {
    if let Some(inner) = t.get("not") {
        only(t, &["not"], "条件")?;
        let mut r = row(table(inner, "条件")?, group)?;
        r.op = match r.op {
            Op::Under => Op::NotUnder,
            Op::Has => Op::Lacks,
            Op::HasBeforePolicyYear => Op::LacksBeforePolicyYear,
            _ => return unsupported("“不满足”的嵌套条件"),
        };
        return Ok(r);
    }
    if group_like(t) {
        return unsupported("两层以上的条件组");
    }
    let mut r = Row {
        group,
        label: text(t, "label")?,
        ..Row::default()
    };
    if t.contains_key("tag") {
        let keys = [
            "tag",
            "recognised",
            "recognised_from",
            "recognised_to",
            "label",
        ];
        only(t, &keys, "资质条件")?;
        r.attr = QUALIFICATION.into();
        r.value = text(t, "tag")?;
        r.op = match text(t, "recognised")?.as_str() {
            "" | "any" => Op::Has,
            "in_policy_year" => Op::HasInPolicyYear,
            "in_year_before" => Op::HasInYearBefore,
            "before_policy_year" => Op::HasBeforePolicyYear,
            other => return unsupported(format!("认定时间“{other}”")),
        };
        r.recognised_from = text(t, "recognised_from")?;
        r.recognised_to = text(t, "recognised_to")?;
        let window = !(r.recognised_from.is_empty() && r.recognised_to.is_empty());
        if window && !r.op.takes_recognition_window() {
            return unsupported("认定时间与认定时间范围同时使用");
        }
        return Ok(r);
    }
    if let Some(scope) = t.get("first_grant") {
        only(t, &["first_grant", "label"], "首次条件")?;
        r.attr = GRANTS.into();
        r.op = match scope.as_str() {
            Some("policy") => Op::FirstGrant,
            Some("group") => Op::FirstGrantGroup,
            _ => return unsupported("首次条件的写法"),
        };
        return Ok(r);
    }
    r.year_before = year_before(t)?;
    r.consecutive_years = consecutive_years(t)?;
    for (key, op) in [("change", Op::ChangeMin), ("growth", Op::GrowthMin)] {
        if t.contains_key(key) {
            only(t, &[key, "period", "min", YEARS, "label"], "较上年条件")?;
            r.attr = text(t, key)?;
            r.op = op;
            r.value = text(t, "min")?;
            return Ok(r);
        }
    }
    if t.contains_key("count") {
        only(t, &["count", "period", "min", YEARS, "label"], "项数条件")?;
        r.attr = text(t, "count")?;
        r.op = Op::CountMin;
        r.value = text(t, "min")?;
        return Ok(r);
    }
    if let Some(ratio) = t.get("ratio") {
        only(t, &["ratio", "period", "min", YEARS, "label"], "比例条件")?;
        let names: Option<Vec<&str>> = ratio
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let Some([num, den]) = names.as_deref() else {
            return unsupported("比例的写法");
        };
        (r.attr, r.denominator) = (num.to_string(), den.to_string());
        r.op = Op::RatioMin;
        r.value = text(t, "min")?;
        return Ok(r);
    }
    r.attr = text(t, "attr")?;
    let comparators: Vec<&str> = t
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !["attr", "period", YEARS, "label"].contains(k))
        .collect();
    let [key] = comparators.as_slice() else {
        return unsupported(format!("“{}”的条件写法", r.attr));
    };
    (r.op, r.value) = match *key {
        "in" => (Op::In, list(t, key)?),
        "not_in" => (Op::NotIn, list(t, key)?),
        "under" => (Op::Under, list(t, key)?),
        "is" => match t.get("is").and_then(Item::as_bool) {
            Some(true) => (Op::IsTrue, String::new()),
            Some(false) => (Op::IsFalse, String::new()),
            None => return unsupported("“是/否”的取值"),
        },
        other => match Op::parse(other).filter(|o| o.kind() == super::OpKind::Ordered) {
            Some(op) => (op, text(t, other)?),
            None => return unsupported(format!("条件中的“{other}”")),
        },
    };
    if !r.consecutive_years.is_empty() && !r.op.takes_consecutive_years() {
        return unsupported(format!("“{}”的连续年数", r.attr));
    }
    Ok(r)
}

const YEARS: &str = "consecutive_years";

/// `consecutive_years` as written; empty when absent or 1 (the one year, which is not written).
fn consecutive_years(t: &dyn TableLike) -> Result<String> {
    let n = text(t, YEARS)?;
    Ok(if n.trim() == "1" { String::new() } else { n })
}

fn group_like(t: &dyn TableLike) -> bool {
    Combine::ALL.iter().any(|c| t.contains_key(c.as_str()))
}

const REWARD_COMMON: [&str; 3] = ["floor", "cap", "label"];

fn reward(t: &dyn TableLike) -> Result<RewardForm> {
    let mut r = RewardForm {
        floor: text(t, "floor")?,
        cap: text(t, "cap")?,
        label: text(t, "label")?,
        year_before: year_before(t)?,
        ..RewardForm::default()
    };
    let allowed = |own: &[&'static str]| -> Vec<&'static str> {
        own.iter().chain(REWARD_COMMON.iter()).copied().collect()
    };
    if t.contains_key("fixed") {
        only(t, &allowed(&["fixed"]), "定额奖补")?;
        r.amount = text(t, "fixed")?;
    } else if t.contains_key("percent") {
        only(t, &allowed(&["percent", "of", "period"]), "比例奖补")?;
        r.kind = RewardType::Percent;
        r.rate = text(t, "percent")?;
        r.base = text(t, "of")?;
    } else if t.contains_key("per_unit") {
        let own = ["per_unit", "quantity", "months", "max_months", "period"];
        only(t, &allowed(&own), "按人按月奖补")?;
        r.kind = RewardType::PerUnit;
        r.amount = text(t, "per_unit")?;
        r.quantity = text(t, "quantity")?;
        r.months = text(t, "months")?;
        r.max_months = text(t, "max_months")?;
    } else if let Some(items) = t.get("max") {
        only(t, &allowed(&["max"]), "分档就高奖补")?;
        r.kind = RewardType::Highest;
        r.tiers = tables(items, "分档")?
            .into_iter()
            .map(tier)
            .collect::<Result<_>>()?;
    } else if t.contains_key("tiers") {
        only(
            t,
            &allowed(&["tiers", "of", "period", "brackets"]),
            "阶梯奖补",
        )?;
        r.kind = match text(t, "tiers")?.as_str() {
            "bracket" => RewardType::Bracket,
            "marginal" => RewardType::Marginal,
            other => return unsupported(format!("阶梯方式“{other}”")),
        };
        r.base = text(t, "of")?;
        let key = r.kind.bracket_key().unwrap_or("amount");
        r.brackets = match t.get("brackets") {
            Some(b) => tables(b, "档位")?
                .into_iter()
                .map(|b| bracket(b, key))
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
    } else if !t.is_empty() {
        return unsupported("合计等奖补方式");
    }
    Ok(r)
}

fn bracket(t: &dyn TableLike, key: &str) -> Result<Bracket> {
    only(t, &["from", "to", key], "档位")?;
    Ok(Bracket {
        from: text(t, "from")?,
        to: text(t, "to")?,
        value: text(t, key)?,
    })
}

/// A tier of `max`: a fixed amount and the conditions (all of them) it counts under.
fn tier(t: &dyn TableLike) -> Result<Tier> {
    only(t, &["fixed", "label", "when"], "分档")?;
    let conditions = match t.get("when") {
        None => Vec::new(),
        Some(w) => {
            let w = table(w, "分档条件")?;
            match group(w)? {
                Some((Combine::All, items)) => tables(items, "分档条件")?
                    .into_iter()
                    .map(|leaf| row(leaf, 0))
                    .collect::<Result<_>>()?,
                Some((Combine::Any, _)) => return unsupported("分档条件中的“满足任一”"),
                None => vec![row(w, 0)?],
            }
        }
    };
    Ok(Tier {
        label: text(t, "label")?,
        amount: text(t, "fixed")?,
        conditions,
    })
}

fn cross(t: &dyn TableLike) -> Result<CrossForm> {
    only(
        t,
        &[
            "exclusive_group",
            "top_up",
            "annual_cap",
            "budget",
            "shares",
        ],
        "跨政策规则",
    )?;
    let (group, amount) = pair(t, "annual_cap", ["group", "amount"], "年度封顶")?;
    let top_up = match t.get("top_up") {
        None => false,
        Some(item) => match item.as_bool() {
            Some(b) => b,
            None => return unsupported("“top_up”的取值"),
        },
    };
    Ok(CrossForm {
        exclusive_group: text(t, "exclusive_group")?,
        top_up,
        annual_cap_group: group,
        annual_cap: amount,
        shares: match t.get("shares") {
            Some(item) => shares(table(item, "分级承担")?)?,
            None => SharesForm::default(),
        },
    })
}

/// `shares = { provincial = 8, municipal = 1, district = 1, source = "第八条" }`.
fn shares(t: &dyn TableLike) -> Result<SharesForm> {
    let keys = ["national", "provincial", "municipal", "district", "source"];
    only(t, &keys, "分级承担")?;
    let mut form = SharesForm::default();
    for level in Level::ALL {
        *form.part_mut(level) = text(t, level.as_str())?;
    }
    match t.get("source") {
        None => {}
        Some(item) if item.is_str() => form.source = text(t, "source")?,
        Some(item) => {
            let source = table(item, "分级承担的依据")?;
            only(source, &["document_no", "article"], "分级承担的依据")?;
            form.source = text(source, "article")?;
            form.source_document_no = text(source, "document_no")?;
        }
    }
    Ok(form)
}
