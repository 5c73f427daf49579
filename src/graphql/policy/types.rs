use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::policy_version;

use crate::{
    graphql::{
        context::ContextExt,
        enums::{DeadlineKind, Stage},
        scalars::Date,
    },
    policy::{IntakeDecision, Problem, Report},
};

/// A contact the policy failed on, as the people who fix it need it.
#[derive(SimpleObject)]
pub struct CaseAwaitingPolicy {
    pub id: async_graphql::ID,
    pub reference: String,
    pub kind: crate::graphql::enums::ContactKind,
    pub channel: crate::graphql::enums::Channel,
    pub received_at: DateTime<Utc>,
    /// The version whose script failed on it.
    pub policy_version: Option<i32>,
    /// What the script said (staff and policy admins only).
    pub problem: Option<String>,
}

impl From<crate::domain::intake::awaiting_policy::Waiting> for CaseAwaitingPolicy {
    fn from(w: crate::domain::intake::awaiting_policy::Waiting) -> Self {
        Self {
            id: async_graphql::ID(w.case.id.to_string()),
            reference: w.case.reference,
            kind: w.case.kind.into(),
            channel: w.case.channel.into(),
            received_at: w.case.received_at,
            policy_version: w.policy_version,
            problem: w.problem,
        }
    }
}

/// One published text of the council's policy.
pub struct PolicyVersion(pub policy_version::Model);

#[Object]
impl PolicyVersion {
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// SHA-256 of the source, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn published_by(&self) -> &str {
        &self.0.published_by
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Whether this is the version new actions use.
    async fn active(&self, ctx: &Context<'_>) -> Result<bool> {
        let council = ctx.council()?;
        Ok(ctx.state().policies.version(council.id) == Some(self.0.version))
    }
}

/// A problem in a script, pointing at where it is when known.
#[derive(SimpleObject)]
pub struct PolicyProblem {
    pub message: String,
    pub line: Option<i32>,
    pub column: Option<i32>,
    /// The hook it concerns.
    pub hook: Option<String>,
    /// The script test that failed.
    pub test: Option<String>,
}

impl From<&Problem> for PolicyProblem {
    fn from(p: &Problem) -> Self {
        Self {
            message: p.message.clone(),
            line: p.line.map(|l| l as i32),
            column: p.column.map(|c| c as i32),
            hook: p.hook.clone(),
            test: p.test.clone(),
        }
    }
}

/// What checking a script found: it may be published when `ok`.
#[derive(SimpleObject)]
pub struct PolicyValidation {
    pub ok: bool,
    /// The hooks the script defines.
    pub hooks: Vec<String>,
    pub tests_run: i32,
    pub tests_passed: i32,
    pub problems: Vec<PolicyProblem>,
    /// What the script printed (`print`, `debug`) while it was checked: at
    /// most 20 lines or 2 KB per hook call, 200 lines in all.
    pub output: Vec<String>,
}

impl From<Report> for PolicyValidation {
    fn from(r: Report) -> Self {
        Self {
            ok: r.problems.is_empty(),
            hooks: r.hooks,
            tests_run: r.tests_run as i32,
            tests_passed: r.tests_passed as i32,
            problems: r.problems.iter().map(PolicyProblem::from).collect(),
            output: r.output,
        }
    }
}

#[derive(SimpleObject)]
pub struct PreviewDeadline {
    pub kind: DeadlineKind,
    pub due: Date,
    pub explanation: String,
}

#[derive(SimpleObject)]
pub struct PreviewRequirement {
    pub key: String,
    pub label: String,
    /// Actions blocked until it is recorded.
    pub before: Vec<String>,
}

/// What a script would decide for a contact; nothing is written.
#[derive(SimpleObject)]
pub struct PolicyPreview {
    pub stage: Option<Stage>,
    pub in_scope: bool,
    pub scope_reason: Option<String>,
    pub signpost: Option<String>,
    pub deadlines: Vec<PreviewDeadline>,
    pub requirements: Vec<PreviewRequirement>,
    /// What the script printed while deciding, within the same limits as
    /// a validation.
    pub output: Vec<String>,
}

impl From<IntakeDecision> for PolicyPreview {
    fn from(d: IntakeDecision) -> Self {
        Self {
            stage: d.stage.map(Into::into),
            in_scope: d.in_scope,
            scope_reason: d.scope_reason,
            signpost: d.signpost,
            deadlines: d
                .deadlines
                .into_iter()
                .map(|x| PreviewDeadline {
                    kind: x.kind.into(),
                    due: Date(x.due),
                    explanation: x.explanation,
                })
                .collect(),
            requirements: d
                .requirements
                .into_iter()
                .map(|r| PreviewRequirement {
                    key: r.key,
                    label: r.label,
                    before: r.before,
                })
                .collect(),
            output: Vec::new(),
        }
    }
}
