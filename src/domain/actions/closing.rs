//! Every way of closing a case meets the checklist items that hold back
//! closing and the policy's closing rule (East Cambridgeshire: not without
//! its Learning From Complaints record).

use entity::case;

use crate::{
    domain::actions::pipeline::CaseWork,
    error::{AppError, Result},
    policy::hooks,
};

/// The name checklist items use for closing, in their `before` list.
pub const CLOSE: &str = "close";

/// How a case comes to be closed, as the policy's `can_close` is told.
#[derive(Debug, Clone, Copy)]
pub enum Ending {
    Closed,
    /// Leeds para 71: a claim for compensation concludes the complaint.
    CompensationClaim,
    /// An anonymous contact judged malicious is not investigated further
    /// (Leeds paras 45-46); a council that investigates every anonymous
    /// complaint refuses this ending.
    NotInvestigated,
    /// The ombudsman's decision ends the case.
    OmbudsmanDecision,
    /// The feedback manager declines a stage 2 request.
    Stage2Declined,
    /// Put right at the first point of contact.
    InformalResolution,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::Closed => "closed",
            Ending::CompensationClaim => "compensation_claim",
            Ending::NotInvestigated => "not_investigated",
            Ending::OmbudsmanDecision => "ombudsman_decision",
            Ending::Stage2Declined => "stage2_declined",
            Ending::InformalResolution => "informal_resolution",
        }
    }
}

/// Refuses the ending while the checklist or the policy's closing rule
/// holds it back. Returns the policy version that allowed it.
pub async fn ensure_may_close(
    work: &CaseWork<'_>,
    current: &case::Model,
    ending: Ending,
) -> Result<Option<i32>> {
    work.ensure_unblocked(current, CLOSE).await?;
    ensure_policy_allows(work, current, ending).await
}

/// The policy's closing rule alone, for the action whose own checklist
/// step is closing. Returns the policy version that allowed it.
pub async fn ensure_policy_allows(
    work: &CaseWork<'_>,
    current: &case::Model,
    ending: Ending,
) -> Result<Option<i32>> {
    let Some(policy) = work.policy() else {
        return Ok(None);
    };
    let case = hooks::closing(work.facts(current).await?.to_map(), ending.as_str());
    let out = work.hook(&policy, move |p| p.can_close(case)).await?;
    if !out.allowed {
        return Err(AppError::PolicyRejected {
            message: out
                .reason
                .unwrap_or_else(|| "the council's policy does not allow closing it yet".into()),
            detail: None,
        });
    }
    Ok(Some(policy.version))
}
