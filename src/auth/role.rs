use std::{fmt, str::FromStr};

use async_graphql::Enum;

/// The roles of the JWT `roles` claim, named as the councils' documents name
/// the people who do the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum Role {
    Customer,
    Frontline,
    InvestigatingOfficer,
    Dcro,
    CustomerFeedbackManager,
    Councillor,
    PolicyAdmin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Customer,
        Role::Frontline,
        Role::InvestigatingOfficer,
        Role::Dcro,
        Role::CustomerFeedbackManager,
        Role::Councillor,
        Role::PolicyAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Frontline => "frontline",
            Role::InvestigatingOfficer => "investigating_officer",
            Role::Dcro => "dcro",
            Role::CustomerFeedbackManager => "customer_feedback_manager",
            Role::Councillor => "councillor",
            Role::PolicyAdmin => "policy_admin",
        }
    }

    /// Council staff who work cases and may see every case of their council.
    pub fn is_case_staff(self) -> bool {
        super::Action::SeeCouncilCases.reach_of(self).is_some()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_claim_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
