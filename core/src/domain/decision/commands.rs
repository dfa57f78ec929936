//! Decision commands and how a decision decides them.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::decision::state::{Decision, DecisionStatus};
use crate::domain::decision::vocabulary::{Authorisation, BallotChoice, DecisionMatter};
use crate::domain::error::DomainError;
use crate::domain::event::{DecisionEvent, DomainEvent};
use crate::domain::ids::{AccountId, DecisionId, OrganisationId, PersonId, RequestId};
use crate::time::Timestamp;

/// Who a ballot is cast for; the decision works out units and area from the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BallotFor {
    Owner { person_id: PersonId },
    Member { account_id: AccountId },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionCommand {
    Propose {
        body_organisation_id: OrganisationId,
        matter: DecisionMatter,
        title: String,
        text: String,
        authorisations: Vec<Authorisation>,
        linked_request_ids: Vec<RequestId>,
    },
    OpenVoting {
        closes_at: Timestamp,
    },
    CastBallot {
        ballot_for: BallotFor,
        choice: BallotChoice,
    },
    /// Closes voting and counts; allowed once voting closed or every voter voted.
    Tally,
    Publish {
        notice: String,
    },
    Withdraw {
        reason: String,
    },
}

impl DecisionCommand {
    pub const fn name(&self) -> &'static str {
        match self {
            DecisionCommand::Propose { .. } => "propose_decision",
            DecisionCommand::OpenVoting { .. } => "open_voting",
            DecisionCommand::CastBallot { .. } => "cast_ballot",
            DecisionCommand::Tally => "tally_decision",
            DecisionCommand::Publish { .. } => "publish_decision",
            DecisionCommand::Withdraw { .. } => "withdraw_decision",
        }
    }
}

impl Aggregate for Decision {
    type Id = DecisionId;
    type Command = DecisionCommand;
    type Event = DecisionEvent;
    const NAME: &'static str = "decision";

    fn apply(&mut self, event: &DecisionEvent) {
        self.apply_event(event);
    }

    fn select(event: &DomainEvent) -> Option<&DecisionEvent> {
        match event {
            DomainEvent::Decision(event) => Some(event),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        self.status != DecisionStatus::Unknown
    }

    fn handle(
        &self,
        decision_id: DecisionId,
        command: &DecisionCommand,
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        use DecisionCommand as C;
        if !self.exists() && !matches!(command, C::Propose { .. }) {
            return Err(not_found("decision", decision_id));
        }
        let id = decision_id;
        match command {
            C::Propose {
                body_organisation_id,
                matter,
                title,
                text,
                authorisations,
                linked_request_ids,
            } => self.propose(
                id,
                *body_organisation_id,
                *matter,
                title,
                text,
                authorisations,
                linked_request_ids,
                context,
            ),
            C::OpenVoting { closes_at } => self.open_voting(id, *closes_at, context),
            C::CastBallot { ballot_for, choice } => {
                self.cast_ballot(id, *ballot_for, *choice, context)
            }
            C::Tally => self.tally(id, context),
            C::Publish { notice } => self.publish(id, notice, context),
            C::Withdraw { reason } => self.withdraw(id, reason, context),
        }
    }
}
