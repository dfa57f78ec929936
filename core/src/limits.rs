//! Every limit on input that reaches the ledger from outside, named with its unit.
//!
//! The store enforces these before anything is staged, so an over-limit append is rejected
//! whole and changes nothing.

/// Largest payload of one event. Governance records are small structured facts; documents
/// (contracts, photos, minutes) belong in a blob store and are referenced by digest. 1 KiB
/// below 64 KiB, so the whole record (an envelope of at most ~400 bytes around the payload)
/// fits a tile entry (`TILE_ENTRY_BYTES_MAX`).
pub const PAYLOAD_BYTES_MAX: usize = 63 * 1024;
/// Largest record (the bytes the chain hash covers, the Merkle tree's leaf): one entry of a
/// C2SP tlog-tiles entry bundle has a 16-bit length. The writer refuses a longer record.
pub const TILE_ENTRY_BYTES_MAX: usize = 65_535;
/// Most events one append may carry (one command rarely produces more than a handful).
pub const EVENTS_PER_APPEND_MAX: usize = 256;
/// Longest stream id, in bytes.
pub const STREAM_ID_BYTES_MAX: usize = 128;
/// Longest event type name, in bytes.
pub const EVENT_TYPE_BYTES_MAX: usize = 64;
/// Longest idempotency key, in bytes.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 128;
/// Longest actor role name, in bytes.
pub const ROLE_BYTES_MAX: usize = 64;
/// Most events one read call returns.
pub const READ_PAGE_EVENTS_MAX: usize = 1_000;
/// Most records a filtered log read examines before it returns a partial page with a cursor,
/// so a filter that matches nothing cannot turn one call into a full scan.
pub const READ_SCAN_RECORDS_MAX: usize = 100_000;
/// Largest encoded record the decoder accepts; bounds allocations driven by corrupt lengths.
pub const RECORD_BYTES_MAX: usize = PAYLOAD_BYTES_MAX + 4 * 1024;
/// Most appends the writer stages into one group commit (one flush).
pub const GROUP_COMMIT_APPENDS_MAX: usize = 512;
/// Depth of the queue in front of the writer; callers block (backpressure) beyond it.
pub const WRITER_QUEUE_APPENDS_MAX: usize = 4_096;
