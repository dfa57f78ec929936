-- The ledger on PostgreSQL (ADR 0018, 0019). `record` holds exactly the sealed record
-- bytes of core/src/codec.rs; the other event columns are indexes derived from it.
CREATE TABLE govledger_head (
    log_id smallint PRIMARY KEY CHECK (log_id = 1),
    position bigint NOT NULL CHECK (position >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    recorded_at_micros bigint NOT NULL
);

CREATE TABLE govledger_events (
    position bigint PRIMARY KEY CHECK (position >= 1),
    event_id uuid NOT NULL UNIQUE,
    stream_id text NOT NULL,
    stream_version bigint NOT NULL CHECK (stream_version >= 1),
    event_type text NOT NULL,
    record bytea NOT NULL,
    UNIQUE (stream_id, stream_version)
);

CREATE TABLE govledger_idempotency (
    key text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    first_position bigint NOT NULL,
    last_position bigint NOT NULL,
    stream_version bigint NOT NULL,
    head_hash bytea NOT NULL
);

-- Signed checkpoints carried by an imported export, kept verbatim (ADR 0018).
CREATE TABLE govledger_checkpoints (
    tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
    signed_at_micros bigint NOT NULL,
    note text NOT NULL
);

-- Small named values: the log's verifier key an imported export carried.
CREATE TABLE govledger_settings (
    name text PRIMARY KEY,
    value text NOT NULL
);
