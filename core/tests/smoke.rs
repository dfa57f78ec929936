use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, LogQuery};
use govledger_core::time::Timestamp;
use uuid::Uuid;

fn event(n: u8) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: EventType::new("RequestReceived").unwrap(),
        schema_version: 1,
        occurred_at: Timestamp::from_civil(2020, 5, 1).unwrap(),
        actor: Actor {
            account_id: Uuid::nil(),
            role: "station_clerk".into(),
            organisation_id: None,
        },
        correlation_id: Uuid::nil(),
        causation_id: None,
        payload: vec![n; 10],
    }
}

#[test]
fn append_read_verify_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let stream = StreamId::new("request-1").unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let outcome = store
            .append(AppendRequest {
                stream: stream.clone(),
                expected: ExpectedVersion::NoStream,
                events: vec![event(1), event(2)],
                idempotency: None,
            })
            .unwrap();
        assert_eq!(
            (
                outcome.first_position,
                outcome.last_position,
                outcome.stream_version
            ),
            (1, 2, 2)
        );
        let page = store.read_log(&LogQuery::forwards(1, 10)).unwrap();
        assert_eq!(page.events.len(), 2);
        assert_eq!(store.read_stream(&stream, 2, 10).unwrap().len(), 1);
        let report = store.verify().unwrap();
        assert_eq!(report.first_damage, None);
        assert_eq!(report.events_checked, 2);
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.head().position, 2);
    assert_eq!(store.stream_version(&stream).unwrap(), 2);
}
