//! The attribute schema: which facts a policy may test, as data.
//!
//! The standard profile fields (industry, region, revenue, …) are built in; an administrator adds
//! custom ones in an `attributes.toml` file (name, Chinese label, type, unit, per-year or not,
//! entity). Policies refer to attributes by name, and the reader resolves every name against the
//! schema so a typo is a diagnostic at load time, not a silent "ineligible" at run time.

use crate::diag::{Diagnostic, Sink};
use crate::tree::{self, Node};
use std::collections::HashMap;

/// Who a policy (and an attribute) applies to: enterprises, or natural persons (seed 001 case 23
/// pays individuals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Enterprise,
    Person,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Enterprise => "enterprise",
            Entity::Person => "person",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Entity::Enterprise => "企业",
            Entity::Person => "个人",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "enterprise" | "企业" => Some(Entity::Enterprise),
            "person" | "个人" => Some(Entity::Person),
            _ => None,
        }
    }
}

/// The type of an attribute's value.
///
/// Numeric types are held as scaled integers so comparisons are exact and cheap in the column
/// evaluator: money in fen (scale 2), integers as they are, decimals with 4 places, dates as days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    Money,
    Integer,
    /// An exact decimal with at most 4 places (e.g. a ratio an administrator records).
    Decimal,
    Bool,
    Text,
    Date,
    Industry,
    Region,
    Ownership,
    CreditStatus,
    SizeClass,
    /// A list of non-negative integers, e.g. months employed of each newly hired person.
    IntegerList,
}

impl AttrType {
    pub const ALL: [AttrType; 12] = [
        AttrType::Money,
        AttrType::Integer,
        AttrType::Decimal,
        AttrType::Bool,
        AttrType::Text,
        AttrType::Date,
        AttrType::Industry,
        AttrType::Region,
        AttrType::Ownership,
        AttrType::CreditStatus,
        AttrType::SizeClass,
        AttrType::IntegerList,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::Money => "money",
            AttrType::Integer => "integer",
            AttrType::Decimal => "decimal",
            AttrType::Bool => "bool",
            AttrType::Text => "text",
            AttrType::Date => "date",
            AttrType::Industry => "industry",
            AttrType::Region => "region",
            AttrType::Ownership => "ownership",
            AttrType::CreditStatus => "credit_status",
            AttrType::SizeClass => "size_class",
            AttrType::IntegerList => "integer_list",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    /// Money, integers, decimals and dates compare by order.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            AttrType::Money | AttrType::Integer | AttrType::Decimal | AttrType::Date
        )
    }

    /// Types whose values are a small closed set, tested with `in`.
    pub fn is_enumerated(self) -> bool {
        matches!(
            self,
            AttrType::Ownership | AttrType::CreditStatus | AttrType::SizeClass
        )
    }

    /// Decimal places of the scaled integer for numeric types (money: fen).
    pub fn scale(self) -> u32 {
        match self {
            AttrType::Money => 2,
            AttrType::Decimal => 4,
            _ => 0,
        }
    }
}

/// Index of an attribute in its [`Schema`].
pub type AttrId = usize;

/// Ids of the standard fields the engine derives things from; every schema starts with the
/// standard fields in the order of `STANDARD`, so these are the same in every schema.
pub(crate) const INDUSTRY: AttrId = 0;
pub(crate) const REVENUE: AttrId = 6;
pub(crate) const EMPLOYEES: AttrId = 8;
pub(crate) const TOTAL_ASSETS: AttrId = 9;

/// One attribute a policy may test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrDef {
    pub name: String,
    /// Chinese label used in explanations, e.g. "营业收入".
    pub label: String,
    pub ty: AttrType,
    /// Unit shown after values, e.g. "人", "月"; money is always shown in 元/万元/亿元.
    pub unit: Option<String>,
    /// Per-year attributes have one value per calendar year (revenue); others one value (industry).
    pub per_year: bool,
    pub entity: Entity,
    /// Derived from other facts rather than recorded (the size class).
    pub derived: bool,
    /// Built in (a profile field) rather than declared by an administrator.
    pub standard: bool,
}

/// The attributes known to a policy library.
#[derive(Debug, Clone)]
pub struct Schema {
    attrs: Vec<AttrDef>,
    index: HashMap<String, AttrId>,
}

/// (name, label, type, unit, per_year, derived) of a standard field.
type StandardField = (
    &'static str,
    &'static str,
    AttrType,
    Option<&'static str>,
    bool,
    bool,
);

