//! Who may do what: every capability of the API and the roles that hold it,
//! in one table. Resolvers ask `Actor::require`, case actions also ask how
//! far the caller's roles reach on the case, and the README's table is
//! generated from here (a test keeps the two identical).
//!
//! A token with several roles may do what any one of its roles may do, on
//! the cases that role reaches: never more than the sum of its roles.

use super::Role;

/// How far a role's permission reaches over the council's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Only the cases assigned to the caller, or that they review.
    Assigned,
    /// Every case the caller may see.
    Council,
}

/// A capability: one or more GraphQL operations that share a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    LogContact,
    SeeCouncilCases,
    FollowCaseUpdates,
    Acknowledge,
    AssignInvestigator,
    AppointReviewer,
    ReportProgress,
    ResolveInformally,
    Respond,
    RequestEscalation,
    AcceptLateEscalation,
    AssessStage2,
    LiaiseWithOmbudsman,
    Rescope,
    Withdraw,
    Close,
    Reopen,
    CompleteRequirement,
    RecordRemedy,
    ApproveGoodwill,
    DecideNotToInvestigate,
    DecidePersistent,
    SeeDesignations,
    SeeQueue,
    SeeOfficers,
    RecordOfficer,
    SetSeniority,
    LinkPortalAccount,
    AdministerPolicy,
    SeeCasesAwaitingPolicy,
}

use Reach::{Assigned, Council};
use Role::{
    Councillor, Customer, CustomerFeedbackManager as Cfm, Dcro, Frontline,
    InvestigatingOfficer as Io, PolicyAdmin,
};

const STAFF: &[(Role, Reach)] = &[
    (Frontline, Council),
    (Io, Council),
    (Dcro, Council),
    (Cfm, Council),
];
/// An investigating officer does this on the cases assigned to them.
const WORKERS: &[(Role, Reach)] = &[(Io, Assigned), (Dcro, Council), (Cfm, Council)];
const HANDLERS: &[(Role, Reach)] = &[
    (Frontline, Council),
    (Io, Assigned),
    (Dcro, Council),
    (Cfm, Council),
];
const MANAGERS: &[(Role, Reach)] = &[(Dcro, Council), (Cfm, Council)];
const CUSTOMER_AND_STAFF: &[(Role, Reach)] = &[
    (Customer, Council),
    (Frontline, Council),
    (Io, Council),
    (Dcro, Council),
    (Cfm, Council),
];

impl Action {
    pub const ALL: [Action; 30] = [
        Action::LogContact,
        Action::SeeCouncilCases,
        Action::FollowCaseUpdates,
        Action::Acknowledge,
        Action::AssignInvestigator,
        Action::AppointReviewer,
        Action::ReportProgress,
        Action::ResolveInformally,
        Action::Respond,
        Action::RequestEscalation,
        Action::AcceptLateEscalation,
        Action::AssessStage2,
        Action::LiaiseWithOmbudsman,
        Action::Rescope,
        Action::Withdraw,
        Action::Close,
        Action::Reopen,
        Action::CompleteRequirement,
        Action::RecordRemedy,
        Action::ApproveGoodwill,
        Action::DecideNotToInvestigate,
        Action::DecidePersistent,
        Action::SeeDesignations,
        Action::SeeQueue,
        Action::SeeOfficers,
        Action::RecordOfficer,
        Action::SetSeniority,
        Action::LinkPortalAccount,
        Action::AdministerPolicy,
        Action::SeeCasesAwaitingPolicy,
    ];

