//! Database entities for Redress. Every table that holds council data carries
//! `council_id`, so the data layer can scope each query to one tenant.

pub mod case;
pub mod case_event;
pub mod case_requirement;
pub mod council;
pub mod customer;
pub mod deadline;
pub mod enums;
pub mod intake_key;
pub mod learning_point;
pub mod officer;
pub mod officer_change;
pub mod persistent_designation;
pub mod persistent_review;
pub mod policy_version;
pub mod reference_counter;
pub mod remedy;
pub mod service;

pub use sea_orm;
