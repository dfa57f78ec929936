//! The read models' storage: what a fold writes and a query reads, in the read models' words.
//!
//! - `Table<K, V>`: records by key (`table.rs`).
//! - `Set<V, M>`: members listed under a value, paged in member order (`set.rs`).
//! - `PackedTable<K, V>`: records by kind and id, many to a stored value (`packed_table.rs`).
//! - `Memos<K, V>`: records kept in the lane's memory only, refolded when forgotten
//!   (`memos.rs`).
//! - `KeyPart`: the ids and names records are looked up by (`key_part.rs`); how they are laid
//!   out in stored keys (`keys.rs`) is this module's business.
//!
//! A read model declares its tables and sets as constants in its `mod.rs`, with the table of
//! tags; its fold and queries call only these types. Issue 16 (item 1) moves the remaining
//! storage techniques (buckets, chunks, pending lists, memos) here; until then `cases/`,
//! `audit/` and `metrics/` still lay out some keys of their own.

pub(crate) mod bucket;
pub(crate) mod chunks;
pub(crate) mod index;
pub(crate) mod index_entries;
pub(crate) mod key_part;
pub(crate) mod keys;
mod memos;
mod packed_table;
mod set;
pub(crate) mod split;
mod table;
pub(crate) mod walk;

pub(crate) use index::{Index, IndexEntry, Order, OrderRange};
pub(crate) use memos::{Memos, Remembered};
pub(crate) use packed_table::{PackedKey, PackedRecord, PackedTable, Refold};
pub(crate) use set::Set;
pub(crate) use table::Table;