    /// The roles that may do this, and how far each reaches.
    pub fn grants(self) -> &'static [(Role, Reach)] {
        match self {
            Action::LogContact => &[
                (Customer, Council),
                (Frontline, Council),
                (Io, Council),
                (Dcro, Council),
                (Cfm, Council),
                (Councillor, Council),
            ],
            Action::SeeCouncilCases
            | Action::Acknowledge
            | Action::ResolveInformally
            | Action::Rescope
            | Action::SeeDesignations
            | Action::SeeQueue
            | Action::SeeOfficers => STAFF,
            Action::CompleteRequirement | Action::FollowCaseUpdates => HANDLERS,
            Action::ReportProgress
            | Action::Respond
            | Action::Close
            | Action::RecordRemedy
            | Action::DecideNotToInvestigate => WORKERS,
            Action::RequestEscalation | Action::Withdraw => CUSTOMER_AND_STAFF,
            Action::AssignInvestigator
            | Action::AppointReviewer
            | Action::AcceptLateEscalation
            | Action::LiaiseWithOmbudsman
            | Action::Reopen
            | Action::ApproveGoodwill
            | Action::DecidePersistent
            | Action::RecordOfficer => MANAGERS,
            // The grade sets the goodwill limit: one level above those it limits.
            Action::AssessStage2 | Action::SetSeniority => &[(Cfm, Council)],
            // Staff who take contacts link a customer's record to their portal.
            Action::LinkPortalAccount => &[(Frontline, Council), (Dcro, Council), (Cfm, Council)],
            Action::AdministerPolicy => &[(PolicyAdmin, Council)],
            // Those who chase the cases and those who fix the script.
            Action::SeeCasesAwaitingPolicy => {
                &[(Dcro, Council), (Cfm, Council), (PolicyAdmin, Council)]
            }
        }
    }

    /// The operations this governs, as the README's table names them.
    pub fn operations(self) -> &'static str {
        match self {
            Action::LogContact => "`logContact`",
            Action::SeeCouncilCases => {
                "see every case of the council (`cases`, `case`, `caseByReference`)"
            }
            Action::FollowCaseUpdates => {
                "follow the council's cases live (`caseUpdates`, `deadlineBreaches`; customers and councillors follow what they may read)"
            }
            Action::Acknowledge => "`acknowledgeCase`",
            Action::AssignInvestigator => "`assignInvestigator`",
            Action::AppointReviewer => "`appointStage2Reviewer`",
            Action::ReportProgress => "`recordHoldingResponse`, `extendDeadline`",
            Action::ResolveInformally => "`recordInformalResolution`",
            Action::Respond => "`respondToCase`",
            Action::RequestEscalation => "`requestEscalation`",
            Action::AcceptLateEscalation => "`requestEscalation(discretion: true)`",
            Action::AssessStage2 => "`assessStage2`",
            Action::LiaiseWithOmbudsman => {
                "`recordOmbudsmanEnquiry`, `replyToOmbudsman`, `recordOmbudsmanOutcome`"
            }
            Action::Rescope => "`markOutOfScope`, `convertCase`",
            Action::Withdraw => "`withdrawCase`",
            Action::Close => "`closeCase`",
            Action::Reopen => "`reopenCase`",
            Action::CompleteRequirement => "`completeRequirement`",
            Action::RecordRemedy => "`recordRemedy`, `completeRemedy`, `recordLearningPoint`",
            Action::ApproveGoodwill => "`approveGoodwillPayment`",
            Action::DecideNotToInvestigate => "`decideNotToInvestigate`",
            Action::DecidePersistent => {
                "`designatePersistentComplainant`, `reviewPersistentDesignation`"
            }
            Action::SeeDesignations => "`persistentDesignations`, `designationsDueForReview`",
            Action::SeeQueue => "`myQueue`",
            Action::SeeOfficers => "`officers`",
            Action::RecordOfficer => "`recordOfficer` (name, email), `officerChanges`",
            Action::SetSeniority => "`recordOfficer(seniority)`, never one's own",
            Action::LinkPortalAccount => "`linkPortalAccount`",
            Action::AdministerPolicy => {
                "`policy`, `validatePolicy`, `previewPolicy`, `policyImpact`, `publishPolicy`, `rollbackPolicy`"
            }
            Action::SeeCasesAwaitingPolicy => {
                "`casesAwaitingPolicy` (contacts the policy failed on, with its error)"
            }
        }
    }

    /// How far this role reaches for this action, if it may do it at all.
    pub fn reach_of(self, role: Role) -> Option<Reach> {
        self.grants()
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, reach)| *reach)
    }

    /// The furthest any of these roles reaches: the union of what each may do.
    pub fn reach(self, roles: &[Role]) -> Option<Reach> {
        roles.iter().filter_map(|r| self.reach_of(*r)).max()
    }

    pub fn roles(self) -> impl Iterator<Item = Role> {
        self.grants().iter().map(|(role, _)| *role)
    }
}

/// The README's "who can do what" table, generated from the grants.
pub fn markdown_table() -> String {
    let mut out = String::from("| may | ");
    out.push_str(
        &Role::ALL
            .iter()
            .map(|r| format!("`{}`", r.as_str()))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    out.push_str(" |\n| --- |");
    out.push_str(&" :-: |".repeat(Role::ALL.len()));
    out.push('\n');
    for action in Action::ALL {
        out.push_str(&format!("| {} |", action.operations()));
        for role in Role::ALL {
            let cell = match action.reach_of(role) {
                Some(Council) => " yes |",
                Some(Assigned) => " assigned |",
                None => " |",
            };
            out.push_str(cell);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_table_is_the_matrix() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's \"Who can do what\" table differs from src/auth/permissions.rs; it should read:\n\n{table}"
        );
    }

    /// A new operation gets a row (and so a rule) before it ships; `me`
    /// is every caller's own.
    #[test]
    fn every_operation_of_the_schema_is_in_the_matrix() {
        let schema = include_str!("../../schema.graphql");
        let named: String = Action::ALL.iter().map(|a| a.operations()).collect();
        let mut checked = 0;
        for root in [
            "type QueryRoot {",
            "type MutationRoot {",
            "type LiveSubscription {",
        ] {
            let start = schema.find(root).expect(root) + root.len();
            let body = &schema[start..start + schema[start..].find("\n}").unwrap()];
            let mut in_doc = false;
            // Fields sit one tab in; deeper lines are their arguments.
            let fields = body
                .lines()
                .filter(|l| l.starts_with('\t') && !l.starts_with("\t\t"))
                .map(str::trim);
            for line in fields {
                if line.starts_with("\"\"\"") {
                    let one_line = line.len() > 3 && line.ends_with("\"\"\"");
                    in_doc ^= !one_line;
                    continue;
                }
                if in_doc || !line.starts_with(|c: char| c.is_ascii_lowercase()) {
                    continue;
                }
                let field = line.split(['(', ':']).next().unwrap();
                if field != "me" {
                    assert!(
                        named.contains(&format!("`{field}")),
                        "`{field}` is not in the matrix"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "{checked} operations checked");
    }

    #[test]
    fn roles_combine_into_no_more_than_their_sum() {
        let both = [Frontline, Io];
        assert_eq!(Action::Respond.reach(&both), Some(Assigned));
        assert_eq!(Action::Close.reach(&both), Some(Assigned));
        assert_eq!(Action::Respond.reach(&[Frontline]), None);
        assert_eq!(Action::Acknowledge.reach(&both), Some(Council));
        assert_eq!(Action::CompleteRequirement.reach(&both), Some(Council));
        assert_eq!(Action::Respond.reach(&[Io, Dcro]), Some(Council));
    }

    #[test]
    fn each_role_is_granted_an_action_at_most_once() {
        for action in Action::ALL {
            let roles: Vec<Role> = action.roles().collect();
            for role in &roles {
                assert_eq!(roles.iter().filter(|r| *r == role).count(), 1, "{action:?}");
            }
        }
    }
}
