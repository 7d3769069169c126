//! An agreement's project page as the caller may use it.

use crate::access::{manages, visible};
use crate::model::{AgreementView, OBJECT, view};
use crate::timeline::schedule;
use crate::{document, steps};
use qinqing_kernel::attachments::{self, AttachmentView};
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::{App, AppResult, Principal};

/// What the caller may do with one item on the project page.
#[derive(Debug, Clone)]
pub struct ItemRights {
    pub steps: Vec<steps::Step>,
    /// Rewrite the item (content, responsibility, due rule, 改期).
    pub edit: bool,
    /// Add evidence files (佐证材料).
    pub add_evidence: bool,
    /// The item's evidence files.
    pub evidence: Vec<AttachmentView>,
}

/// An agreement as its project page shows it to the caller: the timeline, the document, each
/// item's evidence and the steps the caller may take.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub agreement: AgreementView,
    /// The caller itemises and manages the agreement (adds items, links the enterprise,
    /// uploads the document).
    pub manages: bool,
    pub documents: Vec<AttachmentView>,
    /// By item key.
    pub rights: std::collections::HashMap<String, ItemRights>,
}

pub async fn workspace(app: &App, who: &Principal, id: i64) -> AppResult<Workspace> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let (a, rows) = visible(&mut conn, who, id).await?;
    let agreement = view(app, &a, &rows, now)?;
    let scheduled = schedule(app, &rows, now)?;
    let mut rights = std::collections::HashMap::new();
    for (row, s) in rows.iter().zip(&scheduled) {
        let status = s.status;
        let object_id = row.id.to_string();
        let owner = Owner {
            kind: OBJECT,
            id: &object_id,
        };
        let entry = ItemRights {
            steps: steps::allowed(who, &a, row, status),
            edit: steps::may_edit(who, &a, row),
            add_evidence: steps::may_add_evidence(who, &a, row),
            evidence: attachments::listed(&mut conn, owner).await?,
        };
        rights.insert(row.key.clone(), entry);
    }
    let documents = document::listed(&mut conn, id).await?;
    Ok(Workspace {
        manages: manages(who, &a),
        agreement,
        documents,
        rights,
    })
}
