//! One stored event as a GraphQL node.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use govledger_core::event::RecordedEvent;

use crate::access::ReadScope;
use crate::payload_json::payload_json;
use crate::schema::context::{principal, service};
use crate::schema::ledger::proofs::{InclusionProof, inclusion_proof};
use crate::schema::node::{GlobalId, hex_encode};
use crate::schema::scalars::{DateTime, Int64};

pub(crate) const LEDGER_EVENT_TYPE: &str = "LedgerEvent";

/// An event exactly as the ledger holds it.
#[derive(Clone)]
pub struct LedgerEvent(pub RecordedEvent);

/// Who recorded an event: the account, the role it acted in, the organisation it acted for.
#[derive(SimpleObject)]
pub struct ActorView {
    pub account_id: ID,
    pub role: String,
    pub organisation_id: Option<ID>,
}

#[Object]
impl LedgerEvent {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(LEDGER_EVENT_TYPE, &self.0.position.to_string())
    }

    /// Global position, from 1, gap-free.
    async fn position(&self) -> Int64 {
        self.0.position.into()
    }

    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }

    async fn stream_id(&self) -> &str {
        self.0.stream_id.as_str()
    }

    /// Version within the stream, from 1.
    async fn stream_version(&self) -> Int64 {
        self.0.stream_version.into()
    }

    /// Past-tense type name, e.g. `RequestDispatched`.
    async fn event_type(&self) -> &str {
        self.0.event_type.as_str()
    }

    async fn schema_version(&self) -> u16 {
        self.0.schema_version
    }

    /// When it happened, as recorded.
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }

    /// When the ledger stored it (never decreases along the log).
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }

    async fn actor(&self) -> ActorView {
        ActorView {
            account_id: ID(self.0.actor.account_id.to_string()),
            role: self.0.actor.role.clone(),
            organisation_id: self.0.actor.organisation_id.map(|id| ID(id.to_string())),
        }
    }

    /// The case chain this event belongs to.
    async fn correlation_id(&self) -> ID {
        ID(self.0.correlation_id.to_string())
    }

    /// The event or command that caused this one.
    async fn causation_id(&self) -> Option<ID> {
        self.0.causation_id.map(|id| ID(id.to_string()))
    }

    /// The decoded payload; `null` without a token (payloads may name units) or when this
    /// build cannot decode the event's type or schema version.
    async fn payload(&self, ctx: &Context<'_>) -> Option<Json<serde_json::Value>> {
        match principal(ctx).read_scope() {
            ReadScope::Full => payload_json(&self.0).map(Json),
            ReadScope::Public => None,
        }
    }

    /// Hex of the raw payload bytes; `null` without a token.
    async fn payload_hex(&self, ctx: &Context<'_>) -> Option<String> {
        match principal(ctx).read_scope() {
            ReadScope::Full => Some(hex_encode(&self.0.payload)),
            ReadScope::Public => None,
        }
    }

    /// Chain hash of the previous event (hex; zeros for position 1).
    async fn prev_hash(&self) -> String {
        self.0.prev_hash.to_hex()
    }

    /// `SHA-256(prev_hash || stored record bytes)`, hex.
    async fn hash(&self) -> String {
        self.0.hash.to_hex()
    }

    /// Proof that this event is in the log's Merkle tree of `treeSize` events (at least its
    /// position, at most the head; a signed checkpoint's size to check it against that).
    async fn inclusion_proof(
        &self,
        ctx: &Context<'_>,
        tree_size: Int64,
    ) -> async_graphql::Result<InclusionProof> {
        let tree_size = tree_size.non_negative("treeSize")?;
        inclusion_proof(service(ctx)?.tlog(), self.0.position, tree_size).await
    }
}
