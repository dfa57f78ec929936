//! Who may send which command: the role × command matrix (docs/authority.md shows it).
//!
//! The matrix is the first gate; aggregates then check the case-specific rules (only the
//! responsible organisation resolves a dispatched request; a maintenance-fund approval needs
//! an adopted owners' decision that authorises it; inspectors are not the contractor).
//! Auditors appear in no row: they read everything and change nothing.

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::directory::Directory;
use crate::domain::error::DomainError;
use crate::domain::role::Role;
use crate::time::Timestamp;

use Role::*;

/// Organisations that may be made responsible for a request answer it through these roles.
const RESPONDERS: &[Role] = &[
    StationClerk,
    GridWorker,
    PartyCommitteeMember,
    PartyBranchMember,
    OwnersCommitteeMember,
    PropertyDispatcher,
    PropertyTechnician,
    ContractorManager,
    Volunteer,
    Mediator,
];
const INTAKE: &[Role] = &[StationClerk, GridWorker];
const BODY_MEMBERS: &[Role] = &[
    OwnersCommitteeMember,
    PartyCommitteeMember,
    PartyBranchMember,
];
const SITE: &[Role] = &[ContractorManager, PropertyDispatcher];
const ADMIN: &[Role] = &[DirectoryAdministrator];

/// Every command name with the roles allowed to send it, in documentation order.
pub const MATRIX: &[(&str, &[Role])] = &[
    (
        "receive_request",
        &[
            Resident,
            StationClerk,
            GridWorker,
            Volunteer,
            OwnersCommitteeMember,
            PropertyDispatcher,
        ],
    ),
    ("accept_request", INTAKE),
    ("reject_request", INTAKE),
    ("merge_request", INTAKE),
    (
        "dispatch_request",
        &[StationClerk, GridWorker, PartyCommitteeMember],
    ),
    ("send_back_request", RESPONDERS),
    ("start_request_work", RESPONDERS),
    ("resolve_request", RESPONDERS),
    ("follow_up_request", &[StationClerk, GridWorker, Volunteer]),
    ("close_request", INTAKE),
    (
        "reopen_request",
        &[StationClerk, GridWorker, PartyCommitteeMember],
    ),
    (
        "escalate_request",
        &[StationClerk, PartyCommitteeMember, PartyBranchMember],
    ),
    (
        "propose_work_project",
        &[
            OwnersCommitteeMember,
            PropertyDispatcher,
            PartyCommitteeMember,
            PartyBranchMember,
        ],
    ),
    (
        "approve_work_project",
        &[OwnersCommitteeMember, PartyCommitteeMember],
    ),
    (
        "contract_work_project",
        &[OwnersCommitteeMember, PropertyDispatcher],
    ),
    ("start_work_project", SITE),
    ("record_work_progress", SITE),
    ("complete_work_project", SITE),
    ("pass_work_inspection", &[Inspector]),
    ("fail_work_inspection", &[Inspector]),
    (
        "raise_warranty_claim",
        &[OwnersCommitteeMember, PropertyDispatcher, StationClerk],
    ),
    ("settle_warranty_claim", SITE),
    (
        "close_work_project",
        &[OwnersCommitteeMember, PropertyDispatcher],
    ),
    (
        "cancel_work_project",
        &[OwnersCommitteeMember, PartyCommitteeMember],
    ),
    (
        "register_mediation",
        &[Mediator, StationClerk, GridWorker, Resident],
    ),
    ("accept_mediation", &[Mediator]),
    ("decline_mediation", &[Mediator]),
    ("record_mediation_session", &[Mediator]),
    ("record_mediation_agreement", &[Mediator]),
    ("record_mediation_failure", &[Mediator]),
    ("follow_up_mediation_performance", &[Mediator]),
    ("archive_mediation", &[Mediator]),
    ("propose_decision", BODY_MEMBERS),
    ("open_voting", BODY_MEMBERS),
    (
        "cast_ballot",
        &[
            Resident,
            OwnersCommitteeMember,
            PartyCommitteeMember,
            PartyBranchMember,
        ],
    ),
    ("tally_decision", BODY_MEMBERS),
    ("publish_decision", BODY_MEMBERS),
    ("withdraw_decision", BODY_MEMBERS),
    ("bootstrap_directory", ADMIN),
    ("set_community_time_zone", ADMIN),
    ("publish_holidays", ADMIN),
    ("set_category_time_limits", ADMIN),
    ("register_compound", ADMIN),
    ("register_building", ADMIN),
    ("register_unit", ADMIN),
    ("record_unit_owners", ADMIN),
    ("register_grid", ADMIN),
    ("register_organisation", ADMIN),
    ("open_account", ADMIN),
    ("grant_role", ADMIN),
    ("end_role", ADMIN),
    ("close_account", ADMIN),
    ("correct_request_fact", INTAKE),
    (
        "correct_work_project_fact",
        &[OwnersCommitteeMember, PropertyDispatcher],
    ),
    ("correct_mediation_fact", &[Mediator]),
    ("correct_decision_fact", BODY_MEMBERS),
    ("correct_directory_fact", ADMIN),
    ("correct_person_fact", &[DataProtectionOfficer]),
    ("erase_personal_data", &[DataProtectionOfficer]),
];

/// The roles allowed to send a command (empty for an unknown name).
pub fn permitted_roles(command_name: &str) -> &'static [Role] {
    MATRIX
        .iter()
        .find(|(name, _)| *name == command_name)
        .map_or(&[], |(_, roles)| roles)
}

/// The first gate: the role may send the command, and the account holds the role in the
/// organisation it acts for, now. The bootstrap of an empty directory is the one exception
/// to the second half (nobody holds a role yet); the directory checks who sends it.
pub fn authorise(
    actor: &ActingAs,
    command: &Command,
    directory: &Directory,
    now: Timestamp,
) -> Result<(), DomainError> {
    let name = command.name();
    if !permitted_roles(name).contains(&actor.role) {
        return Err(DomainError::RoleNotPermitted {
            role: actor.role.as_str(),
            action: name,
        });
    }
    let bootstrapping = name == "bootstrap_directory" && directory.community.is_none();
    if !bootstrapping
        && !directory.holds_role(actor.account_id, actor.role, actor.organisation_id, now)
    {
        return Err(DomainError::RoleNotHeld {
            account_id: actor.account_id,
            role: actor.role.as_str(),
            organisation_id: actor.organisation_id,
        });
    }
    Ok(())
}

/// The matrix as a Markdown table (rows: commands; columns: roles), for docs/authority.md.
pub fn matrix_markdown() -> String {
    let mut out = String::from("| command |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str(":-:|");
    }
    out.push('\n');
    for (name, roles) in MATRIX {
        out.push_str(&format!("| `{name}` |"));
        for role in Role::ALL {
            out.push_str(if roles.contains(&role) {
                " ✓ |"
            } else {
                " |"
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditors_change_nothing() {
        assert!(MATRIX.iter().all(|(_, roles)| !roles.contains(&Auditor)));
    }

    #[test]
    fn every_name_appears_once() {
        let mut names: Vec<_> = MATRIX.iter().map(|(name, _)| *name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
