//! One commitment item's fields as the forms show them — from a stored item, from the standard
//! template, or as typed when the form comes back with errors — and their reading into the
//! use case's `ItemInput`. The new-agreement form repeats them per row (`items[3].content`);
//! the project page's add and edit forms use them unprefixed.

use crate::{FROM_SIGNING, ItemInput, ItemView};
use qinqing_domain::commitment::{ItemType, OffsetUnit, Side, TemplateNode};
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::Errors;

/// The fields a row holds (after its prefix).
const FIELDS: [&str; 13] = [
    "key",
    "side",
    "item_type",
    "clause",
    "content",
    "responsible_unit",
    "responsible_person",
    "after",
    "offset",
    "offset_unit",
    "due_on",
    "replanned_on",
    "evidence",
];

pub struct ItemForm {
    /// "" on the project page; "items[3]." on the new-agreement form.
    pub prefix: String,
    /// A template row: its key is fixed and it may be left out of the agreement.
    pub template: bool,
    /// The template node's name, for the row's heading.
    pub title: &'static str,
    pub include: bool,
    /// By field name without the prefix: the value shown.
    values: Vec<(&'static str, String)>,
    /// By field name without the prefix.
    pub errors: Errors,
}

impl ItemForm {
    fn new(prefix: String, template: bool, value: impl Fn(&str) -> String) -> ItemForm {
        ItemForm {
            prefix,
            template,
            title: "",
            include: true,
            values: FIELDS.iter().map(|&f| (f, value(f))).collect(),
            errors: Errors::new(),
        }
    }

    /// The form of a stored item, for its edit form.
    pub fn of_item(i: &ItemView) -> ItemForm {
        ItemForm::new(String::new(), false, |f| match f {
            "key" => i.key.clone(),
            "side" => i.side.as_str().to_string(),
            "item_type" => i.item_type.as_str().to_string(),
            "clause" => i.clause.clone(),
            "content" => i.content.clone(),
            "responsible_unit" => i.responsible_unit.clone(),
            "responsible_person" => i.responsible_person.clone(),
            "after" => i.after.clone().unwrap_or_default(),
            "offset" => i.offset.map(|o| o.to_string()).unwrap_or_default(),
            "offset_unit" => i.offset_unit.unwrap_or("months").to_string(),
            "due_on" => i.due_on.map(|d| d.to_string()).unwrap_or_default(),
            "replanned_on" => i.replanned_on.map(|d| d.to_string()).unwrap_or_default(),
            "evidence" => i.evidence.clone(),
            _ => String::new(),
        })
    }

    /// An empty form (a new item), due some months after signing unless changed.
    pub fn blank(prefix: String) -> ItemForm {
        ItemForm::new(prefix, false, |f| match f {
            "side" => Side::Enterprise.as_str().to_string(),
            "item_type" => ItemType::Other.as_str().to_string(),
            "after" => FROM_SIGNING.to_string(),
            "offset_unit" => OffsetUnit::Months.as_str().to_string(),
            _ => String::new(),
        })
    }

    /// A row of the standard chain; responsible units left blank default to the investor
    /// (enterprise side) or the recording unit (government side).
    pub fn of_template(prefix: String, n: &TemplateNode) -> ItemForm {
        let mut form = ItemForm::new(prefix, true, |f| match f {
            "key" => n.key.to_string(),
            "side" => n.side.as_str().to_string(),
            "item_type" => n.item_type().as_str().to_string(),
            "content" => n.title.to_string(),
            "after" => n.after.unwrap_or(FROM_SIGNING).to_string(),
            "offset" => n.offset.amount.to_string(),
            "offset_unit" => n.offset.unit.as_str().to_string(),
            "evidence" => n.evidence.to_string(),
            _ => String::new(),
        });
        form.title = n.title;
        form
    }

    /// The form as it was typed, with the errors of its fields (error keys carry the prefix).
    pub fn typed(mut self, pairs: &Pairs, errors: &Errors) -> ItemForm {
        for (name, value) in &mut self.values {
            *value = field(pairs, &format!("{}{name}", self.prefix)).to_string();
        }
        self.include = !self.template || !field(pairs, &self.name("include")).is_empty();
        self.errors = errors
            .iter()
            .filter_map(|(k, m)| Some((k.strip_prefix(&self.prefix)?.to_string(), m.clone())))
            .filter(|(k, _)| !k.contains('.'))
            .collect();
        self
    }

    /// The shown value of a field.
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(f, _)| *f == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A field's form name, with the prefix.
    pub fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub fn error(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }

    /// Whether the row holds anything (a blank extra row of the new-agreement form does not).
    pub fn is_filled(&self) -> bool {
        !self.value("key").trim().is_empty() || !self.value("content").trim().is_empty()
    }

