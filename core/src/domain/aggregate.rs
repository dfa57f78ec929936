//! The aggregate contract (cqrs-es style) and the context a decision is taken in.
//!
//! `apply` folds an event into the state and cannot fail: an event is a fact. `handle` decides
//! whether a command is allowed in the current state and which events it produces; it never
//! mutates. The context carries everything a decision needs from outside its own stream.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::correction::FactCorrected;
use crate::domain::decision::Decision;
use crate::domain::directory::Directory;
use crate::domain::error::DomainError;
use crate::domain::event::DomainEvent;
use crate::domain::ids::{AccountId, OrganisationId};
use crate::domain::request::ServiceRequest;
use crate::domain::role::Role;
use crate::domain::work_project::WorkProject;
use crate::time::Timestamp;

/// Who sends a command: an account acting in one role for one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ActingAs {
    pub account_id: AccountId,
    pub role: Role,
    pub organisation_id: OrganisationId,
}

/// Other aggregates a command refers to, loaded by the application service.
#[derive(Debug, Clone, Copy, Default)]
pub struct Related<'a> {
    /// The decision an approval cites.
    pub decision: Option<&'a Decision>,
    /// The request a merge targets.
    pub request: Option<&'a ServiceRequest>,
    /// The work project a resolution or warranty claim names.
    pub work_project: Option<&'a WorkProject>,
}

/// What a decision is taken against, besides the aggregate's own state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// When the command takes effect (the events' occurred-at).
    pub now: Timestamp,
    pub actor: ActingAs,
    pub directory: &'a Directory,
    pub related: Related<'a>,
}

/// A consistency boundary: one stream, folded into a state that decides commands.
pub trait Aggregate: Default + Clone + std::fmt::Debug {
    type Id: Copy;
    type Command;
    type Event: Clone + std::fmt::Debug + Into<DomainEvent>;

    /// Lower-case name for messages ("request", "work project").
    const NAME: &'static str;

    /// Folds one event in. Cannot fail: events are facts already recorded.
    fn apply(&mut self, event: &Self::Event);

    /// Folds in a correction of `corrected`, an earlier event of this stream. The default
    /// ignores it: only fields that change what the aggregate decides need handling here.
    fn apply_correction(&mut self, correction: &FactCorrected, corrected: &Self::Event) {
        let _ = (correction, corrected);
    }

    /// Decides a command: the events it produces, or why it is refused.
    fn handle(
        &self,
        id: Self::Id,
        command: &Self::Command,
        context: &Context<'_>,
    ) -> Result<Vec<Self::Event>, DomainError>;

    /// This aggregate's event inside a decoded domain event, if it is one.
    fn select(event: &DomainEvent) -> Option<&Self::Event>;

    /// Whether any event was applied (the case exists).
    fn exists(&self) -> bool;
}

/// An aggregate folded from its stream, remembering its events by id so that corrections
/// can find what they correct.
#[derive(Debug, Clone)]
pub struct Folded<A: Aggregate> {
    pub state: A,
    /// The stream version folded so far.
    pub version: u64,
    events_by_id: HashMap<Uuid, A::Event>,
}

impl<A: Aggregate> Default for Folded<A> {
    fn default() -> Folded<A> {
        Folded {
            state: A::default(),
            version: 0,
            events_by_id: HashMap::new(),
        }
    }
}

impl<A: Aggregate> Folded<A> {
    /// Folds one stored event in (its own events and corrections; anything else is counted
    /// but ignored).
    pub fn push(&mut self, event_id: Uuid, event: &DomainEvent) {
        self.version += 1;
        if let DomainEvent::FactCorrected(correction) = event {
            if let Some(corrected) = self.events_by_id.get(&correction.corrects_event_id) {
                self.state.apply_correction(correction, corrected);
            }
        } else if let Some(own) = A::select(event) {
            self.state.apply(own);
            self.events_by_id.insert(event_id, own.clone());
        }
    }

    /// The event of this stream with that id, if there is one.
    pub fn event(&self, event_id: Uuid) -> Option<&A::Event> {
        self.events_by_id.get(&event_id)
    }

    /// Folds a whole sequence of `(event id, event)`.
    pub fn from_events<'e>(events: impl IntoIterator<Item = (Uuid, &'e DomainEvent)>) -> Folded<A> {
        let mut folded = Folded::default();
        for (event_id, event) in events {
            folded.push(event_id, event);
        }
        folded
    }
}

/// The error for a command that needs an existing case.
pub fn not_found(what: &'static str, id: impl std::fmt::Display) -> DomainError {
    DomainError::NotFound {
        what,
        id: id.to_string(),
    }
}
