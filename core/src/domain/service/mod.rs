//! The application service: executes a `CommandEnvelope` against the store.
//!
//! 1. Idempotency: a known key with the same fingerprint returns the first outcome; with a
//!    different one it is a conflict.
//! 2. The directory (cached, caught up from its stream) says whether the actor holds the role;
//!    the authority matrix says whether the role may send the command.
//! 3. The case stream is loaded in pages and folded; related cases (the decision an approval
//!    cites, the request a merge targets) are loaded too.
//! 4. The aggregate decides; its events are appended with the expected version, with
//!    correlation (the case chain) and causation (what caused them).
//! 5. A concurrent write to the same case retries the whole decision (unless the sender gave
//!    an expected version, which then is a conflict).

pub mod envelope;
pub mod loading;
mod plans;

use std::sync::{Arc, RwLock};

use uuid::Uuid;

use crate::codec::encode_payload;
use crate::domain::aggregate::{Aggregate, Context, Related};
use crate::domain::authority;
use crate::domain::directory::Directory;
use crate::domain::error::DomainError;
use crate::domain::streams::directory_stream;
use crate::error::StoreError;
use crate::event::{Actor, EventType, NewEvent, StreamId};
use crate::hash::Hash256;
use crate::store::{AppendRequest, EventStore, ExpectedVersion, Idempotency};
use crate::time::Timestamp;

use envelope::{CommandEnvelope, CommandError, CommandErrorKind, CommandOutcome};
use loading::{Loaded, catch_up, load};
use plans::Plan;

/// How often a command is decided again after losing a race on its case.
const CONFLICT_RETRIES_MAX: usize = 3;

/// Mints event ids. The default is a UUIDv7 from the wall clock; the demo builder passes a
/// seeded source so its ledger is the same on every run.
pub type EventIdSource = Box<dyn Fn(Timestamp) -> Uuid + Send + Sync>;

pub struct CommandHandler {
    store: Arc<dyn EventStore>,
    directory: RwLock<Loaded<Directory>>,
    event_ids: EventIdSource,
}

impl CommandHandler {
    pub fn new(store: Arc<dyn EventStore>) -> CommandHandler {
        CommandHandler::with_event_ids(store, Box::new(|_| Uuid::now_v7()))
    }

