//! The form-based policy builder's use cases. They only read: a definition the builder
//! produces is saved, validated, versioned and audited by the library's `create`/`update`.

use qinqing_kernel::{App, AppError, AppResult, Principal};
use qinqing_rules::builder::{self, Form, GRANTS, OpKind, QUALIFICATION};
use qinqing_rules::{Entity, Schema};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The conversion itself (definition ↔ form), pure, for the pages that show the form.
pub use qinqing_rules::builder as form;

/// An attribute the builder offers for a condition or a reward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AttributeChoice {
    /// The definition's name ("revenue"), "@qualification" for 资质, "@grants" for 首次.
    pub name: String,
    pub label: String,
    /// The attribute type ("money", "region", …; "qualification", "grants").
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub per_year: bool,
    /// "enterprise" or "person".
    pub entity: &'static str,
    /// The kinds of operator it takes (ordered, set, code, bool, list, ratio, year_on_year,
    /// qualification, grants).
    pub kinds: Vec<&'static str>,
}

/// A definition as the builder shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuilderView {
    /// The form, absent when the definition is more than the builder can show.
    #[schema(value_type = Option<Object>)]
    pub form: Option<Form>,
    /// Why there is no form ("此定义较复杂,请在高级模式中编辑…").
    pub unsupported: Option<String>,
    pub attributes: Vec<AttributeChoice>,
}

/// A form to turn into a definition, written over `base` (the definition it was read from).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BuildInput {
    #[schema(value_type = Object)]
    pub form: Form,
    pub base: String,
}

/// Only the staff who write policies use the builder.
fn may_build(who: &Principal) -> AppResult<()> {
    if who.role.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("只有工作人员可以编写政策"))
    }
}

async fn schema(app: &App) -> AppResult<std::sync::Arc<Schema>> {
    let mut conn = app.db.conn().await?;
    crate::schema(&mut conn).await
}

/// The attribute catalogue (standard fields and `POLICY_ATTRIBUTES`), qualifications first.
pub async fn attributes(app: &App, who: &Principal) -> AppResult<Vec<AttributeChoice>> {
    may_build(who)?;
    let schema = schema(app).await?;
    let qualification = AttributeChoice {
        name: QUALIFICATION.into(),
        label: "资质(认定)".into(),
        ty: "qualification",
        per_year: false,
        entity: Entity::Enterprise.as_str(),
        kinds: vec![OpKind::Qualification.as_str()],
    };
    let rest = schema.attrs().iter().map(|a| AttributeChoice {
        name: a.name.clone(),
        label: a.label.clone(),
        ty: a.ty.as_str(),
        per_year: a.per_year,
        entity: a.entity.as_str(),
        kinds: OpKind::of_type(a.ty, a.per_year)
            .iter()
            .map(|k| k.as_str())
            .collect(),
    });
    let grants = AttributeChoice {
        name: GRANTS.into(),
        label: "获奖记录(首次)".into(),
        ty: "grants",
        per_year: false,
        entity: Entity::Enterprise.as_str(),
        kinds: vec![OpKind::Grants.as_str()],
    };
    Ok([qualification, grants].into_iter().chain(rest).collect())
}

/// The builder's view of `definition`.
pub async fn view(app: &App, who: &Principal, definition: &str) -> AppResult<BuilderView> {
    let attributes = attributes(app, who).await?;
    let (form, unsupported) = match builder::read(definition) {
        Ok(f) => (Some(f), None),
        Err(why) => (None, Some(why.to_string())),
    };
    Ok(BuilderView {
        form,
        unsupported,
        attributes,
    })
}

/// The definition of a form, checked as the library will check it on saving; the form's own
/// mistakes first, by the builder's labels.
pub async fn definition(app: &App, who: &Principal, input: &BuildInput) -> AppResult<String> {
    may_build(who)?;
    let problems = builder::problems(&input.form);
    if !problems.is_empty() {
        return Err(AppError::invalid("form", problems.join(";")));
    }
    let definition = builder::write(&input.form, &input.base);
    check(app, who, &definition).await?;
    Ok(definition)
}

/// Checks a definition file someone brings (an upload) without keeping it.
pub async fn check(app: &App, who: &Principal, definition: &str) -> AppResult<()> {
    may_build(who)?;
    let schema = schema(app).await?;
    crate::parse_definition(&schema, definition, "definition").map(|_| ())
}
