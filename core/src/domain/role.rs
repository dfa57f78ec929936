//! Roles an account acts in, and the kinds of organisation it acts for.
//!
//! Enum declaration order is part of the payload format (bincode stores the variant index):
//! add new variants at the end only.

use serde::{Deserialize, Serialize};

/// A role an account holds in an organisation. `as_str` is the `snake_case` name stored in
/// the event envelope's actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// A resident or owner acting for themself (raises requests, applies for mediation).
    Resident,
    /// Service-station clerk: registers, accepts, rejects, merges requests; follows them up.
    StationClerk,
    /// Grid worker: registers requests on visits, follows up, escalates overdue cases.
    GridWorker,
    /// Member of the community Party committee: escalates, proposes and votes on its decisions.
    PartyCommitteeMember,
    /// Member of a grid Party branch.
    PartyBranchMember,
    /// Member of the owners' committee: proposes owners' decisions, runs votes, proposes works.
    OwnersCommitteeMember,
    /// Property-company dispatcher: dispatches and sends back, runs work projects.
    PropertyDispatcher,
    /// Property-company technician: starts and resolves dispatched requests.
    PropertyTechnician,
    /// Contractor's site manager: records progress and completion of contracted works.
    ContractorManager,
    /// Volunteer (Love Commune): registers requests, visits households.
    Volunteer,
    /// People's mediator: runs mediation cases.
    Mediator,
    /// Inspector who accepts or rejects completed works (验收).
    Inspector,
    /// Auditor or reviewer: reads everything, changes nothing.
    Auditor,
    /// Maintains the directory (places, organisations, accounts, roles).
    DirectoryAdministrator,
    /// Handles personal-data requests (erasure) as the data controller's officer.
    DataProtectionOfficer,
}

impl Role {
    pub const ALL: [Role; 15] = [
        Role::Resident,
        Role::StationClerk,
        Role::GridWorker,
        Role::PartyCommitteeMember,
        Role::PartyBranchMember,
        Role::OwnersCommitteeMember,
        Role::PropertyDispatcher,
        Role::PropertyTechnician,
        Role::ContractorManager,
        Role::Volunteer,
        Role::Mediator,
        Role::Inspector,
        Role::Auditor,
        Role::DirectoryAdministrator,
        Role::DataProtectionOfficer,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::StationClerk => "station_clerk",
            Role::GridWorker => "grid_worker",
            Role::PartyCommitteeMember => "party_committee_member",
            Role::PartyBranchMember => "party_branch_member",
            Role::OwnersCommitteeMember => "owners_committee_member",
            Role::PropertyDispatcher => "property_dispatcher",
            Role::PropertyTechnician => "property_technician",
            Role::ContractorManager => "contractor_manager",
            Role::Volunteer => "volunteer",
            Role::Mediator => "mediator",
            Role::Inspector => "inspector",
            Role::Auditor => "auditor",
            Role::DirectoryAdministrator => "directory_administrator",
            Role::DataProtectionOfficer => "data_protection_officer",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

/// The kinds of organisation in a community (DOMAIN.md, "Who acts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OrganisationKind {
    /// The community Party committee (社区党委).
    CommunityPartyCommittee,
    /// The community residents' committee (社区居委会).
    CommunityCommittee,
    /// A grid Party branch (网格党支部).
    GridPartyBranch,
    /// A party-and-public service station (党群服务驿站).
    ServiceStation,
    /// A compound's owners' assembly (业主大会).
    OwnersAssembly,
    /// A compound's owners' committee (业主委员会).
    OwnersCommittee,
    /// A property-management company (物业公司).
    PropertyCompany,
    /// A volunteer team ("Love Commune").
    VolunteerTeam,
    /// A people's mediation committee (人民调解委员会).
    MediationCommittee,
    /// A contractor engaged for works.
    Contractor,
    /// A government department or utility outside the community.
    GovernmentDepartment,
    /// An audit or review office.
    AuditOffice,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 12] = [
        OrganisationKind::CommunityPartyCommittee,
        OrganisationKind::CommunityCommittee,
        OrganisationKind::GridPartyBranch,
        OrganisationKind::ServiceStation,
        OrganisationKind::OwnersAssembly,
        OrganisationKind::OwnersCommittee,
        OrganisationKind::PropertyCompany,
        OrganisationKind::VolunteerTeam,
        OrganisationKind::MediationCommittee,
        OrganisationKind::Contractor,
        OrganisationKind::GovernmentDepartment,
        OrganisationKind::AuditOffice,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::CommunityPartyCommittee => "community_party_committee",
            OrganisationKind::CommunityCommittee => "community_committee",
            OrganisationKind::GridPartyBranch => "grid_party_branch",
            OrganisationKind::ServiceStation => "service_station",
            OrganisationKind::OwnersAssembly => "owners_assembly",
            OrganisationKind::OwnersCommittee => "owners_committee",
            OrganisationKind::PropertyCompany => "property_company",
            OrganisationKind::VolunteerTeam => "volunteer_team",
            OrganisationKind::MediationCommittee => "mediation_committee",
            OrganisationKind::Contractor => "contractor",
            OrganisationKind::GovernmentDepartment => "government_department",
            OrganisationKind::AuditOffice => "audit_office",
        }
    }

    /// Whether a request may be dispatched to this kind of organisation.
    pub const fn can_be_responsible(self) -> bool {
        !matches!(
            self,
            OrganisationKind::OwnersAssembly | OrganisationKind::AuditOffice
        )
    }

    /// Whether this kind of body takes decisions recorded in the ledger.
    pub const fn is_deciding_body(self) -> bool {
        matches!(
            self,
            OrganisationKind::CommunityPartyCommittee
                | OrganisationKind::CommunityCommittee
                | OrganisationKind::GridPartyBranch
                | OrganisationKind::OwnersAssembly
                | OrganisationKind::OwnersCommittee
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("mayor"), None);
    }
}
