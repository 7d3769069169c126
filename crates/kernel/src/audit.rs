//! Appending audit entries on behalf of a principal.

use crate::store::{Conn, audit};
use crate::{AppResult, Principal, RequestMeta};
use qinqing_domain::CreditCode;

pub struct Change<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub on_behalf_of: Option<&'a CreditCode>,
    pub detail: serde_json::Value,
}

/// Records `change` by `who`; call inside the transaction that makes the change.
pub async fn record(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    change: Change<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    // Acting for an enterprise needs its authorisation in force: checked here, where every
    // change made on an enterprise's behalf passes, inside the change's transaction.
    if let Some(code) = change.on_behalf_of {
        crate::authorisations::check_acting(conn, who, code, change.action, now).await?;
    }
    let actor = who.audit_actor(change.on_behalf_of);
    let entry = audit::NewEntry {
        actor: actor.as_ref(),
        action: change.action,
        object_type: change.object_type,
        object_id: &change.object_id,
        request_id: meta.request_id.as_deref(),
        detail: change.detail,
    };
    Ok(audit::append(conn, entry, now).await?)
}
