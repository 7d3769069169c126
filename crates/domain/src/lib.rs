//! Qinqing's domain: the types every other crate speaks, and the national reference data
//! (credit codes, industries, divisions, size classes, the working-day calendar) as pure functions.
//! Nothing in this crate performs I/O; data tables are compiled in from `data/`.

pub mod calendar;
pub mod commitment;
pub mod contact;
pub mod credit_code;
pub mod deadline;
pub mod enterprise;
pub mod geo;
pub mod industry;
pub mod money;
pub mod office_hours;
pub mod org;
pub mod region;
pub mod size;
pub mod upload;

pub use credit_code::CreditCode;
pub use industry::IndustryCode;
pub use money::Money;
pub use region::DivisionCode;
