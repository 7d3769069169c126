//! Reading a policy file: TOML text → [`Policy`], or every problem found with its line.
//!
//! The reader resolves attribute names against the schema, checks each test against the
//! attribute's type and converts thresholds to scaled integers. Checks that look at the policy as
//! a whole (tiers, floors and caps, dates) are in the `validate` module, run right after.

mod attrs;
mod cases;
mod conditions;
mod cross;
mod fields;
mod header;
mod params;
mod reward;
mod values;

use crate::diag::{Diagnostic, Sink};
use crate::model::{Param, Policy};
use crate::schema::{AttrType, Entity, Schema};
use crate::tree;
use std::collections::BTreeMap;

/// Reads and validates one policy file against `schema`.
pub fn parse_policy(file: &str, src: &str, schema: &Schema) -> Result<Policy, Vec<Diagnostic>> {
    let root = tree::parse(file, src).map_err(|d| vec![d])?;
    let mut cx = Ctx {
        schema,
        sink: Sink::new(file),
        entity: Entity::Enterprise,
        params: BTreeMap::new(),
        own_id: None,
        own_group: None,
    };
    let policy = cx.policy(&root);
    if let Some(p) = &policy {
        crate::validate::validate_policy(p, schema, &mut cx.sink);
    }
    match policy {
        Some(p) if cx.sink.is_clean() => Ok(p),
        _ => {
            let mut diags = cx.sink.diags;
            if diags.is_empty() {
                diags.push(Diagnostic::new(
                    file,
                    1,
                    "政策定义不完整",
                    "the policy definition is incomplete",
                ));
            }
            diags.sort_by_key(|d| d.line);
            Err(diags)
        }
    }
}

/// The reader's state for one file.
pub(crate) struct Ctx<'a> {
    pub schema: &'a Schema,
    pub sink: Sink,
    pub entity: Entity,
    pub params: BTreeMap<String, Param>,
    /// The policy's id and exclusive group, read before its conditions: what a 首次 test
    /// (`first_grant`) names.
    pub own_id: Option<String>,
    pub own_group: Option<String>,
}

/// Chinese name of a type, for messages.
pub(crate) fn type_zh(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Money => "金额",
        AttrType::Integer => "整数",
        AttrType::Decimal => "小数",
        AttrType::Bool => "是/否",
        AttrType::Text => "文本",
        AttrType::Date => "日期",
        AttrType::Industry => "行业代码",
        AttrType::Region => "区划代码",
        AttrType::Ownership => "登记注册类型",
        AttrType::CreditStatus => "信用状况",
        AttrType::SizeClass => "企业规模",
        AttrType::IntegerList => "整数列表",
    }
}

#[cfg(test)]
mod tests;
