//! Appending audit entries on behalf of a principal.

use crate::store::{Conn, audit};
use crate::{AppResult, Principal, RequestMeta};
use qinqing_domain::CreditCode;

/// An audit action as the trail names it: the code recorded (`user.created`) and what people
/// read (开设账户). The kernel's are here; each scene declares its own ([`crate::Scene::action_labels`]).
pub type ActionLabel = (&'static str, &'static str);

/// The actions the kernel records.
pub const KERNEL_ACTIONS: &[ActionLabel] = &[
    ("enterprise.registered", "企业注册"),
    ("enterprise.pledge_accepted", "签署诚信承诺书"),
    ("enterprise.profile_updated", "修改企业画像"),
    ("enterprise.credit_code", "更正统一社会信用代码"),
    ("enterprise.imported", "批量导入企业数据"),
    ("enterprise.steward_assigned", "指派亲清管家"),
    ("enterprise.steward_unassigned", "取消指派亲清管家"),
    ("enterprise.authorisation_granted", "授权代办"),
    ("enterprise.authorisation_revoked", "撤销代办授权"),
    ("auth.login", "登录"),
    ("auth.login_failed", "登录失败"),
    ("auth.password_changed", "修改密码"),
    ("auth.oidc_link_proposed", "申请绑定统一身份认证"),
    ("auth.oidc_linked", "绑定统一身份认证"),
    ("auth.oidc_unlinked", "解除统一身份认证绑定"),
    ("user.created", "开设账户"),
    ("user.role_changed", "变更账户角色"),
    ("user.deactivated", "停用账户"),
    ("user.password_reset", "重置密码"),
    ("user.steward_assigned", "指派亲清管家"),
    ("organisation.created", "新建机构"),
    ("organisation.renamed", "机构更名"),
    ("organisation.moved", "调整上级机构"),
    ("organisation.deactivated", "停用机构"),
    ("calendar.replaced", "修改工作日历"),
    ("deadline.rules_replaced", "修改预警规则"),
    ("deadline.warning_fired", "发出预警"),
    ("deadline.warning_acted", "处理预警"),
    ("deadline.paused", "暂停计时"),
    ("deadline.resumed", "恢复计时"),
    ("deadline.stopped", "办结"),
    ("supervision.order_issued", "发出督办"),
    ("supervision.order_answered", "报送督办结果"),
    ("supervision.order_closed", "督办办结"),
    ("supervision.order_returned", "退回督办结果"),
    ("scorecard.weights_changed", "修改部门评分权重"),
    ("demo.organisations_created", "建立演示区县机构"),
];

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
    record_many(conn, who, meta, vec![change], now).await
}

/// Records `changes` by `who` in their order, in a few statements however many there are (a
/// bulk import records one per row); the first one's sequence number. Call inside the
/// transaction that makes the changes.
pub async fn record_many(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    mut changes: Vec<Change<'_>>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    // Acting for an enterprise needs its authorisation in force: checked here, where every
    // change made on an enterprise's behalf passes, inside the change's transaction.
    for change in &changes {
        if let Some(code) = change.on_behalf_of {
            crate::authorisations::check_acting(conn, who, code, change.action, now).await?;
        }
    }
    let actors: Vec<_> = changes
        .iter()
        .map(|c| who.audit_actor(c.on_behalf_of))
        .collect();
    let entries = changes
        .iter_mut()
        .zip(&actors)
        .map(|(change, actor)| audit::NewEntry {
            actor: actor.as_ref(),
            action: change.action,
            object_type: change.object_type,
            object_id: &change.object_id,
            request_id: meta.request_id.as_deref(),
            detail: change.detail.take(),
        })
        .collect();
    Ok(audit::append_many(conn, entries, now).await?)
}
