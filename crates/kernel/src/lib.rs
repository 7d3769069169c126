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

pub mod agreements;
pub mod attachments;
pub mod audit_log;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod deadlines;
pub mod demo;
pub mod enterprises;
pub mod error;
pub mod notifications;
pub mod policies;
pub mod principal;
pub mod requests;
pub mod setup;
pub mod sms;
pub mod store;
pub mod users;
pub mod web;

mod audit;

pub use clock::{Clock, SystemClock};
pub use error::{AppError, AppResult, FieldError, FieldErrors};
pub use principal::Principal;

use qinqing_domain::calendar::WorkingCalendar;
use std::sync::{Arc, RwLock};
use store::Db;

/// The platform's shared state: the store, the clock and the working-day calendar in force.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    clock: Arc<dyn Clock>,
    calendar: Arc<RwLock<WorkingCalendar>>,
    /// The policy search index, with the library state it was built from.
    policy_index: Arc<RwLock<Option<policies::search::CachedIndex>>>,
}

impl App {
    /// Opens the platform over a migrated database, loading the stored calendar (or storing the
    /// official one on first start).
    pub async fn open(db: Db, clock: Arc<dyn Clock>) -> AppResult<App> {
        let app = App {
            db,
            clock,
            calendar: Arc::new(RwLock::new(WorkingCalendar::new(Default::default()))),
            policy_index: Arc::new(RwLock::new(None)),
        };
        calendar::load_or_install(&app).await?;
        Ok(app)
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The same platform under another clock: the demo plays past months through the use
    /// cases, so that every step of its history is authorised, audited and on the clock.
    pub(crate) fn with_clock(&self, clock: Arc<dyn Clock>) -> App {
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

    fn cached_policy_index(&self) -> Option<policies::search::CachedIndex> {
        self.policy_index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn cache_policy_index(&self, index: policies::search::CachedIndex) {
        *self
            .policy_index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(index);
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