/// The standard enterprise profile fields.
const STANDARD: [StandardField; 14] = [
    (
        "industry",
        "所属行业",
        AttrType::Industry,
        None,
        false,
        false,
    ),
    ("region", "所在区域", AttrType::Region, None, false, false),
    (
        "ownership",
        "登记注册类型",
        AttrType::Ownership,
        None,
        false,
        false,
    ),
    (
        "credit_status",
        "信用状况",
        AttrType::CreditStatus,
        None,
        false,
        false,
    ),
    (
        "established_on",
        "成立日期",
        AttrType::Date,
        None,
        false,
        false,
    ),
    (
        "size_class",
        "企业规模",
        AttrType::SizeClass,
        None,
        true,
        true,
    ),
    ("revenue", "营业收入", AttrType::Money, None, true, false),
    ("tax_paid", "纳税额", AttrType::Money, None, true, false),
    (
        "employees",
        "从业人员",
        AttrType::Integer,
        Some("人"),
        true,
        false,
    ),
    (
        "total_assets",
        "资产总额",
        AttrType::Money,
        None,
        true,
        false,
    ),
    ("rd_expense", "研发费用", AttrType::Money, None, true, false),
    (
        "fixed_asset_investment",
        "固定资产投资",
        AttrType::Money,
        None,
        true,
        false,
    ),
    (
        "equipment_investment",
        "设备投资",
        AttrType::Money,
        None,
        true,
        false,
    ),
    // Enterprise-side commitment items of its investment agreements found breached (违约), so a
    // policy can require "no breached commitment" (承诺必践).
    (
        "breached_commitments",
        "违约承诺事项",
        AttrType::Integer,
        Some("项"),
        false,
        false,
    ),
];

impl Default for Schema {
    fn default() -> Self {
        Schema::standard()
    }
}

impl Schema {
    /// The standard enterprise profile fields only.
    pub fn standard() -> Schema {
        let mut schema = Schema {
            attrs: Vec::new(),
            index: HashMap::new(),
        };
        for (name, label, ty, unit, per_year, derived) in STANDARD {
            schema.push(AttrDef {
                name: name.to_string(),
                label: label.to_string(),
                ty,
                unit: unit.map(str::to_string),
                per_year,
                entity: Entity::Enterprise,
                derived,
                standard: true,
            });
        }
        schema
    }

    fn push(&mut self, def: AttrDef) -> AttrId {
        let id = self.attrs.len();
        self.index.insert(def.name.clone(), id);
        self.attrs.push(def);
        id
    }

    /// Declares a custom attribute; an error when the name is taken.
    pub fn declare(&mut self, def: AttrDef) -> Result<AttrId, String> {
        if self.index.contains_key(&def.name) {
            return Err(def.name);
        }
        Ok(self.push(def))
    }

    pub fn get(&self, name: &str) -> Option<AttrId> {
        self.index.get(name).copied()
    }

    pub fn def(&self, id: AttrId) -> &AttrDef {
        &self.attrs[id]
    }

    pub fn attrs(&self) -> &[AttrDef] {
        &self.attrs
    }

    /// The standard fields plus the custom ones declared in `src` (an `attributes.toml`).
    pub fn with_custom(file: &str, src: &str) -> Result<Schema, Vec<Diagnostic>> {
        let mut schema = Schema::standard();
        let root = tree::parse(file, src).map_err(|d| vec![d])?;
        let mut sink = Sink::new(file);
        read_custom(&mut schema, &root, &mut sink);
        if sink.is_clean() {
            Ok(schema)
        } else {
            Err(sink.diags)
        }
    }
}

const CUSTOM_KEYS: [&str; 6] = ["name", "label", "type", "unit", "per_year", "entity"];

fn read_custom(schema: &mut Schema, root: &Node, sink: &mut Sink) {
    let Some(entries) = root.as_table() else {
        return;
    };
    for entry in entries {
        if entry.key != "attribute" {
            sink.error(
                entry.line,
                format!("未知字段“{}”,属性定义应写在 [[attribute]] 中", entry.key),
                format!(
                    "unknown key `{}`; declare attributes as [[attribute]]",
                    entry.key
                ),
            );
            continue;
        }
        let Some(items) = entry.value.as_array() else {
            sink.error(
                entry.line,
                "attribute 应为表数组 [[attribute]]",
                "`attribute` must be an array of tables",
            );
            continue;
        };
        for item in items {
            if let Some(def) = read_one(item, sink)
                && let Err(name) = schema.declare(def)
            {
                sink.error(
                    item.line,
                    format!("属性“{name}”重复定义(或与标准属性同名)"),
                    format!("attribute `{name}` is declared twice or shadows a standard one"),
                );
            }
        }
    }
}

