//! The domain's vocabularies as GraphQL enums and inputs. Mirrors with `From` conversions keep
//! the core crate free of GraphQL.

use async_graphql::{Enum, ID, InputObject};
use govledger_core::domain::decision::vocabulary as decision;
use govledger_core::domain::erasure::ErasureBasis as CoreErasureBasis;
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::vocabulary as mediation;
use govledger_core::domain::quantity::{
    FundingSource as CoreFundingSource, Quantity, QuantityUnit as CoreQuantityUnit,
};
use govledger_core::domain::request::vocabulary as request;
use govledger_core::domain::role::{OrganisationKind as CoreOrganisationKind, Role as CoreRole};
use govledger_core::domain::work_project::vocabulary::WorkCategory as CoreWorkCategory;

use crate::schema::mutations::{BadInput, optional_id_at};
use crate::schema::scalars::Int64;

/// A GraphQL enum with the same variants as a domain enum, and the conversions both ways.
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $core:ty { $($variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        pub enum $name {
            $($variant),*
        }

        impl From<$name> for $core {
            fn from(value: $name) -> $core {
                match value {
                    $($name::$variant => <$core>::$variant),*
                }
            }
        }

        // The way back is never used; its exhaustive match makes a variant added to the
        // domain fail to compile here until the GraphQL enum has it too.
        impl From<$core> for $name {
            fn from(value: $core) -> $name {
                match value {
                    $(<$core>::$variant => $name::$variant),*
                }
            }
        }
    };
}

mirror_enum!(
    /// What a resident asks for.
    RequestKind => request::RequestKind { Enquiry, Help, Complaint, Suggestion }
);
mirror_enum!(
    /// The subject of a request.
    RequestCategory => request::RequestCategory {
        Repair, Lift, Parking, EBikeCharging, DogKeeping, Sanitation, Greening, Security,
        NeighbourDispute, PolicyEnquiry, PropertyService, Other,
    }
);
mirror_enum!(
    /// How a request reached the community.
    Channel => request::Channel {
        Unrecorded, ServiceStation, GridVisit, Phone, Hotline12345, Online,
    }
);
mirror_enum!(
    /// How a request was resolved.
    Outcome => request::Outcome { Fixed, Explained, NoFurtherAction, NotResponsible }
);
mirror_enum!(
    /// What the follow-up call found.
    FollowUpResolution => request::FollowUpResolution {
        Resolved, NotResolved, RequesterUnreachable,
    }
);
mirror_enum!(
    /// The requester's satisfaction at follow-up.
    Satisfaction => request::Satisfaction {
        Satisfied, BasicallySatisfied, Dissatisfied, NoAnswer,
    }
);
mirror_enum!(
    /// The kind of work of a work project.
    WorkCategory => CoreWorkCategory {
        RoofWaterproofing, UnitDoorReplacement, CameraReplacement, Planting, RoadResurfacing,
        CarParkRoad, ExteriorWallPainting, ParkingLot, BicycleShed, EBikeCharging, Playground,
        PetPark, DryingArea, LiftInstallation, OtherRepair,
    }
);
mirror_enum!(
    /// Where a work project's money comes from.
    FundingSource => CoreFundingSource {
        MaintenanceFund, PropertyFees, Government, Donation, CommonPartsIncome,
    }
);
mirror_enum!(
    /// The unit a quantity of work is counted in.
    QuantityUnit => CoreQuantityUnit {
        Piece, SquareMetre, Metre, Building, Roof, ExteriorWall, UnitDoor, Camera, ParkingSpace,
        BicycleShed, BicyclePlace, ChargingPoint, Lift,
    }
);
mirror_enum!(
    /// How a mediation case came in.
    MediationSource => mediation::MediationSource {
        PartyApplication, OwnInitiative, PoliceReferral, CourtReferral, GovernmentReferral,
    }
);
mirror_enum!(
    /// What a dispute is about.
    DisputeType => mediation::DisputeType {
        Neighbour, Noise, WaterLeak, DogKeeping, Parking, PropertyService, Renovation, Family,
        Debt, Other,
    }
);
mirror_enum!(
    /// The form of a mediation agreement.
    AgreementForm => mediation::AgreementForm { Written, Oral }
);
mirror_enum!(
    /// Whether the parties kept their agreement.
    Performance => mediation::Performance { Performed, PartlyPerformed, NotPerformed }
);
mirror_enum!(
    /// What a decision is about (it sets the voting rule).
    DecisionMatter => decision::DecisionMatter {
        RulesOfProcedure, ManagementStatute, CommitteeElection, PropertyManagerEngagement,
        MaintenanceFundUse, MaintenanceFundRaising, Rebuilding, CommonPartsUseChange,
        OtherMajorMatter, BodyResolution,
    }
);
mirror_enum!(
    /// A ballot's choice.
    BallotChoice => decision::BallotChoice { For, Against, Abstain }
);
mirror_enum!(
    /// A role an account holds in an organisation.
    Role => CoreRole {
        Resident, StationClerk, GridWorker, PartyCommitteeMember, PartyBranchMember,
        OwnersCommitteeMember, PropertyDispatcher, PropertyTechnician, ContractorManager,
        Volunteer, Mediator, Inspector, Auditor, DirectoryAdministrator, DataProtectionOfficer,
    }
);
mirror_enum!(
    /// The kind of an organisation.
    OrganisationKind => CoreOrganisationKind {
        CommunityPartyCommittee, CommunityCommittee, GridPartyBranch, ServiceStation,
        OwnersAssembly, OwnersCommittee, PropertyCompany, VolunteerTeam, MediationCommittee,
        Contractor, GovernmentDepartment, AuditOffice,
    }
);
mirror_enum!(
    /// The legal basis of a personal-data erasure.
    ErasureBasis => CoreErasureBasis {
        DataSubjectRequest, ConsentWithdrawn, RetentionExpired, LegalOrder,
    }
);