    /// The item as the use case takes it: a fixed date when no item (or signing) is chosen to
    /// count from; an offset that is not a whole number is left out, so the use case names it.
    pub fn input(&self) -> ItemInput {
        let given =
            |name: &str| Some(self.value(name).trim().to_string()).filter(|v| !v.is_empty());
        let after = given("after");
        ItemInput {
            key: self.value("key").trim().to_string(),
            side: self.value("side").to_string(),
            item_type: given("item_type"),
            clause: self.value("clause").to_string(),
            content: self.value("content").to_string(),
            responsible_org_id: None,
            responsible_unit: self.value("responsible_unit").to_string(),
            responsible_person: self.value("responsible_person").to_string(),
            due_on: if after.is_none() {
                Some(self.value("due_on").to_string())
            } else {
                None
            },
            offset: after
                .as_ref()
                .and_then(|_| self.value("offset").trim().parse().ok()),
            offset_unit: after.as_ref().and_then(|_| given("offset_unit")),
            after,
            replanned_on: given("replanned_on"),
            evidence: self.value("evidence").to_string(),
        }
    }

    pub fn selected(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }
}

/// The options of the form's select boxes.
pub struct ItemChoices {
    /// (key, label) of the items an item may count from, `signing` first.
    pub afters: Vec<(String, String)>,
}

impl ItemChoices {
    pub fn new(items: impl Iterator<Item = (String, String)>) -> ItemChoices {
        let mut afters = vec![(FROM_SIGNING.to_string(), "签约之日".to_string())];
        afters.extend(items);
        ItemChoices { afters }
    }

    pub fn sides(&self) -> [(&'static str, &'static str); 2] {
        [Side::Government, Side::Enterprise].map(|s| (s.as_str(), s.label_zh()))
    }

    pub fn types(&self) -> Vec<(&'static str, &'static str)> {
        ItemType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label_zh()))
            .collect()
    }

    pub fn units(&self) -> [(&'static str, &'static str); 3] {
        [
            OffsetUnit::Months,
            OffsetUnit::CalendarDays,
            OffsetUnit::WorkingDays,
        ]
        .map(|u| (u.as_str(), u.label_zh()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Pairs {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_row_counted_from_another_item_sends_its_offset_and_no_date() {
        let typed = pairs(&[
            ("items[2].key", "design"),
            ("items[2].side", "enterprise"),
            ("items[2].content", "方案设计"),
            ("items[2].after", "land_delivery"),
            ("items[2].offset", "2"),
            ("items[2].offset_unit", "months"),
            ("items[2].due_on", "2027-01-01"),
        ]);
        let form = ItemForm::blank("items[2].".into()).typed(&typed, &Errors::new());
        let input = form.input();
        assert_eq!(input.after.as_deref(), Some("land_delivery"));
        assert_eq!(input.offset, Some(2));
        assert_eq!(input.offset_unit.as_deref(), Some("months"));
        assert_eq!(
            input.due_on, None,
            "the date field is ignored while counting from an item"
        );
    }

    #[test]
    fn a_fixed_date_row_sends_its_date_and_a_bad_offset_is_left_for_the_use_case_to_name() {
        let typed = pairs(&[("key", "x"), ("after", ""), ("due_on", "2027-01-01")]);
        let input = ItemForm::blank(String::new())
            .typed(&typed, &Errors::new())
            .input();
        assert_eq!(
            (input.after, input.due_on.as_deref()),
            (None, Some("2027-01-01"))
        );
        let typed = pairs(&[("key", "x"), ("after", "signing"), ("offset", "三")]);
        let input = ItemForm::blank(String::new())
            .typed(&typed, &Errors::new())
            .input();
        assert_eq!(input.after.as_deref(), Some(FROM_SIGNING));
        assert_eq!(input.offset, None);
    }

    #[test]
    fn a_template_row_keeps_its_typed_values_and_only_its_own_errors() {
        let node = &qinqing_domain::commitment::STANDARD_TEMPLATE[1];
        let typed = pairs(&[
            ("items[1].key", node.key),
            ("items[1].content", "交付 80 亩"),
        ]);
        let errors = Errors::from([
            ("items[1].after".to_string(), "前置事项不存在".to_string()),
            ("items[11].after".to_string(), "另一行".to_string()),
            ("project_name".to_string(), "请填写".to_string()),
        ]);
        let form = ItemForm::of_template("items[1].".into(), node).typed(&typed, &errors);
        assert_eq!(form.value("content"), "交付 80 亩");
        assert!(!form.include, "an unticked template row is left out");
        assert_eq!(form.title, node.title);
        assert_eq!(
            form.error("after").map(String::as_str),
            Some("前置事项不存在")
        );
        assert_eq!(form.errors.len(), 1, "{:?}", form.errors);
    }
}
