//! Where scenes plug into the kernel's use cases. A scene (惠企政策兑现, 诉求必应, 政企合同双兑现,
//! …) is one crate that implements [`Scene`] here and [`crate::web::WebScene`] for its routes
//! and pages; the binary lists the scenes once and hands them to [`crate::App::open`] and the
//! web layer at start-up, and the kernel calls them at the seams below. The kernel never names a
//! scene: everything it needs to know about one comes through these two traits.

use crate::flags::{Flag, FlagRule, FlagScope};
use crate::notifications::Template;
use crate::scorecard::{Count, ScoreScope};
use crate::store::enterprises::Enterprise;
use crate::store::{Conn, Tx};
use crate::{App, AppResult, Principal};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use qinqing_domain::CreditCode;
use qinqing_domain::deadline::WarningRule;
use qinqing_rules::Facts;

/// A kind of time limit a scene starts, as administrators see it on the warning rules page.
#[derive(Debug, Clone)]
pub struct ClockKind {
    /// The kind stored on the deadline (`request.response`, `commitment.land_delivery`).
    pub kind: String,
    /// What the clock measures, in Chinese.
    pub label: String,
    /// The platform's own warning rule for the kind, where the default does not fit (a 24-hour
    /// clock cannot be reminded a day before it falls due). An administrator's rule wins.
    pub builtin_rule: Option<WarningRule>,
}

/// A kind of business an enterprise may authorise someone to do for it (亲情代办), declared by
/// the kernel and by the scenes like their message templates. Acting for an enterprise that is
/// not one's own is allowed only under an authorisation in force that names the matter covering
/// the audit action (see [`crate::authorisations::check_acting`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matter {
    /// The key stored on an authorisation (`policy_applications`).
    pub key: &'static str,
    /// What the matter covers, in Chinese, as the enterprise chooses it.
    pub label: &'static str,
    /// The audit actions of the matter, by prefix (`application.`).
    pub actions: &'static [&'static str],
}

/// How much of its demo a scene loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoPart {
    /// What a small demo district needs for its pages to show every state (tests use it):
    /// loaded right after the organisations, enterprises and accounts, scene after scene.
    Base,
    /// The history that fills the full demo (`serve --demo`): months of cases played through
    /// the use cases, loaded after every scene's base.
    History,
}

/// One scene of the platform. Every method has a default that adds nothing, so a scene
/// implements only the seams it uses.
#[async_trait]
pub trait Scene: Send + Sync + 'static {
    /// The scene's short English name, for logs and links.
    fn name(&self) -> &'static str;

    /// The scene's name as people read it (惠企政策, 诉求必应), for the supervision cockpit.
    fn label(&self) -> &'static str;

    /// The kinds of clock the scene starts.
    fn clocks(&self) -> Vec<ClockKind> {
        Vec::new()
    }

    /// The kinds of message the scene sends, so inboxes can label them.
    fn message_templates(&self) -> Vec<Template> {
        Vec::new()
    }

    /// The Chinese names of the audit actions the scene records, for the trail.
    fn action_labels(&self) -> &'static [crate::audit::ActionLabel] {
        &[]
    }

    /// The matters an enterprise may authorise someone to act on in this scene.
    fn matters(&self) -> Vec<Matter> {
        Vec::new()
    }

    /// Facts the scene knows about enterprises, for the rules engine (a breached commitment
    /// makes an enterprise ineligible for policies that require none): `facts[i]` are
    /// `enterprises[i]`'s. Many at once, since long work reads the register a chunk at a time.
    async fn add_enterprise_facts(
        &self,
        _conn: &mut Conn,
        _enterprises: &[Enterprise],
        _facts: &mut [Facts],
    ) -> AppResult<()> {
        Ok(())
    }

    /// Whether `who` may read the trail of an object of a type the scene owns: `None` when the
    /// type is not the scene's, else whether the object is visible to `who`.
    async fn sees_object(
        &self,
        _conn: &mut Conn,
        _who: &Principal,
        _object_type: &str,
        _object_id: &str,
    ) -> Option<AppResult<bool>> {
        None
    }

    /// The page of an object of a type the scene owns (`/applications/SB…`), for the messages
    /// about it (a clock's warnings link there): `None` when the type is not the scene's.
    async fn object_page(
        &self,
        _conn: &mut Conn,
        _object_type: &str,
        _object_id: &str,
    ) -> Option<AppResult<String>> {
        None
    }

    /// The 数智监督 rules the scene raises flags by (see [`crate::flags`]).
    fn flag_rules(&self) -> &'static [FlagRule] {
        &[]
    }

    /// What the scene's rules flag in the scope, for 纪检 to look at; never acted on.
    async fn flags(
        &self,
        _app: &App,
        _conn: &mut Conn,
        _scope: &FlagScope<'_>,
    ) -> AppResult<Vec<Flag>> {
        Ok(Vec::new())
    }

    /// The scene's counts for 部门评分 over the scope (ratings it collects, commitments it
    /// holds), read with [`crate::store::scorecard::read_counts`]; the kernel counts the clocks.
    async fn scorecard_counts(
        &self,
        _conn: &mut Conn,
        _scope: &ScoreScope<'_>,
    ) -> AppResult<Vec<Count>> {
        Ok(Vec::new())
    }

    /// Runs inside the transaction that changed an enterprise's profile (the change may make it
    /// eligible for a published policy).
    async fn profile_changed(
        &self,
        _tx: &mut Tx,
        _app: &App,
        _enterprise: &CreditCode,
        _now: DateTime<Utc>,
    ) -> AppResult<()> {
        Ok(())
    }

    /// The scene's share of the server's background round; each step must be safe to run in
    /// several processes at once. Failures are logged by the scene and do not stop the round.
    async fn background(&self, _app: &App) {}

    /// Called once as the server starts: takes up the scene's long work that a stopped process
    /// left unfinished (a 免申即享 run cut off by a crash), in the background.
    async fn resume(&self, _app: &App) {}

    /// Loads the scene's part of the demo district.
    async fn load_demo(&self, _app: &App, _part: DemoPart) -> AppResult<()> {
        Ok(())
    }
}

/// Whether a visibility check let `who` see the object: a refusal or a missing object is a
/// plain no, any other failure stays a failure. For [`Scene::sees_object`].
pub fn seen<T>(check: AppResult<T>) -> AppResult<bool> {
    match check {
        Ok(_) => Ok(true),
        Err(crate::AppError::Forbidden(_) | crate::AppError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Logs the outcome of one background step that counts what it did.
pub fn log_background(outcome: AppResult<usize>, done: &str, failed: &str) {
    match outcome {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "{done}"),
        Err(e) => tracing::error!(error = %e, "{failed}"),
    }
}
