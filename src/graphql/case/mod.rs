//! Cases: logging contacts, reading one case, listing a council's cases.

mod actions;
mod inputs;
mod loaders;
mod mutation;
mod query;
mod types;

pub mod types_public {
    pub use super::types::{Case, Customer, Officer, Service};
}

pub use actions::CaseActions;
pub use inputs::LogContactInput;
pub use loaders::DeadlineLoader;
pub use mutation::CaseMutation;
pub use query::CaseQuery;
pub use types::Case;
