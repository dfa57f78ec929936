//! The read models' storage layer: what a fold writes and a query reads, in the read models'
//! words (ADR 0026). The only code in `projections` that knows sled.
//!
//! What read models use:
//! - `Table<K, V>`: records by key (`table.rs`).
//! - `Set<V, M>`: members listed under a value, paged in member order (`set.rs`).
//! - `Index<V>`: entries (an `Order` and an id) under a value, optionally counted, scanned
//!   and paged both ways (`index.rs`); `IndexEntries`: one record's entries, moved when it
//!   changes and bulk-loaded when a generation is built (`index_entries.rs`).
//! - `PackedTable<K, V>`: many small records by kind and id (`packed_table.rs`).
//! - `Memos<K, V>`: records kept in the lane's memory only, refolded when forgotten
//!   (`memos.rs`).
//! - `PositionList<K>`: log positions filed under a key, paged newest first
//!   (`position_list.rs`).
//! - `PackedSet<V, M>`: small fixed-size members under values that begin with an id, packed
//!   into hash buckets and read whole (`packed_set.rs`); `PackedSets` finishes a read
//!   model's batches and builds its generations.
//! - `Note<K, T>`: values a fold keeps for one batch, never stored (`note.rs`).
//! - `NumberCursors`: cursors of lists of numbered items (`number_cursor.rs`).
//! - `KeyPart`: the ids, names and values records are looked up by (`key_part.rs`).
//!
//! How it is done, which no read model sees: stored keys (`keys.rs`), hash buckets
//! (`bucket.rs`), values split one byte deeper past their limit (`split.rs`), index chunks and
//! their virtual keys (`chunks.rs`), the key walk behind cursor pages (`walk.rs`).
//!
//! What the runner uses: the batch a fold writes to (`ReadModelWrites`, `writes.rs`) and the
//! reader queries get (`ReadModel`, `read_model.rs`); a lane's cache of what it committed
//! (`lane_cache.rs`); the database and its trees (`ReadModelDatabase`, `StoredTree`:
//! `database.rs`, `stored_tree.rs`), committed atomically or, while a generation is built, in
//! paced pieces (`paced_commit.rs`, ADR 0023). sled's errors become the crate's in `error.rs`.
//!
//! A read model declares its tables, sets and indexes as constants, with the table of tags
//! in its `mod.rs`; its fold and queries call only these types.

pub(crate) mod bucket;
pub(crate) mod chunks;
mod database;
mod error;
pub(crate) mod index;
pub(crate) mod index_entries;
pub(crate) mod key_part;
pub(crate) mod keys;
pub(crate) mod lane_cache;
mod memos;
mod note;
mod number_cursor;
pub(crate) mod paced_commit;
mod packed_set;
mod packed_table;
mod position_list;
pub(crate) mod read_model;
mod set;
pub(crate) mod split;
mod stored_tree;
mod table;
pub(crate) mod walk;
pub(crate) mod writes;

pub(crate) use database::ReadModelDatabase;
pub(crate) use error::StorageError;
pub(crate) use index::{Index, IndexEntry, Order, OrderRange};
pub(crate) use memos::{Memos, Remembered};
pub(crate) use note::Note;
pub(crate) use number_cursor::NumberCursors;
pub(crate) use packed_set::{PackedSet, PackedSets};
pub(crate) use packed_table::{PackedKey, PackedRecord, PackedTable, Refold};
pub(crate) use position_list::PositionList;
pub(crate) use set::Set;
pub(crate) use stored_tree::StoredTree;
pub(crate) use table::Table;
