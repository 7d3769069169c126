//! The scene's SQL, over the kernel's store (one code path for SQLite and PostgreSQL).

pub mod agreements;
