//! Typed ids: one `Uuid` newtype per kind of thing, so a request id can never be passed where a
//! work project id is meant. All are UUIDv7 when the ledger mints them (time-ordered).

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh UUIDv7 id (wall clock). Deterministic builders pass their own `Uuid`.
            pub fn new_v7() -> $name {
                $name(Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: Uuid) -> $name {
                $name(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> $name {
                $name(uuid)
            }
        }
    )*};
}

typed_id! {
    /// A service request (诉求).
    RequestId,
    /// A repair or improvement project.
    WorkProjectId,
    /// A people's mediation case.
    MediationId,
    /// A decision of a governing body.
    DecisionId,
    /// The community (社区).
    CommunityId,
    /// A residential compound (小区).
    CompoundId,
    /// A building in a compound.
    BuildingId,
    /// A housing unit (an owned flat) in a building.
    UnitId,
    /// A grid (网格), first or second level.
    GridId,
    /// An organisation: Party committee or branch, owners' body, company, team, committee.
    OrganisationId,
    /// A login account that acts in roles.
    AccountId,
    /// A natural person. Their details live in the personal-data store, never in the ledger.
    PersonId,
}
