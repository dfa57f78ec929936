//! The read side: queries bounded by the node's published head, and the chain walk.

use tokio_postgres::Client;
use uuid::Uuid;

use crate::codec;
use crate::error::StoreError;
use crate::event::{RecordedEvent, StreamId};
use crate::hash::Hash256;
use crate::limits::{READ_PAGE_EVENTS_MAX, READ_SCAN_RECORDS_MAX};
use crate::store::postgres_store::connection::{ReadConnections, sql};
use crate::store::postgres_store::tree::TreeCheck;
use crate::store::postgres_store::{
    Connection, db_error, from_db_u64, hash_from_db, idempotency_from_row, to_db,
};
use crate::store::sled_store::OpenCheck;
use crate::store::{
    AppendOutcome, ChainCheck, Damage, Direction, Head, LogPage, LogQuery, VerifyReport,
};

/// Records one verify query reads.
const VERIFY_PAGE_RECORDS: u64 = 2_000;

pub(super) fn check_limit(limit: usize) -> Result<(), StoreError> {
    if limit == 0 || limit > READ_PAGE_EVENTS_MAX {
        return Err(StoreError::ReadLimitOutOfRange {
            requested: limit,
            limit: READ_PAGE_EVENTS_MAX,
        });
    }
    Ok(())
}

/// Inserts the head row of an empty log (position 0, the genesis hash) if there is none.
pub(super) async fn ensure_head_row(client: &Client) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO govledger_head (log_id, position, hash, recorded_at_micros) \
             VALUES (1, 0, $1, $2) ON CONFLICT (log_id) DO NOTHING",
            &[&&Hash256::GENESIS.0[..], &i64::MIN],
        )
        .await
        .map_err(db_error("creating the head row"))?;
    Ok(())
}

