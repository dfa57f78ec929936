-- The Merkle tree's stored hashes (ADR 0006, 0024), written in the same transaction as the
-- events they cover. `first` numbers the run's first hash (`tlog::stored_hash_index`);
-- `hashes` holds consecutive 32-byte hashes from there: one row per group commit (a long
-- run split in chunks). Hashes do not compress, and tiles read slices of a row: EXTERNAL
-- storage keeps it uncompressed so a slice reads only its own bytes.
CREATE TABLE govledger_tree_hashes (
    first bigint PRIMARY KEY CHECK (first >= 0),
    hashes bytea NOT NULL CHECK (length(hashes) > 0 AND length(hashes) % 32 = 0)
);
ALTER TABLE govledger_tree_hashes ALTER COLUMN hashes SET STORAGE EXTERNAL;

-- The tree's right edge at the head (`tlog::Frontier`: its peaks, largest first), moved by
-- each commit with the head, so the next commit extends the tree without reading it. A
-- ledger whose events predate this migration gets its tree at the next open, from the
-- records (tree_size 0 until then). Once built, the tree is always exactly as long as the
-- log: the check refuses any head update that leaves it behind (a node of an older build
-- still running, say). NOT VALID: the head row of such a ledger may lag until it is built.
ALTER TABLE govledger_head
    ADD COLUMN tree_size bigint NOT NULL DEFAULT 0,
    ADD COLUMN tree_frontier bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE govledger_head
    ADD CONSTRAINT govledger_head_tree_follows_the_log CHECK (tree_size = position) NOT VALID;
