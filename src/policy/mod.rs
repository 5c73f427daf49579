//! Council policies: each council's rules are a Rhai script run in a
//! sandbox; this module compiles, validates and calls them. The hook
//! contract is documented for policy admins in `policies/README.md`.

pub mod calendar;
pub mod cli;
pub mod compiled;
pub mod convert;
pub mod exclusions;
pub mod hooks;
pub mod impact_cli;
pub mod mechanics;
mod numbers;
pub mod prelude;
pub mod registry;
pub mod runner;
pub mod sandbox;
pub mod static_check;
pub mod watch;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod script_tests;

use chrono::NaiveDate;
use entity::enums::{ContactKind, DeadlineKind, Stage};

pub use compiled::{CompiledPolicy, Problem, Report};
pub use hooks::{Contact, RequirementOut};
pub use registry::PolicyRegistry;
pub use runner::PolicyRunner;

/// A deadline the policy computed, with the sentence shown to staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineSpec {
    pub stage: Option<Stage>,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    pub explanation: String,
}

impl DeadlineSpec {
    /// A deadline a hook answered, its explanation naming the council and
    /// policy version that computed it.
    pub fn from_hook(
        d: hooks::DeadlineOut,
        stage: Option<Stage>,
        council: &str,
        version: i32,
    ) -> Self {
        Self {
            stage,
            kind: d.kind,
            due: d.due,
            explanation: format!("{} ({council} v{version})", d.explanation),
        }
    }
}

/// What the policy decides when a contact is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeDecision {
    pub stage: Option<Stage>,
    pub in_scope: bool,
    pub scope_reason: Option<String>,
    pub signpost: Option<String>,
    pub deadlines: Vec<DeadlineSpec>,
    pub requirements: Vec<RequirementOut>,
    /// The policy version that decided; `None` when no policy is active.
    pub policy_version: Option<i32>,
}

impl IntakeDecision {
    /// With no policy published: the `intake` hook's documented default.
    pub fn without_policy(kind: ContactKind) -> Self {
        Self::from_hook(hooks::IntakeOut::default_for(kind), None, "")
    }

    pub fn from_policy(policy: &CompiledPolicy, contact: &Contact) -> Result<Self, Problem> {
        let out = policy.intake(contact)?;
        Ok(Self::from_hook(out, Some(policy.version), &policy.council))
    }

    fn from_hook(out: hooks::IntakeOut, version: Option<i32>, council: &str) -> Self {
        let stage = out.stage;
        // Without a policy there is nothing to compute deadlines from.
        let deadlines = match version {
            Some(v) if out.in_scope => out
                .deadlines
                .into_iter()
                .map(|d| DeadlineSpec::from_hook(d, stage, council, v))
                .collect(),
            _ => Vec::new(),
        };
        Self {
            stage,
            in_scope: out.in_scope,
            scope_reason: out.reason,
            signpost: out.signpost,
            deadlines,
            requirements: out.requirements,
            policy_version: version,
        }
    }
}