fn read_one(item: &Node, sink: &mut Sink) -> Option<AttrDef> {
    let Some(fields) = item.as_table() else {
        sink.error(item.line, "属性定义应为表", "an attribute must be a table");
        return None;
    };
    for f in fields {
        if !CUSTOM_KEYS.contains(&f.key.as_str()) {
            sink.error(
                f.line,
                format!("属性定义中的未知字段“{}”", f.key),
                format!("unknown key `{}` in an attribute", f.key),
            );
        }
    }
    let text = |key: &str| {
        fields
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| f.value.as_str())
    };
    let name = text("name").map(str::trim).unwrap_or("");
    if !is_identifier(name) {
        sink.error(
            item.line,
            "属性名称必须是小写字母、数字和下划线,且以字母开头",
            "an attribute name must be lower-case letters, digits and `_`, starting with a letter",
        );
        return None;
    }
    let label = text("label").map(str::trim).unwrap_or("");
    if label.is_empty() {
        sink.error(
            item.line,
            format!("属性“{name}”缺少中文名称 label"),
            format!("attribute `{name}` needs a Chinese `label`"),
        );
    }
    let ty = text("type").and_then(AttrType::parse);
    if ty.is_none() || ty.is_some_and(|t| t == AttrType::SizeClass) {
        let names: Vec<_> = AttrType::ALL
            .iter()
            .filter(|t| **t != AttrType::SizeClass)
            .map(|t| t.as_str())
            .collect();
        sink.error(
            item.line,
            format!("属性“{name}”的类型应为 {} 之一", names.join("、")),
            format!("the type of `{name}` must be one of {}", names.join(", ")),
        );
        return None;
    }
    let per_year = match fields.iter().find(|f| f.key == "per_year") {
        None => false,
        Some(f) => match f.value.kind {
            tree::NodeKind::Bool(b) => b,
            _ => {
                sink.error(
                    f.line,
                    "per_year 应为 true 或 false",
                    "`per_year` must be a boolean",
                );
                false
            }
        },
    };
    let entity = match text("entity") {
        None => Entity::Enterprise,
        Some(e) => Entity::parse(e).unwrap_or_else(|| {
            sink.error(
                item.line,
                "entity 应为 enterprise 或 person",
                "`entity` must be `enterprise` or `person`",
            );
            Entity::Enterprise
        }),
    };
    Some(AttrDef {
        name: name.to_string(),
        label: label.to_string(),
        ty: ty.unwrap_or(AttrType::Text),
        unit: text("unit").map(|u| u.trim().to_string()),
        per_year,
        entity,
        derived: false,
        standard: false,
    })
}

/// Attribute, parameter and policy ids: `[a-z][a-z0-9_]*` (policy ids may also use `-`).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_fields_are_known() {
        let s = Schema::standard();
        let id = s.get("revenue").unwrap();
        assert_eq!(s.def(id).label, "营业收入");
        assert!(s.def(id).per_year);
        assert!(s.def(s.get("size_class").unwrap()).derived);
        assert!(s.get("revenu").is_none());
        assert_eq!(s.get("industry"), Some(INDUSTRY));
        assert_eq!(s.get("revenue"), Some(REVENUE));
        assert_eq!(s.get("employees"), Some(EMPLOYEES));
        assert_eq!(s.get("total_assets"), Some(TOTAL_ASSETS));
    }

    #[test]
    fn custom_attributes_are_declared_from_toml() {
        let src = r#"
[[attribute]]
name = "taiwan_resident"
label = "台湾居民"
type = "bool"
entity = "person"

[[attribute]]
name = "hire_months"
label = "新招用人员在岗月数"
type = "integer_list"
unit = "月"
per_year = true
"#;
        let s = Schema::with_custom("attributes.toml", src).unwrap();
        let tw = s.def(s.get("taiwan_resident").unwrap());
        assert_eq!(tw.entity, Entity::Person);
        assert_eq!(tw.ty, AttrType::Bool);
        let hm = s.def(s.get("hire_months").unwrap());
        assert!(hm.per_year);
        assert_eq!(hm.unit.as_deref(), Some("月"));
    }

    #[test]
    fn bad_declarations_are_diagnosed_with_lines() {
        let src = "[[attribute]]\nname = \"revenue\"\nlabel = \"x\"\ntype = \"money\"\n\n[[attribute]]\nname = \"x\"\nlabel = \"y\"\ntype = \"float\"\ncolour = 1\n";
        let errs = Schema::with_custom("a.toml", src).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.line == 10 && e.message_en.contains("colour"))
        );
        assert!(
            errs.iter()
                .any(|e| e.line == 1 && e.message_en.contains("declared twice"))
        );
        assert!(
            errs.iter()
                .any(|e| e.line == 6 && e.message_en.contains("type"))
        );
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(is_identifier("rd_expense"));
        assert!(!is_identifier("Rd"));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier(""));
    }
}
