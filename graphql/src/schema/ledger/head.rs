//! The ledger head and the outcome of the last full verification.

use async_graphql::{Enum, SimpleObject};

use crate::schema::ledger::proofs::CheckpointView;
use crate::schema::scalars::{DateTime, Int64};
use crate::service::Verification;

/// The newest durable event.
#[derive(SimpleObject)]
pub struct LedgerHead {
    /// 0 for an empty ledger.
    pub position: Int64,
    /// Hex; 64 zeros for an empty ledger.
    pub hash: String,
    pub verification: LedgerVerification,
    /// The latest checkpoint the log signed (it may trail the head by up to the signing
    /// interval); `null` before the first.
    pub checkpoint: Option<CheckpointView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VerificationStatus {
    /// A full walk of the chain is running; everything up to `checkedThroughPosition` was
    /// verified when the ledger was opened.
    Verifying,
    /// Every event up to `checkedThroughPosition` verified.
    Verified,
    /// The chain is broken at `damagedPosition`.
    Damaged,
    /// The verifier could not read the ledger.
    Failed,
}

#[derive(SimpleObject)]
pub struct LedgerVerification {
    pub status: VerificationStatus,
    pub checked_through_position: Option<Int64>,
    pub events_checked: Option<Int64>,
    pub checked_at: Option<DateTime>,
    pub damaged_position: Option<Int64>,
    pub damage: Option<String>,
}

impl From<Verification> for LedgerVerification {
    fn from(verification: Verification) -> LedgerVerification {
        let empty = LedgerVerification {
            status: VerificationStatus::Verifying,
            checked_through_position: None,
            events_checked: None,
            checked_at: None,
            damaged_position: None,
            damage: None,
        };
        match verification {
            Verification::Verifying { verified_at_open } => LedgerVerification {
                checked_through_position: Some(verified_at_open.position.into()),
                ..empty
            },
            Verification::Verified {
                head,
                events_checked,
                checked_at,
            } => LedgerVerification {
                status: VerificationStatus::Verified,
                checked_through_position: Some(head.position.into()),
                events_checked: Some(events_checked.into()),
                checked_at: Some(DateTime(checked_at)),
                ..empty
            },
            Verification::Damaged { damage, checked_at } => LedgerVerification {
                status: VerificationStatus::Damaged,
                checked_through_position: damage.position.checked_sub(1).map(Int64::from),
                checked_at: Some(DateTime(checked_at)),
                damaged_position: Some(damage.position.into()),
                damage: Some(damage.reason),
                ..empty
            },
            Verification::Failed { reason } => LedgerVerification {
                status: VerificationStatus::Failed,
                damage: Some(reason),
                ..empty
            },
        }
    }
}