/// Where something is: any of compound, building, unit and grid.
#[derive(Debug, Clone, Default, InputObject)]
pub struct LocationInput {
    pub compound_id: Option<ID>,
    pub building_id: Option<ID>,
    pub unit_id: Option<ID>,
    pub grid_id: Option<ID>,
}

impl LocationInput {
    /// The domain's location; `field` is the input field holding it (for error paths).
    pub(crate) fn parse(&self, field: &str) -> Result<Location, BadInput> {
        self.parse_at(&[field])
    }

    /// The domain's location; `path` leads to it inside the input (for error paths).
    pub(crate) fn parse_at(&self, path: &[&str]) -> Result<Location, BadInput> {
        let at = |name: &'static str| {
            let mut at = path.to_vec();
            at.push(name);
            at
        };
        Ok(Location {
            compound_id: optional_id_at(&at("compoundId"), self.compound_id.as_ref())?,
            building_id: optional_id_at(&at("buildingId"), self.building_id.as_ref())?,
            unit_id: optional_id_at(&at("unitId"), self.unit_id.as_ref())?,
            grid_id: optional_id_at(&at("gridId"), self.grid_id.as_ref())?,
        })
    }
}

/// An amount of work in a unit (`amount` 16 with `unit` UNIT_DOOR: sixteen unit doors).
#[derive(Debug, Clone, Copy, InputObject)]
pub struct QuantityInput {
    pub amount: Int64,
    pub unit: QuantityUnit,
}

impl From<QuantityInput> for Quantity {
    fn from(value: QuantityInput) -> Quantity {
        Quantity::new(value.amount.0, value.unit.into())
    }
}

/// Quantities as the domain counts them.
pub fn quantities(values: Vec<QuantityInput>) -> Vec<Quantity> {
    values.into_iter().map(Quantity::from).collect()
}
