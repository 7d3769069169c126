//! What the scene writes to the audit trail: one change to one object, by someone (or by the
//! platform, for the public and the experts, who hold no account), for one request.

use crate::store::cases::CaseRow;
use crate::store::projects::ProjectRow;
use chrono::{DateTime, Utc};
use qinqing_domain::CreditCode;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::principal::on_behalf;
use qinqing_kernel::store::Conn;
use qinqing_kernel::{AppResult, Principal, RequestMeta};

/// Records `action` on the object, with its detail.
pub(crate) async fn record(
    conn: &mut Conn,
    (who, meta): (&Principal, &RequestMeta),
    (object_type, object_id): (&str, &str),
    (action, detail): (&str, serde_json::Value),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let change = Change {
        action,
        object_type,
        object_id: object_id.to_string(),
        on_behalf_of: None,
        detail,
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// Records `action` the enterprise's side took on its project's object: a steward's change is
/// recorded as made on the enterprise's behalf, and only under its authorisation for the matter.
pub(crate) async fn for_enterprise(
    conn: &mut Conn,
    (who, meta): (&Principal, &RequestMeta),
    (project, object_type, object_id): (&ProjectRow, &str, &str),
    (action, detail): (&str, serde_json::Value),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let code =
        qinqing_kernel::store::stored("credit_code", CreditCode::parse(&project.credit_code))?;
    let change = Change {
        action,
        object_type,
        object_id: object_id.to_string(),
        on_behalf_of: on_behalf(who, &code),
        detail,
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// Records `action` on a case: its trail is where staff read what happened to it.
pub(crate) async fn on_case(
    conn: &mut Conn,
    by: (&Principal, &RequestMeta),
    case: &CaseRow,
    change: (&str, serde_json::Value),
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        conn,
        by,
        (crate::case::OBJECT, &case.receipt_no),
        change,
        now,
    )
    .await
}
