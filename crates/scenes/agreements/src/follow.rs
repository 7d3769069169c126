//! The background work that moves the clocks of items whose upstream item is late.

use crate::clocks::sync_clocks;
use crate::store;
use qinqing_domain::deadline::local_date;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::StoreError;
use qinqing_kernel::{App, AppResult, Principal, RequestMeta};

/// Makes the clocks follow the passing days: while an upstream item is late its dependants'
/// dates move a day each day, so once per agreement and Beijing day their clocks are moved and
/// the people answering for them told. Returns how many items moved.
pub async fn follow_slips(app: &App) -> AppResult<usize> {
    let now = app.now();
    let agreements = {
        let mut conn = app.db.conn().await?;
        store::agreements::list(&mut conn).await?
    };
    let mut moved_items = 0;
    for a in agreements {
        let mut tx = app.db.begin().await?;
        if !store::agreements::claim_daily_sync(&mut tx, a.id, local_date(now)).await? {
            continue;
        }
        let moved = sync_clocks(&mut tx, app, &a, now).await?;
        if !moved.is_empty() {
            moved_items += moved.len();
            let change = Change {
                action: "commitment.moved",
                object_type: "agreement",
                object_id: a.id.to_string(),
                on_behalf_of: None,
                detail: serde_json::json!({ "moved": moved }),
            };
            let system = Principal::system();
            audit::record(&mut tx, &system, &RequestMeta::default(), change, now).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(moved_items)
}
