//! govledger-projections: read models kept in step with the ledger.
//!
//! Architecture invariant: this crate depends on `govledger-core` only and knows nothing of
//! GraphQL, HTTP or JSON.
//!
//! # Runner
//! `runner::ProjectionRunner` follows the store's subscription and feeds every `Projection`:
//! each batch's writes and the projection's checkpoint are committed atomically, rebuilds go
//! into a new generation that is switched in once caught up, and `status`, `lag_events` and
//! `wait_until` tell a client where the read models stand.
//!
//! # Query API (`read_api::ReadApi`)
//! One handle, cloned freely; every answer is a plain struct.
//! - Cases (`cases`): `case(kind, id)`, `cases(&CaseFilter, &PageRequest)` → `Page<CaseView>`
//!   (filters: status, category, compound, building, responsible organisation, satisfaction,
//!   awaiting outcome, opened-at range, overdue at an instant; newest first, or most overdue
//!   first), `overdue_backlog(&CaseFilter, at)`.
//!   Statuses are the domain's own (`govledger_core::domain::lifecycle`) — request:
//!   `received`, `accepted`, `rejected`, `merged`, `dispatched`, `in_progress`, `resolved`,
//!   `followed_up`, `closed` (a sent-back or reopened request is `accepted` again, waiting for
//!   a dispatch; `send_back_count` and `reopen_count` say which); work project: `proposed`,
//!   `approved`, `contracted`, `in_progress` (also after a failed inspection), `completed`,
//!   `under_warranty`, `closed`, `cancelled`; mediation: `registered`, `in_mediation`,
//!   `declined`, `agreed`, `failed`, `archived`; decision: `proposed`, `voting`, `adopted`,
//!   `failed`, `withdrawn` (`published_at` says whether it was made public). A closed request
//!   is fixed only if its `outcome` is `fixed`.
//! - Directory (`directory`): `community`, `compound(s)`, `building`, `buildings_of`, `unit`,
//!   `units_of`, `grid`, `organisation(s)`, `account`, `roles_of_account`, `members_of`.
//! - Audit (`audit`): `case_history(kind, id)`, `activity_of_account`,
//!   `activity_of_organisation` (newest first), `trace(event_id)` → `DecisionTrace`: the causes
//!   back, the direct effects, and the linked cases upstream (originating requests,
//!   decisions) and downstream (work projects with completion and inspection, the requests'
//!   follow-ups), each with its history (position, time, actor, hash).
//! - Metrics (`metrics`): `metrics(&MetricsScope, Period)` → `MetricsReport` for the
//!   community, an organisation, a compound or a category over a month, quarter or year;
//!   every rate is a `Rate { numerator, denominator }`; time to close as nearest-rank median
//!   and p90 with its sample size; the overdue backlog comes from `overdue_backlog`.
//!
//! Lists take a `PageRequest { first, after, last, before }` (at most `page::PAGE_SIZE_MAX`;
//! `last` pages backwards from the end) and return a `Page { items, cursors, has_next_page,
//! has_previous_page, start_cursor, end_cursor, total_count, … }`; cursors are opaque.
//! Errors are `error::ProjectionError`, whose docs say how each maps to a client answer.

pub mod audit;
pub mod cases;
pub mod directory;
pub mod error;
mod ledger;
pub mod metrics;
pub mod page;
pub mod projection;
pub mod read_api;
pub mod runner;
mod storage;