/// The head row, checked against the last stored record: the same position, and that
/// record's bytes still hash to the head's hash.
pub(super) async fn checked_head(
    connection: &Connection,
    check: OpenCheck,
) -> Result<Head, StoreError> {
    let row = connection
        .client
        .query_one(connection.statement(sql::HEAD), &[])
        .await
        .map_err(db_error("reading the head"))?;
    let head = Head {
        position: from_db_u64(row.try_get(0)?)?,
        hash: hash_from_db(row.try_get(1)?)?,
    };
    if check == OpenCheck::Skip {
        return Ok(head);
    }
    let last = connection
        .client
        .query_opt(
            "SELECT position, record FROM govledger_events ORDER BY position DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(db_error("reading the last event"))?;
    let (last_position, last_hash) = match &last {
        Some(row) => {
            let position = from_db_u64(row.try_get(0)?)?;
            let (hashed, _) = codec::split_stored(position, row.try_get(1)?)?;
            let event = codec::decode_record(position, row.try_get(1)?)?;
            (position, Hash256::chain(&event.prev_hash, hashed))
        }
        None => (0, Hash256::GENESIS),
    };
    if last_position != head.position {
        return Err(StoreError::Corrupt {
            position: head.position.min(last_position) + 1,
            reason: format!(
                "the head row says {} but the last stored event is {last_position}",
                head.position
            ),
        });
    }
    if last_hash != head.hash {
        return Err(StoreError::Corrupt {
            position: head.position,
            reason: "the head row's hash does not match the last stored event".into(),
        });
    }
    Ok(head)
}

fn decode_rows(rows: &[tokio_postgres::Row]) -> Result<Vec<RecordedEvent>, StoreError> {
    rows.iter()
        .map(|row| {
            let position = from_db_u64(row.try_get(0)?)?;
            codec::decode_record(position, row.try_get(1)?)
        })
        .collect()
}

pub(super) async fn stream(
    readers: &ReadConnections,
    stream: StreamId,
    from_version: u64,
    head: u64,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let connection = readers.get().await?;
    let rows = connection
        .client
        .query(
            connection.statement(sql::READ_STREAM),
            &[
                &stream.as_str(),
                &to_db(from_version),
                &to_db(head),
                &to_db(limit as u64),
            ],
        )
        .await
        .map_err(db_error("reading a stream"))?;
    decode_rows(&rows)
}

/// A page of the log with the sled store's paging: at most `READ_SCAN_RECORDS_MAX`
/// positions examined, the filter applied in the database.
pub(super) async fn log(
    readers: &ReadConnections,
    query: LogQuery,
    head: u64,
) -> Result<LogPage, StoreError> {
    let (start, low, high) = query.bounds(head);
    if low > high {
        return Ok(LogPage {
            events: Vec::new(),
            next_start: start,
            reached_end: true,
        });
    }
    let span = READ_SCAN_RECORDS_MAX as u64 - 1;
    let (scan_low, scan_high, statement) = match query.direction {
        Direction::Forwards => (low, high.min(low.saturating_add(span)), sql::READ_FORWARDS),
        Direction::Backwards => (
            low.max(high.saturating_sub(span)),
            high,
            sql::READ_BACKWARDS,
        ),
    };
    let types: Vec<&str> = query
        .filter
        .event_types
        .iter()
        .map(|t| t.as_str())
        .collect();
    let connection = readers.get().await?;
    let rows = connection
        .client
        .query(
            connection.statement(statement),
            &[
                &to_db(scan_low),
                &to_db(scan_high),
                &types,
                &query.filter.stream_prefix.as_deref(),
                &to_db(query.limit as u64),
            ],
        )
        .await
        .map_err(db_error("reading the log"))?;
    let events = decode_rows(&rows)?;
    let (next_start, reached_end) = match (query.direction, events.last()) {
        (Direction::Forwards, Some(last)) if events.len() == query.limit => {
            (last.position + 1, last.position == high)
        }
        (Direction::Backwards, Some(last)) if events.len() == query.limit => {
            (last.position - 1, last.position == 1)
        }
        (Direction::Forwards, _) => (scan_high + 1, scan_high == high),
        (Direction::Backwards, _) => (scan_low - 1, scan_low == 1),
    };
    Ok(LogPage {
        events,
        next_start,
        reached_end,
    })
}

pub(super) async fn event(
    readers: &ReadConnections,
    position: u64,
) -> Result<Option<RecordedEvent>, StoreError> {
    let connection = readers.get().await?;
    let row = connection
        .client
        .query_opt(connection.statement(sql::READ_EVENT), &[&to_db(position)])
        .await
        .map_err(db_error("reading an event"))?;
    match row {
        Some(row) => Ok(Some(codec::decode_record(position, row.try_get(0)?)?)),
        None => Err(StoreError::Corrupt {
            position,
            reason: "event is missing".into(),
        }),
    }
}

pub(super) async fn position_of(
    readers: &ReadConnections,
    event_id: Uuid,
) -> Result<Option<u64>, StoreError> {
    let connection = readers.get().await?;
    let row = connection
        .client
        .query_opt(connection.statement(sql::POSITION_OF), &[&event_id])
        .await
        .map_err(db_error("finding an event"))?;
    row.map(|row| from_db_u64(row.try_get(0)?)).transpose()
}

pub(super) async fn stream_version(
    readers: &ReadConnections,
    stream: StreamId,
    head: u64,
) -> Result<u64, StoreError> {
    let connection = readers.get().await?;
    let row = connection
        .client
        .query_one(
            connection.statement(sql::STREAM_VERSION),
            &[&stream.as_str(), &to_db(head)],
        )
        .await
        .map_err(db_error("reading a stream's version"))?;
    from_db_u64(row.try_get(0)?)
}

pub(super) async fn idempotent(
    readers: &ReadConnections,
    key: String,
) -> Result<Option<(Hash256, AppendOutcome)>, StoreError> {
    let connection = readers.get().await?;
    let rows = connection
        .client
        .query(connection.statement(sql::FIND_IDEMPOTENT), &[&vec![key]])
        .await
        .map_err(db_error("reading an idempotency key"))?;
    rows.first()
        .map(|row| idempotency_from_row(row, 1))
        .transpose()
}

pub(super) async fn setting(
    readers: &ReadConnections,
    name: &'static str,
) -> Result<Option<String>, StoreError> {
    let connection = readers.get().await?;
    let row = connection
        .client
        .query_opt(
            "SELECT value FROM govledger_settings WHERE name = $1",
            &[&name],
        )
        .await
        .map_err(db_error("reading a setting"))?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

/// Records `value` as setting `name` unless it is set already; returns the value it holds.
pub(super) async fn claim_setting(
    readers: &ReadConnections,
    name: &'static str,
    value: String,
) -> Result<String, StoreError> {
    let connection = readers.get().await?;
    connection
        .client
        .execute(
            "INSERT INTO govledger_settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
            &[&name, &value],
        )
        .await
        .map_err(db_error("claiming a setting"))?;
    // Read in a statement of its own: it sees a claim another node committed meanwhile.
    setting(readers, name)
        .await?
        .ok_or_else(|| StoreError::Storage(format!("the setting {name} vanished")))
}

/// Walks the chain through `head`: every hash, position and stream version, that the
/// index columns agree with each record, and that the Merkle tree's stored hashes are the
/// ones the records make.
pub(super) async fn verify(
    readers: &ReadConnections,
    head: Head,
) -> Result<VerifyReport, StoreError> {
    let connection = readers.get().await?;
    let mut check = ChainCheck::from_genesis();
    let mut tree = TreeCheck::from_genesis();
    let mut events_checked = 0;
    let mut first_damage = None;
    let mut low = 1;
    while low <= head.position {
        let high = head.position.min(low + VERIFY_PAGE_RECORDS - 1);
        let rows = connection
            .client
            .query(
                connection.statement(sql::VERIFY_PAGE),
                &[&to_db(low), &to_db(high)],
            )
            .await
            .map_err(db_error("reading the log to verify it"))?;
        for row in &rows {
            let position = from_db_u64(row.try_get(0)?)?;
            let record: &[u8] = row.try_get(5)?;
            let checked = check.check(position, record).and_then(|event| {
                let columns_agree = event.event_id == row.try_get::<_, Uuid>(1)?
                    && event.stream_id.as_str() == row.try_get::<_, &str>(2)?
                    && to_db(event.stream_version) == row.try_get::<_, i64>(3)?
                    && event.event_type.as_str() == row.try_get::<_, &str>(4)?;
                if columns_agree {
                    Ok(())
                } else {
                    Err(Damage {
                        position,
                        reason: "the index columns do not match the record".into(),
                    })
                }
            });
            if let Err(damage) = checked {
                first_damage = Some(damage);
                break;
            }
            tree.push(position, record);
            events_checked += 1;
        }
        // The records before a broken link may have tree hashes that do not fit them (a
        // record forged and re-sealed breaks the next link): the earlier damage is named.
        if let Some(damage) = tree.check_page(&connection).await? {
            first_damage = Some(damage);
        }
        if first_damage.is_some() {
            break;
        }
        low = high + 1;
    }
    if first_damage.is_none() {
        first_damage = check.finish(head).err();
    }
    Ok(VerifyReport {
        head,
        events_checked,
        first_damage,
    })
}

impl From<tokio_postgres::Error> for Damage {
    fn from(error: tokio_postgres::Error) -> Damage {
        Damage {
            position: 0,
            reason: format!("a stored column does not read: {error}"),
        }
    }
}
