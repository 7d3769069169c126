//! The district's offices that decide the catalogue's matters: the catalogue names a matter's
//! department as districts name it (自然资源局), and the district's organisation of that name
//! decides.

use qinqing_domain::org::OrgKind;
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{AppError, AppResult};

/// The active department or service centre named `department`.
pub(crate) async fn deciding_org(conn: &mut Conn, department: &str) -> AppResult<(i64, String)> {
    orgs::list_non_enterprise(conn)
        .await?
        .into_iter()
        .find(|o| {
            o.active
                && o.name == department
                && matches!(o.kind, OrgKind::Department | OrgKind::ServiceCentre)
        })
        .map(|o| (o.id, o.name))
        .ok_or_else(|| AppError::Conflict {
            field: Some("matter".into()),
            message: format!("本区尚未设置“{department}”,这一事项暂时无法申报,请联系平台管理员"),
        })
}
