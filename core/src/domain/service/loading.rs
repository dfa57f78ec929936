//! Reading a case's stream back: page through it, decode every payload (upcasting old
//! versions), fold it, and remember what correlation and causation need.

use uuid::Uuid;

use crate::domain::aggregate::{Aggregate, Folded};
use crate::domain::event::DomainEvent;
use crate::domain::service::envelope::CommandError;
use crate::event::{RecordedEvent, StreamId};
use crate::limits::READ_PAGE_EVENTS_MAX;
use crate::store::EventStore;

/// A folded stream plus the envelope facts the service needs.
#[derive(Debug, Clone)]
pub struct Loaded<A: Aggregate> {
    pub folded: Folded<A>,
    /// The case chain of the stream (its first event's correlation).
    pub correlation_id: Option<Uuid>,
    /// Every event of the stream: id and type, in order.
    pub events: Vec<(Uuid, &'static str)>,
}

impl<A: Aggregate> Default for Loaded<A> {
    fn default() -> Loaded<A> {
        Loaded {
            folded: Folded::default(),
            correlation_id: None,
            events: Vec::new(),
        }
    }
}

impl<A: Aggregate> Loaded<A> {
    pub fn state(&self) -> &A {
        &self.folded.state
    }

    pub fn version(&self) -> u64 {
        self.folded.version
    }

    pub fn last_event_id(&self) -> Option<Uuid> {
        self.events.last().map(|(id, _)| *id)
    }

    /// The newest event of a type (e.g. the `DecisionAdopted` an approval rests on).
    pub fn last_event_of_type(&self, event_type: &str) -> Option<Uuid> {
        self.events
            .iter()
            .rev()
            .find(|(_, name)| *name == event_type)
            .map(|(id, _)| *id)
    }

    /// The type of one of the stream's events.
    pub fn event_type_of(&self, event_id: Uuid) -> Option<&'static str> {
        self.events
            .iter()
            .find(|(id, _)| *id == event_id)
            .map(|(_, name)| *name)
    }

    /// Folds in stored events that follow what is already folded.
    pub fn extend(&mut self, recorded: &[RecordedEvent]) -> Result<(), CommandError> {
        for event in recorded {
            let decoded = DomainEvent::decode_recorded(event)?;
            if self.correlation_id.is_none() {
                self.correlation_id = Some(event.correlation_id);
            }
            self.folded.push(event.event_id, &decoded);
            self.events.push((event.event_id, decoded.event_type()));
        }
        Ok(())
    }
}

/// Reads every event of a stream after `loaded.version()` and folds it in.
pub fn catch_up<A: Aggregate>(
    store: &dyn EventStore,
    stream: &StreamId,
    loaded: &mut Loaded<A>,
) -> Result<(), CommandError> {
    loop {
        let page = store.read_stream(stream, loaded.version() + 1, READ_PAGE_EVENTS_MAX)?;
        loaded.extend(&page)?;
        if page.len() < READ_PAGE_EVENTS_MAX {
            return Ok(());
        }
    }
}

/// Loads a whole stream.
pub fn load<A: Aggregate>(
    store: &dyn EventStore,
    stream: &StreamId,
) -> Result<Loaded<A>, CommandError> {
    let mut loaded = Loaded::default();
    catch_up(store, stream, &mut loaded)?;
    Ok(loaded)
}
