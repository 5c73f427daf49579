//! Not for this procedure: an exclusion category from the council's policy
//! (its reason and signpost), or staff's own reason and signpost.

use entity::enums::CaseStatus;
use serde_json::json;

use crate::{
    auth::Action,
    domain::{
        actions::pipeline::{Allowed, CaseAction, CaseWork, Decision, Loaded, Step},
        cases::events::EventKind,
        intake::{check_exclusion, contact},
        text,
    },
    error::{AppError, Result},
    policy::IntakeDecision,
};

pub struct OutOfScope {
    /// One of the council's exclusion categories; its reason and signpost
    /// come from the policy.
    pub exclusion: Option<String>,
    /// Staff's own words, required without a category.
    pub reason: Option<String>,
    pub signpost: Option<String>,
}

impl CaseAction for OutOfScope {
    const ACTION: Action = Action::Rescope;
    const NAME: &'static str = "mark_out_of_scope";
    type Rows = ();

    fn allowed() -> Allowed {
        Allowed::open("marked out of scope")
    }

    async fn decide(self, work: &CaseWork<'_>, loaded: &Loaded) -> Result<Decision> {
        let current = &loaded.case;
        let reason = self
            .reason
            .map(|r| contact::required_text("reason", r, text::NOTE_MAX_CHARS))
            .transpose()?;
        let signpost = self
            .signpost
            .map(|s| contact::required_text("signpost", s, text::NOTE_MAX_CHARS))
            .transpose()?;
        let mut policy_version = None;
        let (policy_reason, policy_signpost) = match (&self.exclusion, work.policy()) {
            (Some(key), Some(policy)) => {
                check_exclusion(&policy, work.council, key)?;
                let mut facts = work.facts(current).await?.contact;
                facts.exclusion = Some(key.clone());
                let decision = work
                    .hook(&policy, move |p| IntakeDecision::from_policy(p, &facts))
                    .await?;
                if decision.in_scope {
                    return Err(AppError::PolicyRejected {
                        message: format!(
                            "{}'s policy keeps this case in scope with exclusion `{key}`",
                            work.council.slug
                        ),
                        detail: None,
                    });
                }
                policy_version = Some(policy.version);
                (decision.scope_reason, decision.signpost)
            }
            (Some(_), None) => {
                return Err(AppError::bad_input(
                    "exclusion",
                    "this council has no active policy listing exclusion categories; give a reason and signpost",
                ));
            }
            (None, _) => (None, None),
        };
        let reason = match (policy_reason, reason) {
            (Some(p), Some(r)) => format!("{p}: {r}"),
            (Some(p), None) => p,
            (None, Some(r)) => r,
            (None, None) => {
                return Err(AppError::bad_input(
                    "reason",
                    "say why it is out of scope: an exclusion category or a reason",
                ));
            }
        };
        let signpost = signpost.or(policy_signpost);
        let mut after = current.clone();
        after.status = CaseStatus::OutOfScope;
        after.scope_reason = Some(reason.clone());
        after.signpost = signpost.clone();
        after.closed_at = Some(loaded.at);
        let event = Step {
            kind: EventKind::OutOfScope,
            policy_version,
            summary: format!("Out of scope: {reason}"),
            data: json!({ "exclusion": self.exclusion, "reason": reason, "signpost": signpost }),
        };
        Ok(Decision::new(after, event))
    }
}