    pub fn with_event_ids(store: Arc<dyn EventStore>, event_ids: EventIdSource) -> CommandHandler {
        CommandHandler {
            store,
            directory: RwLock::new(Loaded::default()),
            event_ids,
        }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// Runs `read` against the directory as of the store's head.
    pub fn with_directory<T>(&self, read: impl FnOnce(&Directory) -> T) -> Result<T, CommandError> {
        self.refresh_directory()?;
        let guard = self
            .directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(read(guard.state()))
    }

    /// Loads and folds any case's stream (read side helpers and tests use it).
    pub fn load<A: Aggregate>(&self, stream: &StreamId) -> Result<Loaded<A>, CommandError> {
        load(self.store.as_ref(), stream)
    }

    /// Executes one command: decides it against its case and appends what it produced.
    pub fn execute(&self, envelope: &CommandEnvelope) -> Result<CommandOutcome, CommandError> {
        let fingerprint = fingerprint(envelope)?;
        if let Some(replay) = self.stored_outcome(envelope, fingerprint)? {
            return Ok(replay);
        }
        match self.decide_and_append(envelope, fingerprint) {
            // A keyed command refused by its case may be meeting its own first attempt: one
            // that committed after the key was looked up above (a concurrent retry, or on a
            // shared PostgreSQL ledger a commit whose answer was lost, which this node saw
            // between the two reads). The key, looked up again, tells.
            Err(error)
                if envelope.idempotency_key.is_some()
                    && error.kind() != CommandErrorKind::Storage =>
            {
                match self.stored_outcome(envelope, fingerprint)? {
                    Some(replay) => Ok(replay),
                    None => Err(error),
                }
            }
            result => result,
        }
    }

    /// The stored outcome of this command's key, replayed; `None` when the key is unused.
    fn stored_outcome(
        &self,
        envelope: &CommandEnvelope,
        fingerprint: Hash256,
    ) -> Result<Option<CommandOutcome>, CommandError> {
        let Some(key) = &envelope.idempotency_key else {
            return Ok(None);
        };
        let Some((stored, outcome)) = self.store.find_idempotent(key)? else {
            return Ok(None);
        };
        if stored != fingerprint {
            return Err(CommandError::IdempotencyConflict {
                key: key.as_str().to_string(),
            });
        }
        self.replayed(
            outcome.first_position,
            outcome.last_position,
            outcome.stream_version,
        )
        .map(Some)
    }

    /// Decides and appends, again after a concurrent write to the case when the command
    /// expected no particular version.
    fn decide_and_append(
        &self,
        envelope: &CommandEnvelope,
        fingerprint: Hash256,
    ) -> Result<CommandOutcome, CommandError> {
        let now = envelope.occurred_at.unwrap_or_else(Timestamp::now);
        let mut attempt = 0;
        loop {
            match self.try_execute(envelope, now, fingerprint) {
                Err(CommandError::VersionConflict { .. })
                    if envelope.expected_version.is_none() && attempt < CONFLICT_RETRIES_MAX =>
                {
                    attempt += 1;
                    tracing::debug!(
                        attempt,
                        command = envelope.command.name(),
                        "retrying after a concurrent write"
                    );
                }
                result => return result,
            }
        }
    }

    /// One attempt: authorise against the current directory, decide against the loaded case
    /// (a plan of events), append the plan.
    fn try_execute(
        &self,
        envelope: &CommandEnvelope,
        now: Timestamp,
        fingerprint: Hash256,
    ) -> Result<CommandOutcome, CommandError> {
        self.refresh_directory()?;
        let directory = self
            .directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        authority::authorise(&envelope.actor, &envelope.command, directory.state(), now)?;
        let context = Context {
            now,
            actor: envelope.actor,
            directory: directory.state(),
            related: Related::default(),
        };
        let plan = self.decide(&envelope.command, &directory, &context)?;
        drop(directory);
        self.append(envelope, plan, now, fingerprint)
    }

    fn refresh_directory(&self) -> Result<(), CommandError> {
        let stream = directory_stream();
        {
            let cached = self
                .directory
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if self.store.stream_version(&stream)? == cached.version() {
                return Ok(());
            }
        }
        let mut cached = self
            .directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        catch_up(self.store.as_ref(), &stream, &mut cached)
    }

    fn append(
        &self,
        envelope: &CommandEnvelope,
        plan: Plan,
        now: Timestamp,
        fingerprint: Hash256,
    ) -> Result<CommandOutcome, CommandError> {
        if let Some(expected) = envelope.expected_version
            && expected != plan.version
        {
            return Err(CommandError::VersionConflict {
                stream: plan.stream.to_string(),
                expected,
                actual: plan.version,
            });
        }
        let actor = Actor {
            account_id: envelope.actor.account_id.0,
            role: envelope.actor.role.as_str().to_string(),
            organisation_id: Some(envelope.actor.organisation_id.0),
        };
        let correlation_id = envelope.correlation_id.unwrap_or(plan.correlation_id);
        let mut causation_id = envelope.causation_id.or(plan.causation_id);
        let mut events = Vec::with_capacity(plan.events.len());
        for event in &plan.events {
            let event_id = (self.event_ids)(now);
            events.push(NewEvent {
                event_id,
                event_type: EventType::new(event.event_type())?,
                schema_version: event.schema_version(),
                occurred_at: now,
                actor: actor.clone(),
                correlation_id,
                causation_id,
                payload: event.encode()?,
            });
            // Within one decision, each event is caused by the one before (tally → verdict).
            causation_id = Some(event_id);
        }
        let event_ids = events.iter().map(|e| e.event_id).collect();
        let request = AppendRequest {
            stream: plan.stream.clone(),
            expected: if plan.version == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(plan.version)
            },
            events,
            idempotency: envelope.idempotency_key.clone().map(|key| Idempotency {
                key,
                fingerprint: Some(fingerprint),
            }),
        };
        match self.store.append(request) {
            Ok(outcome) if outcome.replayed => self.replayed(
                outcome.first_position,
                outcome.last_position,
                outcome.stream_version,
            ),
            Ok(outcome) => Ok(CommandOutcome {
                stream: plan.stream,
                first_position: outcome.first_position,
                last_position: outcome.last_position,
                stream_version: outcome.stream_version,
                event_ids,
                replayed: false,
            }),
            Err(StoreError::WrongExpectedVersion { stream, actual, .. }) => {
                Err(CommandError::VersionConflict {
                    stream,
                    expected: plan.version,
                    actual,
                })
            }
            Err(StoreError::IdempotencyConflict { key }) => {
                Err(CommandError::IdempotencyConflict { key })
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The outcome of an earlier append, read back from the log.
    fn replayed(
        &self,
        first: u64,
        last: u64,
        stream_version: u64,
    ) -> Result<CommandOutcome, CommandError> {
        let mut event_ids = Vec::new();
        let mut stream = None;
        for position in first..=last {
            let event = self
                .store
                .read_event(position)?
                .ok_or_else(|| self.replayed_event_missing(position))?;
            event_ids.push(event.event_id);
            stream.get_or_insert(event.stream_id);
        }
        let stream = stream.ok_or(StoreError::Corrupt {
            position: first,
            reason: "an idempotent outcome names no events".into(),
        })?;
        Ok(CommandOutcome {
            stream,
            first_position: first,
            last_position: last,
            stream_version,
            event_ids,
            replayed: true,
        })
    }

    /// Why an event an idempotent outcome names cannot be read. Beyond the head this node
    /// has published, the append is durable but not yet visible here (on a shared PostgreSQL
    /// ledger: another node's append, or a commit whose answer was cut off, before this node
    /// saw the head move): a retry with the same key replays it. At or below the head, the
    /// log is damaged.
    fn replayed_event_missing(&self, position: u64) -> StoreError {
        if position > self.store.head().position {
            StoreError::Storage(format!(
                "the append is stored at position {position}, which this node cannot read \
                 yet; retry with the same idempotency key"
            ))
        } else {
            StoreError::Corrupt {
                position,
                reason: "an idempotent outcome names a missing position".into(),
            }
        }
    }
}

/// "The same command" for idempotency: the actor, the command and the expected version.
/// Times and ids the sender does not choose are left out, so a retry matches.
fn fingerprint(envelope: &CommandEnvelope) -> Result<Hash256, CommandError> {
    let bytes = encode_payload(&(
        &envelope.actor,
        &envelope.command,
        envelope.expected_version,
    ))
    .map_err(|e| DomainError::PayloadCodec {
        event_type: "command fingerprint",
        reason: e.to_string(),
    })?;
    Ok(Hash256::of_bytes(&bytes))
}
