//! 数智监督 (issue 18): rules that point 纪检 at what a person should look at — an approval signed
//! late at night, a bad rating nobody followed up, someone acting for unusually many enterprises
//! — each flag with the reason it was raised and the people it names. Flags are read, never
//! acted on: the platform changes nothing because of one, and a flag is not a finding.
//!
//! The kernel raises the flags of what it keeps itself (the trail); each scene raises its own
//! through [`crate::Scene::flags`], so a new scene adds its rules without the kernel naming it.

use crate::store::Conn;
use crate::store::audit;
use crate::{App, AppError, AppResult, Principal, cockpit};
use chrono::{DateTime, Duration, Utc};
use qinqing_domain::org::Role;
use serde::Serialize;
use utoipa::ToSchema;

/// How far back the rules look.
pub const LOOK_BACK_DAYS: i64 = 90;
/// At most this many flags of one rule are listed, the newest first.
pub const PER_RULE: usize = 50;
/// Someone who acted for this many enterprises within [`ACTING_DAYS`] is flagged: a 亲清管家
/// looks after a handful, and an agent holding mandates from dozens is a broker (黄牛).
const ACTING_MANY: i64 = 20;
const ACTING_DAYS: i64 = 30;

/// A rule that raises flags, as 纪检 reads it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct FlagRule {
    /// Stable key of the rule (`decision_off_hours`), for the API.
    pub key: &'static str,
    /// 规则名称.
    pub label: &'static str,
    /// What it looks at and why.
    pub looks_at: &'static str,
}

const ACTING_FOR_MANY: FlagRule = FlagRule {
    key: "acting_for_many",
    label: "代办企业异常多",
    looks_at: "同一人近 30 天代 20 家以上企业办理业务(亲清管家、受托代办人)。",
};

/// One thing a person should look at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Flag {
    /// The key of the rule that raised it.
    pub rule: &'static str,
    /// The item (an application, a rating, a person).
    pub label: String,
    /// Why it was raised, in a sentence.
    pub reason: String,
    /// The people it names (the responsible person, the one who acted).
    pub persons: Vec<String>,
    /// The department answering for the item, where one does.
    pub department: Option<String>,
    /// When what it points at happened.
    pub at: DateTime<Utc>,
    /// The item's page, where it has one.
    pub link: Option<String>,
    /// The item's trail, where it has one of its own.
    pub trail: Option<String>,
}

/// What the rules look at: the caller's region and the period.
pub struct FlagScope<'a> {
    /// A division code prefix; empty for the whole platform.
    pub region_prefix: &'a str,
    pub since: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// The flags of one rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagGroup {
    pub rule: FlagRule,
    /// How many flags the rule raised (at most [`PER_RULE`] are listed).
    pub total: usize,
    pub flags: Vec<Flag>,
}

/// Every rule with what it raised, over the caller's scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Flags {
    pub groups: Vec<FlagGroup>,
    /// The start of the period looked at.
    pub since: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
}

/// Whether a role reads the flags: 纪检 and the administrator.
pub fn may_read(role: Role) -> bool {
    matches!(role, Role::SupervisorDiscipline | Role::Admin)
}

/// The flags `who` may read, rule by rule (the kernel's first, then each scene's).
pub async fn flags(app: &App, who: &Principal) -> AppResult<Flags> {
    if !may_read(who.role) {
        return Err(AppError::forbidden("只有纪检监察和管理员可以查看数智监督"));
    }
    let viewer = cockpit::viewer(who)?;
    let now = app.now();
    let scope = FlagScope {
        region_prefix: viewer.region_prefix.as_deref().unwrap_or(""),
        since: now - Duration::days(LOOK_BACK_DAYS),
        now,
    };
    let mut conn = app.db.conn().await?;
    let mut rules = vec![ACTING_FOR_MANY];
    let mut raised = acting_for_many(&mut conn, &scope).await?;
    for scene in app.scenes() {
        rules.extend_from_slice(scene.flag_rules());
        raised.extend(scene.flags(app, &mut conn, &scope).await?);
    }
    Ok(Flags {
        groups: grouped(&rules, raised),
        since: scope.since,
        as_of: now,
    })
}

/// Each rule with its flags, the newest first, cut to [`PER_RULE`].
fn grouped(rules: &[FlagRule], mut raised: Vec<Flag>) -> Vec<FlagGroup> {
    raised.sort_by_key(|f| std::cmp::Reverse(f.at));
    rules
        .iter()
        .map(|rule| {
            let flags: Vec<Flag> = raised
                .iter()
                .filter(|f| f.rule == rule.key)
                .cloned()
                .collect();
            FlagGroup {
                rule: *rule,
                total: flags.len(),
                flags: flags.into_iter().take(PER_RULE).collect(),
            }
        })
        .collect()
}

/// People who acted for unusually many enterprises of the scope in the last [`ACTING_DAYS`].
async fn acting_for_many(conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let since = scope.now - Duration::days(ACTING_DAYS);
    let acting = audit::acting_for_many(conn, since, scope.region_prefix, ACTING_MANY).await?;
    Ok(acting
        .into_iter()
        .map(|a| Flag {
            rule: ACTING_FOR_MANY.key,
            label: format!("{}({})", a.display_name, a.org_name),
            reason: format!(
                "近 {ACTING_DAYS} 天代 {} 家企业办理了 {} 项业务,超过提示线 {ACTING_MANY} 家",
                a.enterprises, a.entries
            ),
            persons: vec![a.display_name],
            department: Some(a.org_name),
            at: a.last_at,
            link: None,
            trail: None,
        })
        .collect())
}
