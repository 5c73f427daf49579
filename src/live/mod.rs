//! Live updates: committed case changes and recorded breaches, delivered to
//! subscribers in this process and relayed between processes.

pub mod feed;
pub mod relay;
