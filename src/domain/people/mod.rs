//! The people a council's rules name: its officers, and customers designated
//! persistent complainants.

pub mod officers;
pub mod persistent;
