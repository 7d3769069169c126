//! Facts: what is known about one enterprise (or person) — identity attributes, per-year figures,
//! qualifications and custom attributes. An absent value is *unknown*, never zero: the evaluator
//! turns it into "undetermined" with the missing fact named.

use crate::schema::{AttrDef, AttrType, Entity, Schema};
use chrono::{Datelike, NaiveDate};
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, Ownership, Qualification, YearFigures,
};
use qinqing_domain::size::SizeClass;
use qinqing_domain::{DivisionCode, IndustryCode, Money};
use std::collections::BTreeMap;

/// A value of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Money(Money),
    Integer(i64),
    /// Scaled by 10^4 (0.035 is 350).
    Decimal(i64),
    Bool(bool),
    Text(String),
    Date(NaiveDate),
    Industry(IndustryCode),
    Region(DivisionCode),
    Ownership(Ownership),
    CreditStatus(CreditStatus),
    IntegerList(Vec<i64>),
}

impl Value {
    /// The type this value has.
    pub fn ty(&self) -> AttrType {
        match self {
            Value::Money(_) => AttrType::Money,
            Value::Integer(_) => AttrType::Integer,
            Value::Decimal(_) => AttrType::Decimal,
            Value::Bool(_) => AttrType::Bool,
            Value::Text(_) => AttrType::Text,
            Value::Date(_) => AttrType::Date,
            Value::Industry(_) => AttrType::Industry,
            Value::Region(_) => AttrType::Region,
            Value::Ownership(_) => AttrType::Ownership,
            Value::CreditStatus(_) => AttrType::CreditStatus,
            Value::IntegerList(_) => AttrType::IntegerList,
        }
    }

    /// Parses text as a value of type `ty` ("1,234.56" money, "3.5%" decimal, "C3311", "true").
    pub fn parse(ty: AttrType, text: &str) -> Result<Value, String> {
        let text = text.trim();
        let bad = || format!("“{text}”不是有效的{}值", ty.as_str());
        Ok(match ty {
            AttrType::Money => Value::Money(Money::parse_yuan(text).map_err(|e| e.to_string())?),
            AttrType::Integer => Value::Integer(crate::num::parse_scaled(text, 0, false)?),
            AttrType::Decimal => Value::Decimal(crate::num::parse_scaled(text, 4, true)?),
            AttrType::Bool => match text {
                "true" | "是" | "1" => Value::Bool(true),
                "false" | "否" | "0" => Value::Bool(false),
                _ => return Err(bad()),
            },
            AttrType::Text => Value::Text(text.to_string()),
            AttrType::Date => {
                Value::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?)
            }
            AttrType::Industry => {
                Value::Industry(IndustryCode::parse(text).map_err(|e| e.to_string())?)
            }
            AttrType::Region => {
                Value::Region(DivisionCode::parse(text).map_err(|e| e.to_string())?)
            }
            AttrType::Ownership => Value::Ownership(Ownership::parse(text).ok_or_else(bad)?),
            AttrType::CreditStatus => {
                Value::CreditStatus(CreditStatus::parse(text).ok_or_else(bad)?)
            }
            AttrType::SizeClass => return Err("企业规模由营业收入等数据推算,不能直接填写".into()),
            AttrType::IntegerList => {
                let items: Result<Vec<i64>, String> = text
                    .split([',', ';', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| crate::num::parse_scaled(s, 0, false))
                    .collect();
                Value::IntegerList(items?)
            }
        })
    }

    /// A borrowed, evaluation-ready view.
    pub(crate) fn view(&self) -> Val<'_> {
        match self {
            Value::Money(m) => Val::Num(m.fen()),
            Value::Integer(i) | Value::Decimal(i) => Val::Num(*i),
            Value::Date(d) => Val::Num(date_days(*d)),
            Value::Bool(b) => Val::Bool(*b),
            Value::Text(t) => Val::Text(t),
            Value::Industry(c) => Val::Industry(c),
            Value::Region(c) => Val::Region(c),
            Value::Ownership(o) => Val::Code(ownership_code(*o)),
            Value::CreditStatus(c) => Val::Code(credit_code(*c)),
            Value::IntegerList(l) => Val::List(l),
        }
    }
}

