//! API integration tests: each test starts the real server on a free port against a fresh
//! database — SQLite by default, PostgreSQL when QINQING_TEST_POSTGRES is set (e.g.
//! `postgres://postgres@127.0.0.1:5432`) — and talks to it over HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
mod helpers;

mod admin;
mod agreement_rules;
mod agreement_supervision;
mod agreements;
mod allocation;
mod application_form;
mod approvals;
mod audit;
mod audit_log;
mod auth;
mod cli;
mod clinic;
mod cluster;
mod cockpit;
mod construction;
mod deadlines;
mod directory;
mod enterprises;
mod fiscal_shares;
mod flags;
mod import;
mod integrity;
mod joint_review;
mod long_work;
mod materials;
mod money;
mod monthly_report;
mod notifications;
mod open311;
mod policies;
mod pushes;
mod queues;
mod reference;
mod request_analysis;
mod requests;
mod rfc9162;
mod scorecard;
mod security;
mod sso;
mod stewards;
mod supervision_orders;
mod system;
