//! The ledger's record of a personal-data erasure: who, on what basis (when is in the
//! envelope). It never carries the erased data. Stream: `person-<uuid>`.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{AccountId, PersonId};

/// The lawful basis of an erasure (PIPL Art. 47).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ErasureBasis {
    /// The person asked for it.
    DataSubjectRequest,
    /// The person withdrew consent.
    ConsentWithdrawn,
    /// The retention period ended.
    RetentionExpired,
    /// A court or authority ordered it.
    LegalOrder,
}

impl ErasureBasis {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErasureBasis::DataSubjectRequest => "data_subject_request",
            ErasureBasis::ConsentWithdrawn => "consent_withdrawn",
            ErasureBasis::RetentionExpired => "retention_expired",
            ErasureBasis::LegalOrder => "legal_order",
        }
    }

    /// Every basis, in declaration order.
    pub const ALL: [ErasureBasis; 4] = [
        ErasureBasis::DataSubjectRequest,
        ErasureBasis::ConsentWithdrawn,
        ErasureBasis::RetentionExpired,
        ErasureBasis::LegalOrder,
    ];

    /// The basis `as_str` names.
    pub fn parse(text: &str) -> Option<ErasureBasis> {
        ErasureBasis::ALL
            .into_iter()
            .find(|basis| basis.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalDataErased {
    pub person_id: PersonId,
    pub basis: ErasureBasis,
    pub erased_by: AccountId,
}

/// A person as the ledger knows them: only whether their details were erased.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PersonRecord {
    #[default]
    NotErased,
    Erased {
        basis: ErasureBasis,
    },
}

impl PersonRecord {
    pub fn apply(&mut self, event: &PersonalDataErased) {
        *self = PersonRecord::Erased { basis: event.basis };
    }

    /// Decides an erasure: once only.
    pub fn decide_erasure(
        &self,
        person_id: PersonId,
        basis: ErasureBasis,
        erased_by: AccountId,
    ) -> Result<PersonalDataErased, crate::domain::error::DomainError> {
        if let PersonRecord::Erased { .. } = self {
            return Err(crate::domain::error::DomainError::WrongState {
                aggregate: "person",
                state: "erased",
                action: "be erased again",
            });
        }
        Ok(PersonalDataErased {
            person_id,
            basis,
            erased_by,
        })
    }
}

impl crate::domain::aggregate::Aggregate for PersonRecord {
    type Id = PersonId;
    type Command = ErasureBasis;
    type Event = PersonalDataErased;
    const NAME: &'static str = "person";

    fn apply(&mut self, event: &PersonalDataErased) {
        PersonRecord::apply(self, event);
    }

    fn handle(
        &self,
        person_id: PersonId,
        basis: &ErasureBasis,
        context: &crate::domain::aggregate::Context<'_>,
    ) -> Result<Vec<PersonalDataErased>, crate::domain::error::DomainError> {
        Ok(vec![self.decide_erasure(
            person_id,
            *basis,
            context.actor.account_id,
        )?])
    }

    fn select(event: &crate::domain::event::DomainEvent) -> Option<&PersonalDataErased> {
        match event {
            crate::domain::event::DomainEvent::PersonalDataErased(event) => Some(event),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        *self != PersonRecord::NotErased
    }
}
