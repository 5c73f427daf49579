use uuid::Uuid;

use super::{Action, Reach, Role};
use crate::error::{AppError, Result};

/// The verified caller: one council, one subject, one or more roles. Built
/// only from a verified token whose council exists.
#[derive(Debug, Clone)]
pub struct Actor {
    pub council_id: Uuid,
    pub council_slug: String,
    pub subject: String,
    pub name: Option<String>,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The one guard each operation starts with.
    pub fn require(&self, action: Action) -> Result<&Self> {
        if self.reach(action).is_some() {
            Ok(self)
        } else {
            Err(AppError::Forbidden(format!(
                "this needs one of the roles: {}",
                action
                    .roles()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    /// How far the caller's roles together reach for this action.
    pub fn reach(&self, action: Action) -> Option<Reach> {
        action.reach(&self.roles)
    }

    /// The role recorded on the timeline: the most senior the caller holds.
    pub fn primary_role(&self) -> Role {
        const SENIORITY: [Role; 7] = [
            Role::CustomerFeedbackManager,
            Role::Dcro,
            Role::InvestigatingOfficer,
            Role::Frontline,
            Role::PolicyAdmin,
            Role::Councillor,
            Role::Customer,
        ];
        SENIORITY
            .into_iter()
            .find(|role| self.has(*role))
            .unwrap_or(Role::Customer)
    }

    pub fn is_case_staff(&self) -> bool {
        self.roles.iter().any(|role| role.is_case_staff())
    }
}
