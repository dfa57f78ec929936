//! End-to-end tests: the real `govledger` binary, started on `127.0.0.1:0` over a temp data
//! dir (harness: `govledger_tests::e2e`), driven over HTTP and WebSocket.
//!
//! Most tests that serve a ledger run once per backend (`govledger_tests::on_both_backends!`):
//! `<test>::on_sled` and `<test>::on_postgres` (a fresh database, `serve --ledger`). `tlog`
//! and `witness` have PostgreSQL tests of their own (tiles, `tlog verify --log-url`,
//! witnessing on `serve --ledger`, ADR 0024); `metrics_recompute`'s demo test runs on both,
//! and `explorer` verifies a PostgreSQL-served demo in the browser. Only on sled: `backup`
//! (online backups read sled's trees), `tlog_export`, the synthetic `metrics_recompute` test
//! and the explorer's other pages (written before the tree was on PostgreSQL; their
//! PostgreSQL runs are still to add), `crash` and `shapes` (they work on the sled
//! directory); `introspection`, `graphiql` and `browser` read no ledger.
//!
//! Table of contents:
//! - `demo`: `govledger demo` prints an auditor token and answers the README's auditor
//!   queries (the 16 unit doors traced to their decision and requests; rates per
//!   organisation) on a verified ledger.
//! - `flow`: request → decision → work project → completion → inspection → follow-up through
//!   `executeCommand`, each step read back with its consistency token; idempotent retries;
//!   the decision trace and the metrics of the result.
//! - `subscription`: `ledgerEvents` and `caseUpdates` over `graphql-transport-ws` receive
//!   those events live; the public view gets no payloads; an unknown token no connection.
//! - `documents`: automatic persisted queries; with `--documents`, only registered documents
//!   run.
//! - `explorer`: the audit explorer in headless Chromium on the demo: every page loads
//!   clean, the unit-door trace and the accountability rates equal the API's, CSV holds the
//!   rows shown, every label follows the language, the public view shows no resident's
//!   name or phone, a correction shows beside the event it corrects, and the in-browser
//!   verification passes and names an altered tile or a foreign key (through a tampering
//!   proxy).
//! - `graphiql`: the page at `/graphiql` and every asset it references are served by
//!   govledger itself (offline); so are the explorer's, under a strict CSP.
//! - `http_audit`: the GraphQL-over-HTTP audit's cases (media types, status codes, GET/POST
//!   rules, parameters) by id; at most 100 errors per response.
//! - `integers`: out-of-range `Int` refused; positions and amounts past 2³¹ as `Int64`.
//! - `introspection`: graphql-js's standard introspection query (exact text in
//!   `fixtures/`) answered for every role; the depth limit still holds for ordinary
//!   operations; over-nested type lists refused.
//! - `open311`: GeoReport v2 discovery, services and service definitions as JSON and XML;
//!   errors in the spec's format.
//! - `open311_requests`: a request POSTed over Open311 is the same request (id, history) in
//!   GraphQL; a retry appends nothing; refused input gets the spec's errors and appends
//!   nothing; GET `requests` with the spec's filters; `tokens/<id>`.
//! - `websocket_rules`: over WebSocket the standard introspection query is answered (the
//!   same schema as over HTTP), over-nested introspection refused, at most 100 errors.
//! - `browser`: CORS preflights allowed for `--cors-origin` only (none by default); gzip and
//!   brotli negotiated by `Accept-Encoding`.
//! - `access`: each role is refused what it may not do; the public view withholds personal
//!   data; nothing is appended by a refused write.
//! - `protocol`: malformed JSON, GET mutations, oversize bodies, over-deep and over-costly
//!   queries, unknown ids and bad cursors get clear errors and append nothing.
//! - `crash`: five rounds of kill -9 during concurrent writes: nothing acknowledged is lost,
//!   no gap, positions and hashes stable, every read model ready after the restart.
//! - `postgres`: a sled ledger exported, imported into PostgreSQL (`--ledger`) and exported
//!   again is byte-identical; served from PostgreSQL it keeps its head hash, takes commands
//!   and signs checkpoints of the grown tree; back to sled unchanged; `/readyz` and writes
//!   while the database is gone.
//! - `nodes`: three `serve` nodes on one PostgreSQL ledger (sharing one log key; a node with
//!   another key is refused), 16 clients, one node killed mid-load (its clients retry
//!   elsewhere with the same key): each write once, gap-free, the same head on the
//!   survivors within 1 s, read through another node.
//! - `postgres_restart`: PostgreSQL itself (a private cluster) stopped immediately and
//!   restarted under a `serve --ledger` node while clients write and retry `UNAVAILABLE`
//!   with the same key: `/readyz` follows it down and back, every acknowledged write once,
//!   gap-free, read back through the read models, `verify --ledger` passes.
//! - `read_models`: `readModels` and `/metrics` report each read model's state; only a
//!   directory administrator rebuilds one, while queries keep answering.
//! - `shapes`: issue 13's load shapes (a burst through one station, a hot case, a busy
//!   organisation, the synthetic ledger compressed into a month), small, served ready with
//!   the counts they recorded.
//! - `tlog`: the real server's `/tlog/` entry bundles and hash tiles recompute the root of
//!   the checkpoint it signed within a second of new events, verified with the key
//!   `govledger tlog key` prints, on sled and on PostgreSQL, and `tlog verify --log-url`
//!   accepts them; an older checkpoint is a prefix; GraphQL's proofs verify
//!   against the signed roots; docs/audit.md's Python check accepts the export and refuses
//!   a stale checkpoint and a foreign key; a history rewritten and re-sealed with the same
//!   key passes its own checkpoint but `govledger tlog verify` names the fork against an
//!   older one.
//! - `tlog_export`: an export carries the log's key and every checkpoint (cosignatures
//!   included); import restores the same head, root and checkpoints byte for byte, and
//!   refuses tampered, misplaced, foreign or wrong-root checkpoints writing nothing; `tlog
//!   verify` checks an export alone against a published checkpoint; format 1 still imports.
//! - `metrics_recompute`: docs/metrics/recompute.py recomputes every request and mediation
//!   figure from `govledger export` and agrees with GraphQL `metrics` for every organisation
//!   × month (and every scope and month it counts in), on the demo and on a synthetic ledger
//!   with merges, send-backs, reopenings and corrections; `asOf` a past position against the
//!   script reading only that far; the unit-door and roof-waterproofing decision traces
//!   rebuilt by the script equal `decisionTrace`.
//! - `reports`: `/reports/cases|activity|metrics` as CSV and JSON Lines equal the GraphQL
//!   answers on the demo; refusals are JSON errors.
//! - `witness`: `govledger witness` cosigns append-only growth over C2SP tlog-witness,
//!   answers each refusal with the spec's status, refuses a re-sealed rewritten history as a
//!   fork and remembers what it cosigned across a restart; `serve --witness` (on sled and on
//!   PostgreSQL) serves the witness's cosignature with its checkpoint, and a data directory re-sealed after a
//!   rewrite gets none; `tlog verify --log-url` checks the served tiles, an older checkpoint and
//!   the cosignature over HTTP, and names the re-sealed log's fork.
//! - `backup`: `govledger backup` of a running server under concurrent writes restores
//!   (`govledger restore`) to the manifest's head with every acknowledged write; a retried
//!   pre-backup write answers `replayed` at its position; an erasure after the first
//!   backup stays erased through an incremental one; only an operator may back up;
//!   mismatched parts (another ledger's, a changed file, a moved head, another identity)
//!   are refused and nothing is written.
//! - `restart`: after SIGTERM and a restart everything is still there; `verify` passes;
//!   `export` then `import` into a fresh directory verifies.

mod e2e {
    mod access;
    mod backup;
    mod browser;
    mod crash;
    mod demo;
    mod documents;
    mod explorer;
    mod flow;
    mod graphiql;
    mod http_audit;
    mod integers;
    mod introspection;
    mod metrics_recompute;
    mod nodes;
    mod open311;
    mod open311_requests;
    mod postgres;
    mod postgres_restart;
    mod protocol;
    mod read_models;
    mod reports;
    mod restart;
    mod shapes;
    mod subscription;
    mod tlog;
    mod tlog_export;
    mod websocket_rules;
    mod witness;
}
