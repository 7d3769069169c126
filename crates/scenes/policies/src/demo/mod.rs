//! The scene's share of the demo district: the example policies and a year of fulfilment.

pub mod fulfilment;
pub mod policies;
