//! Stream naming: one stream per case, one for the directory, one per person for erasures.
//!
//! | stream                | holds                                        |
//! |-----------------------|----------------------------------------------|
//! | `request-<uuid>`      | one service request                          |
//! | `work-<uuid>`         | one work project                             |
//! | `mediation-<uuid>`    | one mediation case                           |
//! | `decision-<uuid>`     | one decision                                 |
//! | `directory`           | the whole directory (places, organisations, accounts, roles) |
//! | `person-<uuid>`       | erasure records of one person                |
//!
//! `FactCorrected` events live in the stream of the event they correct. The prefixes are
//! public so read models can filter the log (`LogFilter::stream_prefix`).

use uuid::Uuid;

use crate::domain::ids::{DecisionId, MediationId, PersonId, RequestId, WorkProjectId};
use crate::event::StreamId;

pub const REQUEST_STREAM_PREFIX: &str = "request-";
pub const WORK_PROJECT_STREAM_PREFIX: &str = "work-";
pub const MEDIATION_STREAM_PREFIX: &str = "mediation-";
pub const DECISION_STREAM_PREFIX: &str = "decision-";
pub const DIRECTORY_STREAM_NAME: &str = "directory";
pub const PERSON_STREAM_PREFIX: &str = "person-";

/// What a stream holds, parsed back from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum StreamRef {
    Request(RequestId),
    WorkProject(WorkProjectId),
    Mediation(MediationId),
    Decision(DecisionId),
    Directory,
    Person(PersonId),
}

fn stream(prefix: &str, id: Uuid) -> StreamId {
    // A prefix from this module plus a hyphenated UUID always passes `StreamId::new`.
    StreamId::new(format!("{prefix}{id}")).expect("domain stream names are valid stream ids")
}

pub fn request_stream(id: RequestId) -> StreamId {
    stream(REQUEST_STREAM_PREFIX, id.0)
}

pub fn work_project_stream(id: WorkProjectId) -> StreamId {
    stream(WORK_PROJECT_STREAM_PREFIX, id.0)
}

pub fn mediation_stream(id: MediationId) -> StreamId {
    stream(MEDIATION_STREAM_PREFIX, id.0)
}

pub fn decision_stream(id: DecisionId) -> StreamId {
    stream(DECISION_STREAM_PREFIX, id.0)
}

pub fn directory_stream() -> StreamId {
    StreamId::new(DIRECTORY_STREAM_NAME).expect("the directory stream name is a valid stream id")
}

pub fn person_stream(id: PersonId) -> StreamId {
    stream(PERSON_STREAM_PREFIX, id.0)
}

/// The stream's name for a reference.
pub fn stream_of(reference: StreamRef) -> StreamId {
    match reference {
        StreamRef::Request(id) => request_stream(id),
        StreamRef::WorkProject(id) => work_project_stream(id),
        StreamRef::Mediation(id) => mediation_stream(id),
        StreamRef::Decision(id) => decision_stream(id),
        StreamRef::Directory => directory_stream(),
        StreamRef::Person(id) => person_stream(id),
    }
}

/// Parses a stream name back into what it holds; `None` for streams the domain did not name.
pub fn parse_stream(stream: &StreamId) -> Option<StreamRef> {
    let name = stream.as_str();
    if name == DIRECTORY_STREAM_NAME {
        return Some(StreamRef::Directory);
    }
    let id = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| Uuid::try_parse(rest).ok())
    };
    if let Some(uuid) = id(REQUEST_STREAM_PREFIX) {
        Some(StreamRef::Request(RequestId(uuid)))
    } else if let Some(uuid) = id(WORK_PROJECT_STREAM_PREFIX) {
        Some(StreamRef::WorkProject(WorkProjectId(uuid)))
    } else if let Some(uuid) = id(MEDIATION_STREAM_PREFIX) {
        Some(StreamRef::Mediation(MediationId(uuid)))
    } else if let Some(uuid) = id(DECISION_STREAM_PREFIX) {
        Some(StreamRef::Decision(DecisionId(uuid)))
    } else {
        id(PERSON_STREAM_PREFIX).map(|uuid| StreamRef::Person(PersonId(uuid)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_round_trip() {
        let uuid = Uuid::from_u128(0x0190_c2a0_0000_7000_8000_0000_0000_0001);
        for reference in [
            StreamRef::Request(RequestId(uuid)),
            StreamRef::WorkProject(WorkProjectId(uuid)),
            StreamRef::Mediation(MediationId(uuid)),
            StreamRef::Decision(DecisionId(uuid)),
            StreamRef::Directory,
            StreamRef::Person(PersonId(uuid)),
        ] {
            assert_eq!(parse_stream(&stream_of(reference)), Some(reference));
        }
        assert_eq!(
            request_stream(RequestId(uuid)).as_str(),
            "request-0190c2a0-0000-7000-8000-000000000001"
        );
        assert_eq!(parse_stream(&StreamId::new("request-x").unwrap()), None);
    }
}
