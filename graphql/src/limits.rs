//! Every limit the service puts on what a client may ask, named with its unit.

use std::time::Duration;

/// Largest request body; larger bodies get 413 before anything is parsed.
pub const REQUEST_BODY_BYTES_MAX: usize = 256 * 1024;
/// Longest a query or mutation may run before the client gets a timeout error. A mutation
/// that times out may still commit: retry it with the same idempotency key.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Deepest selection set a query may nest.
pub const QUERY_DEPTH_MAX: usize = 12;
/// Highest query cost: each field costs 1, a connection multiplies its children by its page
/// size, so nested pages of 100 × 100 are refused.
pub const QUERY_COMPLEXITY_MAX: usize = 10_000;
/// Default page size of a connection.
pub const PAGE_SIZE_DEFAULT: usize = 20;
/// Largest page a connection returns.
pub const PAGE_SIZE_MAX: usize = 100;
/// Most events `totalCount` examines for a filter that needs a scan; beyond it the count
/// is refused rather than turning one query into a full scan.
pub const TOTAL_COUNT_SCAN_EVENTS_MAX: u64 = 200_000;
/// Most events a filtered `events` page examines before it returns a partial page.
pub const EVENTS_PAGE_SCAN_EVENTS_MAX: usize = 50_000;
/// Most open WebSocket connections (subscriptions); more get 503.
pub const WEBSOCKET_CONNECTIONS_MAX: usize = 1_024;
/// Longest a query with a consistency token waits for the projections to catch up.
pub const CONSISTENCY_WAIT_MAX: Duration = Duration::from_secs(5);
/// Longest a WebSocket may stay open without sending `connection_init`; it is then closed
/// with 4408 (`govledger serve --connection-init-timeout-ms` changes it).
pub const CONNECTION_INIT_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);
/// Deepest selection set an operation of nothing but introspection (`__schema`, `__type`,
/// `__typename`) may nest: graphql-js's standard introspection query is 15 deep (nine
/// `ofType`s). Lists of types inside lists of types are what cost; they are bounded by
/// `INTROSPECTION_LISTS_DEPTH_MAX` whatever the depth.
pub const INTROSPECTION_DEPTH_MAX: usize = 20;
/// Type lists (`fields`, `inputFields`, `interfaces`, `possibleTypes`) nested this deep in
/// an introspection query are refused (graphql-js's `MaxIntrospectionDepthRule`).
pub const INTROSPECTION_LISTS_DEPTH_MAX: usize = 3;
/// Most errors one response reports; the rest are summarised in the last one.
pub const RESPONSE_ERRORS_MAX: usize = 100;
/// Most query text automatic persisted queries remember; past it they forget everything and
/// clients resend.
pub const PERSISTED_QUERIES_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Largest trusted-documents file (`govledger serve --documents`).
pub const TRUSTED_DOCUMENTS_BYTES_MAX: u64 = 64 * 1024 * 1024;
