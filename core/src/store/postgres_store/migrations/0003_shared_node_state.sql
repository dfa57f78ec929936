-- What every node needs besides the log, shared so nodes keep nothing of their own (ADR 0025).

-- Append-only journals of small text entries, each numbered 1, 2, … in commit order
-- (appends hold a per-journal lock, so a later number never commits before an earlier one).
-- The access tokens are the journal `access_tokens`: the token log's JSON lines, digests only.
CREATE TABLE govledger_journal (
    journal text NOT NULL,
    sequence bigint NOT NULL CHECK (sequence >= 1),
    entry text NOT NULL,
    appended_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (journal, sequence)
);

CREATE FUNCTION govledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER govledger_journal_append_only
    BEFORE UPDATE OR DELETE ON govledger_journal
    FOR EACH ROW EXECUTE FUNCTION govledger_refuse_change();

-- People's details, outside the hash chain. An erasure clears the details in place and keeps
-- the basis (the tombstone); a row is either details or a tombstone, never both.
CREATE TABLE govledger_people (
    person_id uuid PRIMARY KEY,
    name text,
    phone text,
    id_number text,
    unit_id uuid,
    erasure_basis text,
    CHECK (
        (erasure_basis IS NULL AND name IS NOT NULL AND phone IS NOT NULL
            AND id_number IS NOT NULL)
        OR (erasure_basis IS NOT NULL AND name IS NULL AND phone IS NULL
            AND id_number IS NULL AND unit_id IS NULL)
    )
);
