//! Golden bytes of stored records (store format 1, and its chunks in format 2). An accidental change to the encoding, the
//! field order or the hash rule fails here loudly; an intended one needs a new format tag, a
//! new store format and an ADR, not an updated snapshot.

use govledger_core::codec::{self, Placement};
use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::hash::Hash256;
use govledger_core::store::ExpectedVersion;
use govledger_core::time::Timestamp;
use uuid::Uuid;

/// Bytes per line of a hex dump.
const HEX_LINE_BYTES: usize = 32;

fn hex_dump(bytes: &[u8]) -> String {
    bytes
        .chunks(HEX_LINE_BYTES)
        .map(|line| line.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

struct Golden {
    event: NewEvent,
    position: u64,
    stream: &'static str,
    stream_version: u64,
    recorded_at: Timestamp,
    prev_hash: Hash256,
}

fn minimal() -> Golden {
    Golden {
        event: NewEvent {
            event_id: Uuid::from_u128(0x0190_c2a0_1b2c_7d3e_8f40_5162_7384_95a6),
            event_type: EventType::new("RequestReceived").expect("valid type"),
            schema_version: 1,
            occurred_at: Timestamp::from_unix_micros(1_588_321_800_000_000),
            actor: Actor {
                account_id: Uuid::from_u128(0x0190_c2a0_0000_7000_8000_0000_0000_0001),
                role: "station_clerk".into(),
                organisation_id: None,
            },
            correlation_id: Uuid::from_u128(0x0190_c2a0_1b2c_7d3e_8f40_5162_7384_95a6),
            causation_id: None,
            payload: Vec::new(),
        },
        position: 1,
        stream: "request-0190c2a0",
        stream_version: 1,
        recorded_at: Timestamp::from_unix_micros(1_588_321_801_234_567),
        prev_hash: Hash256::GENESIS,
    }
}

fn full() -> Golden {
    Golden {
        event: NewEvent {
            event_id: Uuid::from_u128(0x0190_c2a1_0000_7aaa_9bbb_cccc_dddd_eeee),
            event_type: EventType::new("ProjectCompleted").expect("valid type"),
            schema_version: 3,
            occurred_at: Timestamp::from_unix_micros(1_600_000_000_000_000),
            actor: Actor {
                account_id: Uuid::from_u128(0x0190_c2a0_0000_7000_8000_0000_0000_0002),
                role: "property_dispatcher".into(),
                organisation_id: Some(Uuid::from_u128(0x0190_c2a0_0000_7000_8000_0000_0000_0a0a)),
            },
            correlation_id: Uuid::from_u128(0x0190_c2a0_1b2c_7d3e_8f40_5162_7384_95a6),
            causation_id: Some(Uuid::from_u128(0x0190_c2a0_ffff_7000_8000_0000_0000_0003)),
            payload: b"16 unit doors replaced".to_vec(),
        },
        position: 2,
        stream: "project/sun-coast:unit-doors",
        stream_version: 2,
        recorded_at: Timestamp::from_unix_micros(1_600_000_100_000_000),
        prev_hash: Hash256::chain(&Hash256::GENESIS, b"previous record"),
    }
}

/// Varint boundaries: a position and version past one byte, an instant before 1970 (a
/// back-filled paper record), a payload longer than 250 bytes.
fn wide() -> Golden {
    let mut golden = minimal();
    golden.event.event_type = EventType::new("MediationArchived").expect("valid type");
    golden.event.occurred_at = Timestamp::from_unix_micros(-157_766_400_000_000);
    golden.event.payload = (0..=255u8).chain(0..44).collect();
    golden.position = 70_000;
    golden.stream_version = 251;
    golden.prev_hash = Hash256([0xab; 32]);
    golden
}

fn check(golden: Golden, snapshot_name: &str) {
    let stream = StreamId::new(golden.stream).expect("valid stream");
    let placement = Placement {
        position: golden.position,
        stream_id: &stream,
        stream_version: golden.stream_version,
        recorded_at: golden.recorded_at,
        prev_hash: golden.prev_hash,
    };
    let sealed = codec::seal_record(&golden.event, &placement).expect("sealing");
    insta::assert_snapshot!(
        snapshot_name,
        format!("{}\nhash {}", hex_dump(&sealed.value), sealed.hash)
    );

    // The hash covers exactly the stored bytes before the trailer, chained to the previous.
    let (hashed, claimed) = codec::split_stored(golden.position, &sealed.value).expect("splits");
    assert_eq!(claimed, sealed.hash);
    assert_eq!(Hash256::chain(&golden.prev_hash, hashed), sealed.hash);
    assert_eq!(hashed[0], codec::RECORD_FORMAT_V1);

    // And it decodes back to what was sealed.
    let decoded = codec::decode_record(golden.position, &sealed.value).expect("decoding");
    let event = &golden.event;
    assert_eq!(decoded.position, golden.position);
    assert_eq!(decoded.event_id, event.event_id);
    assert_eq!(decoded.stream_id, stream);
    assert_eq!(decoded.stream_version, golden.stream_version);
    assert_eq!(decoded.event_type, event.event_type);
    assert_eq!(decoded.schema_version, event.schema_version);
    assert_eq!(decoded.occurred_at, event.occurred_at);
    assert_eq!(decoded.recorded_at, golden.recorded_at);
    assert_eq!(decoded.actor, event.actor);
    assert_eq!(decoded.correlation_id, event.correlation_id);
    assert_eq!(decoded.causation_id, event.causation_id);
    assert_eq!(decoded.payload, event.payload);
    assert_eq!(decoded.prev_hash, golden.prev_hash);
    assert_eq!(decoded.hash, sealed.hash);
    // A record read under another position's key is refused.
    assert!(codec::decode_record(golden.position + 1, &sealed.value).is_err());
}

#[test]
fn record_minimal() {
    check(minimal(), "record_minimal");
}

#[test]
fn record_full() {
    check(full(), "record_full");
}

#[test]
fn record_wide() {
    check(wide(), "record_wide");
}

/// Idempotency fingerprints are stored beside their keys, so they are format too.
#[test]
fn append_fingerprint() {
    let stream = StreamId::new("request-0190c2a0").expect("valid stream");
    let events = [minimal().event, full().event];
    let fingerprint =
        codec::append_fingerprint(&stream, ExpectedVersion::Exact(7), &events).expect("encodes");
    insta::assert_snapshot!("append_fingerprint", fingerprint.to_string());
}

/// A chunk (store format 2) frames consecutive records; the records inside keep their bytes.
#[test]
fn record_chunk() {
    let stream = StreamId::new("request-0190c2a0").expect("valid stream");
    let first = minimal();
    let placement = Placement {
        position: first.position,
        stream_id: &stream,
        stream_version: first.stream_version,
        recorded_at: first.recorded_at,
        prev_hash: first.prev_hash,
    };
    let one = codec::seal_record(&first.event, &placement).expect("sealing");
    let placement = Placement {
        position: first.position + 1,
        stream_version: first.stream_version + 1,
        prev_hash: one.hash,
        ..placement
    };
    let two = codec::seal_record(&full().event, &placement).expect("sealing");
    let records = vec![one.value.clone(), two.value.clone()];
    let chunk = codec::frame_records(records).expect("framing");
    insta::assert_snapshot!("record_chunk", hex_dump(&chunk));
    assert_eq!(chunk[0], codec::RECORD_CHUNK_FORMAT);

    let spans = codec::record_spans(first.position, &chunk).expect("a whole chunk");
    let read: Vec<(u64, &[u8])> = spans
        .into_iter()
        .map(|(position, span)| (position, &chunk[span]))
        .collect();
    let expected = vec![
        (first.position, one.value.as_slice()),
        (first.position + 1, two.value.as_slice()),
    ];
    assert_eq!(read, expected);
    // One record is stored as itself, as in format 1.
    assert_eq!(
        codec::frame_records(vec![one.value.clone()]),
        Some(one.value.clone())
    );
    let single = codec::record_spans(9, &one.value).expect("a record");
    assert_eq!(single, vec![(9, 0..one.value.len())]);
    assert_eq!(codec::frame_records(Vec::new()), None);
}

/// Damaged chunk frames are refused with the chunk's first position.
#[test]
fn damaged_chunk_frames_are_refused() {
    let check = |value: Vec<u8>, expect: &str| {
        let got = match codec::record_spans(40, &value) {
            Ok(spans) => format!("{spans:?}"),
            Err(error) => error.to_string(),
        };
        assert!(got.contains(expect), "{expect:?} not in {got:?}");
    };
    check(
        vec![2],
        "ledger damaged at position 40: record chunk header is truncated",
    );
    check(vec![2, 2, 0, 1, 0, 0], "record chunk lengths are truncated");
    check(vec![2, 1, 0, 0, 0, 0, 0], "fewer than two records");
    check(
        vec![2, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7],
        "shorter than its lengths say",
    );
    check(
        vec![2, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 8, 9],
        "trailing bytes",
    );
    check(
        vec![2, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 8],
        "[(40, 11..12), (41, 12..13)]",
    );
}