/// Days since 1 January of year 1 (CE), the scaled unit of dates.
pub(crate) fn date_days(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

pub(crate) fn days_date(days: i64) -> Option<NaiveDate> {
    i32::try_from(days)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

pub(crate) fn ownership_code(o: Ownership) -> u8 {
    Ownership::ALL.iter().position(|x| *x == o).unwrap_or(0) as u8
}

pub(crate) fn credit_code(c: CreditStatus) -> u8 {
    CreditStatus::ALL.iter().position(|x| *x == c).unwrap_or(0) as u8
}

pub(crate) fn size_code(s: SizeClass) -> u8 {
    SizeClass::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}

/// A value as the evaluator reads it: numbers scaled, enumerations as their index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Val<'a> {
    Num(i64),
    Bool(bool),
    Text(&'a str),
    Industry(&'a IndustryCode),
    Region(&'a DivisionCode),
    Code(u8),
    List(&'a [i64]),
}

/// A qualification as the evaluator reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagView<'a> {
    pub name: &'a str,
    pub recognised_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

/// An earlier grant as the evaluator reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrantView<'a> {
    pub policy_id: &'a str,
    pub group: Option<&'a str>,
    pub year: i32,
}

/// Money granted to the subject under a policy for a policy year (an approved application or a
/// confirmed 免申即享 offer), with the exclusive group the policy version named then: what a
/// 首次 test looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastGrant {
    pub policy_id: String,
    pub group: Option<String>,
    pub year: i32,
}

impl PastGrant {
    pub(crate) fn view(&self) -> GrantView<'_> {
        GrantView {
            policy_id: &self.policy_id,
            group: self.group.as_deref(),
            year: self.year,
        }
    }
}

/// Where the evaluator reads facts from: a [`Facts`] record, or a row of the column store.
pub(crate) trait Source {
    fn subject_entity(&self) -> Entity;
    /// The value of attribute `def` (id `id`) in `year` (`None` for static attributes).
    fn value(&self, id: usize, def: &AttrDef, year: Option<i32>) -> Option<Val<'_>>;
    /// Calls `f` on each qualification; `false` when the qualification list is unknown.
    fn for_each_tag(&self, f: &mut dyn FnMut(TagView<'_>)) -> bool;
    /// Calls `f` on each earlier grant; `false` when the grant history is unknown.
    fn for_each_grant(&self, f: &mut dyn FnMut(GrantView<'_>)) -> bool;
}

/// Everything known about one enterprise or person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// 统一社会信用代码 for enterprises, an identifier for persons.
    pub subject_id: String,
    pub name: String,
    pub entity: Entity,
    statics: BTreeMap<String, Value>,
    years: BTreeMap<i32, BTreeMap<String, Value>>,
    /// `None` when the qualification list itself is unknown.
    qualifications: Option<Vec<Qualification>>,
    /// `None` when the grant history is unknown.
    grants: Option<Vec<PastGrant>>,
}

impl Facts {
    /// An empty record: nothing known except that it holds no qualification and was granted
    /// nothing.
    pub fn new(subject_id: &str, name: &str, entity: Entity) -> Facts {
        Facts {
            subject_id: subject_id.to_string(),
            name: name.to_string(),
            entity,
            statics: BTreeMap::new(),
            years: BTreeMap::new(),
            qualifications: Some(Vec::new()),
            grants: Some(Vec::new()),
        }
    }

    /// The facts of an enterprise profile: identity fields, qualifications and yearly figures.
    pub fn from_profile(
        identity: &EnterpriseIdentity,
        qualifications: &[Qualification],
        figures: &[YearFigures],
    ) -> Facts {
        let mut facts = Facts::new(
            identity.credit_code.as_str(),
            &identity.name,
            Entity::Enterprise,
        );
        identity_values(identity, |attr, value| facts.set(attr, value));
        facts.qualifications = Some(qualifications.to_vec());
        for f in figures {
            facts.add_figures(f);
        }
        facts
    }

    /// Records the known figures of one year (unknown ones stay unknown).
    pub fn add_figures(&mut self, f: &YearFigures) {
        figure_values(f, |attr, value| self.set_for_year(attr, f.year, value));
    }

    /// Sets a static attribute (one value, no year).
    pub fn set(&mut self, attr: &str, value: Value) {
        self.statics.insert(attr.to_string(), value);
    }

    /// Sets a per-year attribute for `year`.
    pub fn set_for_year(&mut self, attr: &str, year: i32, value: Value) {
        self.years
            .entry(year)
            .or_default()
            .insert(attr.to_string(), value);
    }

    /// Sets an attribute after checking it against the schema: declared, right type, and a year
    /// exactly when the attribute is per-year.
    pub fn set_checked(
        &mut self,
        schema: &Schema,
        attr: &str,
        year: Option<i32>,
        value: Value,
    ) -> Result<(), String> {
        let def = schema
            .get(attr)
            .map(|id| schema.def(id))
            .ok_or_else(|| format!("未定义的属性“{attr}”"))?;
        if def.derived {
            return Err(format!("“{}”由其他数据推算,不能直接填写", def.label));
        }
        if value.ty() != def.ty {
            return Err(format!(
                "“{}”应为 {} 类型,实际为 {}",
                def.label,
                def.ty.as_str(),
                value.ty().as_str()
            ));
        }
        match (def.per_year, year) {
            (true, Some(y)) => self.set_for_year(attr, y, value),
            (false, None) => self.set(attr, value),
            (true, None) => return Err(format!("“{}”按年度填写,需要年份", def.label)),
            (false, Some(_)) => return Err(format!("“{}”不分年度,不应填写年份", def.label)),
        }
        Ok(())
    }

    /// Forgets an attribute (static when `year` is `None`).
    pub fn remove(&mut self, attr: &str, year: Option<i32>) {
        match year {
            None => {
                self.statics.remove(attr);
            }
            Some(y) => {
                if let Some(m) = self.years.get_mut(&y) {
                    m.remove(attr);
                }
            }
        }
    }

    pub fn get(&self, attr: &str, year: Option<i32>) -> Option<&Value> {
        match year {
            None => self.statics.get(attr),
            Some(y) => self.years.get(&y).and_then(|m| m.get(attr)),
        }
    }

    /// Replaces the qualification list; `None` marks it unknown.
    pub fn set_qualifications(&mut self, qualifications: Option<Vec<Qualification>>) {
        self.qualifications = qualifications;
    }

    pub fn qualifications(&self) -> Option<&[Qualification]> {
        self.qualifications.as_deref()
    }

    /// Replaces the grant history; `None` marks it unknown.
    pub fn set_grants(&mut self, grants: Option<Vec<PastGrant>>) {
        self.grants = grants;
    }

    pub fn grants(&self) -> Option<&[PastGrant]> {
        self.grants.as_deref()
    }

    /// The years that have at least one figure.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// Every (attribute, year, value) recorded, statics first.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<i32>, &Value)> {
        let statics = self.statics.iter().map(|(k, v)| (k.as_str(), None, v));
        let yearly = self
            .years
            .iter()
            .flat_map(|(y, m)| m.iter().map(move |(k, v)| (k.as_str(), Some(*y), v)));
        statics.chain(yearly)
    }
}

/// The static attributes an enterprise's identity states (what [`Facts::from_profile`] and the
/// column store both hold of it).
pub(crate) fn identity_values(
    identity: &EnterpriseIdentity,
    mut put: impl FnMut(&'static str, Value),
) {
    put("industry", Value::Industry(identity.industry_code.clone()));
    put("region", Value::Region(identity.region_code.clone()));
    put("ownership", Value::Ownership(identity.ownership));
    put("credit_status", Value::CreditStatus(identity.credit_status));
    if let Some(d) = identity.established_on {
        put("established_on", Value::Date(d));
    }
}

/// The known figures of one year (unknown ones stay unknown).
pub(crate) fn figure_values(f: &YearFigures, mut put: impl FnMut(&'static str, Value)) {
    let money = [
        ("revenue", f.revenue),
        ("tax_paid", f.tax_paid),
        ("total_assets", f.total_assets),
        ("rd_expense", f.rd_expense),
        ("fixed_asset_investment", f.fixed_asset_investment),
        ("equipment_investment", f.equipment_investment),
    ];
    for (name, value) in money {
        if let Some(m) = value {
            put(name, Value::Money(m));
        }
    }
    if let Some(e) = f.employees {
        let e = i64::try_from(e).unwrap_or(i64::MAX);
        put("employees", Value::Integer(e));
    }
}

impl Source for Facts {
    fn subject_entity(&self) -> Entity {
        self.entity
    }

    fn value(&self, _id: usize, def: &AttrDef, year: Option<i32>) -> Option<Val<'_>> {
        let v = self.get(&def.name, year)?;
        // A value of the wrong type is treated as unknown rather than misread.
        (v.ty() == def.ty).then(|| v.view())
    }

    fn for_each_tag(&self, f: &mut dyn FnMut(TagView<'_>)) -> bool {
        let Some(quals) = &self.qualifications else {
            return false;
        };
        for q in quals {
            f(TagView {
                name: &q.name,
                recognised_on: q.recognised_on,
                expires_on: q.expires_on,
            });
        }
        true
    }

    fn for_each_grant(&self, f: &mut dyn FnMut(GrantView<'_>)) -> bool {
        let Some(grants) = &self.grants else {
            return false;
        };
        grants.iter().for_each(|g| f(g.view()));
        true
    }
}

/// First and last day of a calendar year.
pub(crate) fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinqing_domain::CreditCode;

    fn identity() -> EnterpriseIdentity {
        EnterpriseIdentity {
            credit_code: CreditCode::parse("91110000600037341L").unwrap(),
            name: "测试企业".into(),
            legal_representative: None,
            industry_code: IndustryCode::parse("C3311").unwrap(),
            region_code: DivisionCode::parse("350521101").unwrap(),
            ownership: Ownership::Private,
            established_on: None,
            credit_status: CreditStatus::Good,
        }
    }

    #[test]
    fn profile_fields_become_facts() {
        let figures = YearFigures {
            year: 2025,
            revenue: Some(Money::from_yuan(1_000)),
            employees: Some(12),
            ..YearFigures::default()
        };
        let f = Facts::from_profile(&identity(), &[], &[figures]);
        assert_eq!(f.subject_id, "91110000600037341L");
        assert_eq!(
            f.get("revenue", Some(2025)),
            Some(&Value::Money(Money::from_yuan(1_000)))
        );
        assert_eq!(f.get("employees", Some(2025)), Some(&Value::Integer(12)));
        assert_eq!(f.get("rd_expense", Some(2025)), None);
        assert_eq!(f.get("established_on", None), None);
        assert_eq!(f.qualifications(), Some(&[][..]));
    }

    #[test]
    fn checked_setting_follows_the_schema() {
        let schema = Schema::standard();
        let mut f = Facts::new("x", "x", Entity::Enterprise);
        assert!(
            f.set_checked(&schema, "revenue", Some(2025), Value::Money(Money::ZERO))
                .is_ok()
        );
        assert!(
            f.set_checked(&schema, "revenue", None, Value::Money(Money::ZERO))
                .is_err()
        );
        assert!(
            f.set_checked(&schema, "revenue", Some(2025), Value::Integer(1))
                .is_err()
        );
        assert!(
            f.set_checked(&schema, "nope", None, Value::Integer(1))
                .is_err()
        );
        assert!(
            f.set_checked(&schema, "size_class", Some(2025), Value::Integer(1))
                .is_err()
        );
    }

    #[test]
    fn values_parse_by_type() {
        assert_eq!(
            Value::parse(AttrType::Money, "1,234.50"),
            Ok(Value::Money(Money::from_fen(123_450)))
        );
        assert_eq!(
            Value::parse(AttrType::Decimal, "3%"),
            Ok(Value::Decimal(300))
        );
        assert_eq!(
            Value::parse(AttrType::IntegerList, "12, 36 40"),
            Ok(Value::IntegerList(vec![12, 36, 40]))
        );
        assert_eq!(Value::parse(AttrType::Bool, "是"), Ok(Value::Bool(true)));
        assert!(Value::parse(AttrType::Ownership, "个体").is_err());
        assert!(Value::parse(AttrType::SizeClass, "small").is_err());
    }

    #[test]
    fn dates_round_trip_through_days() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        assert_eq!(days_date(date_days(d)), Some(d));
    }
}
