//! Qinqing's platform kernel: what every scene needs and no scene. Its layers, each importing
//! only from those below it: `store` (the database, its migrations and the kernel's SQL), the
//! use cases at the crate root (principals and sessions, organisations and accounts, enterprise
//! profiles, the audit trail, time limits and warnings, notifications, attachments, the calendar),
//! and `web` (the session extractor, error answers, forms, uploads, page layout).
//!
//! Every operation that changes state checks the caller's role and scope, validates input into
//! domain types, changes the store and appends the audit entry in the same transaction. The web
//! layer and the command line are thin shells over these functions, so a refusal proven here
//! holds for every way in.

pub mod attachments;
pub mod audit_log;
pub mod auth;
pub mod authorisations;
pub mod calendar;
pub mod clock;
pub mod cockpit;
pub mod deadlines;
pub mod demo;
pub mod digest;
pub mod enterprises;
pub mod error;
pub mod flags;
pub mod input;
pub mod listing;
pub mod login_limits;
pub mod monthly_report;
pub mod notifications;
pub mod oidc;
pub mod organisations;
pub mod principal;
pub mod receipts;
pub mod scene;
pub mod scorecard;
pub mod setup;
pub mod sms;
pub mod status;
pub mod stewards;
pub mod store;
pub mod supervision;
pub mod users;
pub mod web;

pub mod audit;

pub use clock::{Clock, SystemClock};
pub use error::{AppError, AppResult, FieldError, FieldErrors};
pub use principal::Principal;
pub use scene::Scene;

use qinqing_domain::calendar::WorkingCalendar;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// State a scene keeps for the life of the platform (a search index, a cache), by type.
type SceneStates = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;
use store::Db;

/// The platform's shared state: the store, the clock, the working-day calendar in force and
/// the scenes plugged in at start-up.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    clock: Arc<dyn Clock>,
    calendar: Arc<RwLock<WorkingCalendar>>,
    scenes: Arc<[Arc<dyn Scene>]>,
    scene_states: Arc<Mutex<SceneStates>>,
}

impl App {
    /// Opens the platform over a migrated database, loading the stored calendar (or storing the
    /// official one on first start).
    pub async fn open(
        db: Db,
        clock: Arc<dyn Clock>,
        scenes: Vec<Arc<dyn Scene>>,
    ) -> AppResult<App> {
        let app = App {
            db,
            clock,
            calendar: Arc::new(RwLock::new(WorkingCalendar::new(Default::default()))),
            scenes: scenes.into(),
            scene_states: Arc::new(Mutex::new(SceneStates::new())),
        };
        calendar::load_or_install(&app).await?;
        Ok(app)
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The same platform under another clock: the demo plays past months through the use
    /// cases, so that every step of its history is authorised, audited and on the clock.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> App {
        App {
            clock,
            ..self.clone()
        }
    }

    /// The calendar in force (a snapshot: an administrator's edit replaces it whole).
    pub fn calendar(&self) -> WorkingCalendar {
        self.calendar
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The scenes plugged in, in the order the binary listed them.
    pub fn scenes(&self) -> &[Arc<dyn Scene>] {
        &self.scenes
    }

    /// The platform-lifetime state of type `T` a scene keeps, made on first use.
    pub fn scene_state<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut states = self
            .scene_states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = TypeId::of::<T>();
        if let Some(state) = states
            .get(&key)
            .and_then(|s| Arc::clone(s).downcast::<T>().ok())
        {
            return state;
        }
        let state = Arc::new(T::default());
        states.insert(key, state.clone());
        state
    }

    /// The clock kinds the kernel and every scene start, with the platform's own warning rules.
    pub fn clock_kinds(&self) -> Vec<scene::ClockKind> {
        let kernel = scene::ClockKind {
            kind: enterprises::CORRECTION_REVIEW.into(),
            label: "核实企业更正的政府数据".into(),
            builtin_rule: None,
        };
        std::iter::once(kernel)
            .chain(self.scenes.iter().flat_map(|s| s.clocks()))
            .collect()
    }

    /// The matters an enterprise may authorise someone to act on: the kernel's, then each scene's.
    pub fn matters(&self) -> Vec<scene::Matter> {
        std::iter::once(authorisations::PROFILE_MATTER)
            .chain(self.scenes.iter().flat_map(|s| s.matters()))
            .collect()
    }

    /// How an inbox labels a message of the kind stored as `key` (申报进度), from the kernel's
    /// and the scenes' templates; "通知" for a kind no scene plugged in declares any more.
    pub fn message_label(&self, key: &str) -> &'static str {
        notifications::Template::KERNEL
            .into_iter()
            .chain(self.scenes.iter().flat_map(|s| s.message_templates()))
            .find(|t| t.key == key)
            .map_or("通知", |t| t.label)
    }

    /// The page of an object (an enterprise here; the scenes' objects by the scene owning the
    /// type), for the messages about it; `None` for a type nobody owns.
    pub async fn object_page(
        &self,
        conn: &mut store::Conn,
        object_type: &str,
        object_id: &str,
    ) -> AppResult<Option<String>> {
        if object_type == "enterprise" {
            return Ok(Some(format!("/enterprises/{object_id}")));
        }
        if object_type == supervision::ORDER_OBJECT {
            return Ok(Some(format!("/supervision/orders/{object_id}")));
        }
        for scene in self.scenes.iter() {
            if let Some(page) = scene.object_page(conn, object_type, object_id).await {
                return page.map(Some);
            }
        }
        Ok(None)
    }

    /// What the trail calls the audit action recorded as `action` (审核通过), from the kernel's
    /// and the scenes' labels; `None` for an action no part plugged in declares.
    pub fn action_label(&self, action: &str) -> Option<&'static str> {
        audit::KERNEL_ACTIONS
            .iter()
            .chain(self.scenes.iter().flat_map(|s| s.action_labels()))
            .find(|(code, _)| *code == action)
            .map(|(_, label)| *label)
    }

    fn set_calendar(&self, calendar: WorkingCalendar) {
        *self
            .calendar
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = calendar;
    }
}

/// Request metadata that goes into the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
}
