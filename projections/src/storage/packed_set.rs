//! `PackedSet`: small fixed-size members listed under values that begin with an id (the
//! events a cause led to, the links of a case), read whole by value. Unlike `Set` (a key per
//! member, paged), the members of many values share one stored value.
//!
//! A member and the value it is listed under make an *entry*, `value ‖ member`, a few dozen
//! bytes. A sled key per entry cost a rebuild more than anything else the audit wrote (every
//! key costs a commit ~15 µs of CPU under sled's process-wide lock, however small its value),
//! so entries are packed:
//! - **Buckets.** An entry lives in the bucket of the id its value begins with: `tag ‖ bucket
//!   (u16 BE)`, one of `2^BUCKET_BITS` per set, holding its entries sorted and concatenated. A
//!   lookup reads one bucket and keeps the entries that start with the value. The bucket is a
//!   fixed, documented mix of the id's bits (`crate::storage::bucket`), never a library's
//!   hash, so the layout never changes under a read model.
//! - **Live batches** gather each touched bucket's new entries (a note) and merge them into
//!   the stored bucket once, when the batch ends (`PackedSets::finish_batch`).
//! - **A building generation** (`IndexUpkeep::BeforeGoingLive`) appends its entries to
//!   pending lists instead, one per `PENDING_WINDOW_POSITIONS` log positions, shared by the
//!   read model's packed sets (`pending tag ‖ window (u64 BE)` → `(set tag ‖ entry)*`), and
//!   `PackedSets::build` sorts them into the buckets once, before the generation goes live: a
//!   rebuild writes each bucket once, not once per batch that touches it.
//! - **Splits** (`crate::storage::split`). A bucket that would hold more than
//!   `CHUNK_ENTRIES_MAX` entries is split one byte deeper: its key keeps a split mark and its
//!   entries move to one chunk per value of their next byte, `bucket key ‖ entry[..depth]`
//!   (split again while still too full). So no stored value grows with the entries: one event
//!   that caused 10,000 others, a decision linked to thousands of cases, or ids a writer chose
//!   to share a bucket make deeper chunks, not a bigger value.
//!
//! Size: on the 1M-event synthetic ledger (~110k entries) a bucket holds ~7 entries; a chunk
//! holds at most `CHUNK_ENTRIES_MAX` (~18 KB of links), which a live batch rewrites when it
//! adds to it.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use uuid::Uuid;

use crate::error::{ApplyError, ProjectionError};
use crate::storage::bucket::bucket_of;
use crate::storage::key_part::{KeyPart, read_exactly};
use crate::storage::keys::Key;
use crate::storage::read_model::ReadModel;
use crate::storage::split;
use crate::storage::writes::{IndexUpkeep, ReadModelWrites};

/// Buckets per set: 16,384.
const BUCKET_BITS: u32 = 14;
/// Log positions one pending list covers.
const PENDING_WINDOW_POSITIONS: u64 = 1 << 16;
/// Most entries a chunk holds; a fuller one is split one byte deeper.
const CHUNK_ENTRIES_MAX: usize = 512;
/// Bytes of the id an entry begins with, which chooses its bucket.
const ID_BYTES: usize = 16;

/// A key part of a fixed number of bytes: entries are read back by size.
pub(crate) trait FixedWidth: KeyPart {
    const BYTES: usize;
}

impl FixedWidth for Uuid {
    const BYTES: usize = 16;
}

impl FixedWidth for u64 {
    const BYTES: usize = 8;
}

impl FixedWidth for u8 {
    const BYTES: usize = 1;
}

impl<A: FixedWidth, B: FixedWidth> FixedWidth for (A, B) {
    const BYTES: usize = A::BYTES + B::BYTES;
}

impl<A: FixedWidth, B: FixedWidth, C: FixedWidth> FixedWidth for (A, B, C) {
    const BYTES: usize = A::BYTES + B::BYTES + C::BYTES;
}

/// How one packed set is stored, whatever its types: what finishing a batch and building a
/// generation need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packing {
    tag: u8,
    pending_tag: u8,
    entry_bytes: usize,
    name: &'static str,
}

/// Members `M` listed under values `V`, `V` beginning with the id (16 bytes) whose bucket
/// holds them. Its tag is the first byte of its keys, unique within the read model; entries
/// added while a generation is built wait in the lists under `pending_tag`.
pub(crate) struct PackedSet<V, M> {
    packing: Packing,
    _members: PhantomData<fn() -> (V, M)>,
}

impl<V: FixedWidth, M: FixedWidth> PackedSet<V, M> {
    /// `name` says what the set is in error messages ("effects of a cause").
    pub(crate) const fn new(tag: u8, pending_tag: u8, name: &'static str) -> PackedSet<V, M> {
        assert!(
            V::BYTES >= ID_BYTES,
            "a packed set's values begin with an id"
        );
        PackedSet {
            packing: Packing {
                tag,
                pending_tag,
                entry_bytes: V::BYTES + M::BYTES,
                name,
            },
            _members: PhantomData,
        }
    }

    /// `value` as an entry begins, with room for a member (entries carry no tag: their
    /// bucket's key has it).
    fn untagged(&self, value: &V) -> Key {
        value.write(Key::continuing(Vec::with_capacity(V::BYTES + M::BYTES)))
    }

    /// How the set is stored, for its read model's `PackedSets`.
    pub(crate) const fn packing(&self) -> Packing {
        self.packing
    }

    /// Lists `member` under `value`, for the event at `position`. A member listed twice under
    /// a value is stored once.
    pub(crate) fn add(
        &self,
        writes: &mut ReadModelWrites<'_>,
        value: &V,
        member: &M,
        position: u64,
    ) -> Result<(), ApplyError> {
        match writes.index_upkeep() {
            IndexUpkeep::BeforeGoingLive => {
                let tagged = member.write(value.write(Key::tag(self.packing.tag)));
                writes.append(pending_key(&self.packing, position), &tagged.into_bytes())
            }
            IndexUpkeep::EveryBatch => {
                let entry = member.write(self.untagged(value)).into_bytes();
                let bucket = self.packing.bucket_key(&entry)?;
                let Added(mut added) = writes.take_note(&bucket)?.unwrap_or_default();
                added.push(entry);
                writes.keep_note(bucket, Added(added));
                Ok(())
            }
        }
    }

    /// The members listed under `value`, in member order.
    pub(crate) fn members(&self, model: &ReadModel, value: &V) -> Result<Vec<M>, ProjectionError> {
        let prefix = self.untagged(value).into_bytes();
        let corrupt = || ProjectionError::Corrupt(format!("a bucket of the {}", self.packing.name));
        let mut members = Vec::new();
        self.packing.lookup(model, &prefix, |entry| {
            let member = read_exactly::<M>(&entry[prefix.len()..]).ok_or_else(corrupt)?;
            members.push(member);
            Ok(())
        })?;
        Ok(members)
    }
}

/// A live batch's new entries of one bucket (a note, never stored).
#[derive(Default)]
struct Added(Vec<Vec<u8>>);

fn pending_key(packing: &Packing, position: u64) -> Vec<u8> {
    Key::tag(packing.pending_tag)
        .u64(position / PENDING_WINDOW_POSITIONS)
        .into_bytes()
}

impl Packing {
    /// The bucket of `entry` (which begins with its id).
    fn bucket_key(&self, entry: &[u8]) -> Result<Vec<u8>, ApplyError> {
        let id = entry
            .get(..ID_BYTES)
            .and_then(|id| Uuid::from_slice(id).ok())
            .ok_or_else(|| {
                ApplyError::Inconsistent(format!("an entry of the {} has no id", self.name))
            })?;
        let mut key = Vec::with_capacity(3);
        key.push(self.tag);
        key.extend_from_slice(&bucket_of(&id, BUCKET_BITS).to_be_bytes());
        Ok(key)
    }

    /// Calls `found` with each stored entry that starts with `prefix` (whose first 16 bytes
    /// are the id it is looked up by), in byte order.
    fn lookup(
        &self,
        model: &ReadModel,
        prefix: &[u8],
        mut found: impl FnMut(&[u8]) -> Result<(), ProjectionError>,
    ) -> Result<(), ProjectionError> {
        let corrupt = || ProjectionError::Corrupt(format!("a bucket of the {}", self.name));
        let bucket = self.bucket_key(prefix).map_err(|_| corrupt())?;
        // Down the split marks along the prefix: the first chunk found holds all its entries.
        let mut chunk = bucket;
        for depth in 0..=prefix.len() {
            match model.get(&chunk)? {
                None => return Ok(()),
                Some(value) if value == split::SPLIT_MARK => {
                    if let Some(&byte) = prefix.get(depth) {
                        chunk.push(byte);
                    }
                }
                Some(value) => return self.entries_of(&value, prefix, &mut found),
            }
        }
        // Split deeper than the prefix: its entries are spread over the chunks under it.
        for stored in model.scan_from(&chunk, &chunk) {
            let (_, value) = stored?;
            if value != split::SPLIT_MARK {
                self.entries_of(&value, prefix, &mut found)?;
            }
        }
        Ok(())
    }

    /// The entries of a stored chunk that start with `prefix`, checked to be whole and sorted.
    fn entries_of(
        &self,
        stored: &[u8],
        prefix: &[u8],
        found: &mut impl FnMut(&[u8]) -> Result<(), ProjectionError>,
    ) -> Result<(), ProjectionError> {
        let corrupt = || ProjectionError::Corrupt(format!("a chunk of the {}", self.name));
        if stored.len() % self.entry_bytes != 0 {
            return Err(corrupt());
        }
        let entries: Vec<&[u8]> = stored.chunks_exact(self.entry_bytes).collect();
        if entries.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(corrupt());
        }
        for entry in entries {
            if entry.starts_with(prefix) {
                found(entry)?;
            }
        }
        Ok(())
    }

    /// Merges `added` (entries of this set in the bucket `key`) into the stored chunks.
    fn merge_into(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: Vec<u8>,
        mut added: Vec<Vec<u8>>,
    ) -> Result<(), ApplyError> {
        let size = self.entry_bytes;
        added.sort_unstable();
        added.dedup();
        // Each entry to the chunk that holds (or will hold) it; entries are sorted, so the
        // entries of one chunk are consecutive.
        let mut chunks: Vec<(Vec<u8>, Vec<Vec<u8>>)> = Vec::new();
        for entry in added {
            if entry.len() != size {
                return Err(ApplyError::Inconsistent(format!(
                    "an entry of {} bytes in the {}",
                    entry.len(),
                    self.name
                )));
            }
            if let Some((chunk, entries)) = chunks.last_mut()
                && entry.starts_with(&chunk[key.len()..])
            {
                entries.push(entry);
                continue;
            }
            let (chunk, _) =
                split::locate(&key, &entry, |key| writes.get(key), ApplyError::Storage)?;
            chunks.push((chunk, vec![entry]));
        }
        for (chunk, mut entries) in chunks {
            if let Some(stored) = writes.get(&chunk)? {
                if stored.len() % size != 0 {
                    return Err(ApplyError::Storage(format!(
                        "chunk {chunk:02x?} of the {} is malformed",
                        self.name
                    )));
                }
                entries.extend(stored.chunks_exact(size).map(<[u8]>::to_vec));
                entries.sort_unstable();
                entries.dedup();
            }
            let depth = chunk.len() - key.len();
            store_chunk(writes, chunk, depth, &entries)?;
        }
        Ok(())
    }
}

/// Writes `entries` (sorted, distinct, sharing the `depth` bytes the chunk key ends with) as
/// the chunk `key`, split one byte deeper while they are more than `CHUNK_ENTRIES_MAX`.
fn store_chunk(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    depth: usize,
    entries: &[Vec<u8>],
) -> Result<(), ApplyError> {
    let how = split::Entries {
        key_of: &|entry: &Vec<u8>| -> &[u8] { entry },
        fit: &|entries: &[Vec<u8>]| entries.len() <= CHUNK_ENTRIES_MAX,
        encode: &|entries: &[Vec<u8>]| Ok(entries.concat()),
    };
    split::store(writes, key, depth, entries, &how)
}

/// A read model's packed sets, which share its pending lists: the batch's end and the build
/// of a generation go through them all.
pub(crate) struct PackedSets {
    sets: &'static [Packing],
}

impl PackedSets {
    /// `sets` share one pending tag and have distinct tags.
    pub(crate) const fn new(sets: &'static [Packing]) -> PackedSets {
        let mut i = 0;
        while i < sets.len() {
            assert!(
                sets[i].pending_tag == sets[0].pending_tag,
                "packed sets share their pending lists"
            );
            assert!(
                sets[i].tag != sets[i].pending_tag,
                "pending lists have a tag of their own"
            );
            let mut j = 0;
            while j < i {
                assert!(sets[i].tag != sets[j].tag, "packed sets have distinct tags");
                j += 1;
            }
            i += 1;
        }
        PackedSets { sets }
    }

    fn set_of(&self, tag: u8) -> Option<&Packing> {
        self.sets.iter().find(|set| set.tag == tag)
    }

    /// Merges the entries the batch gathered into their stored buckets
    /// (`Projection::finish_batch`).
    pub(crate) fn finish_batch(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        for (key, Added(added)) in writes.take_notes_of::<Added>() {
            let set = key
                .first()
                .and_then(|tag| self.set_of(*tag))
                .ok_or_else(|| {
                    ApplyError::Inconsistent(format!("{key:02x?} is not a packed set's bucket"))
                })?;
            set.merge_into(writes, key, added)?;
        }
        Ok(())
    }

    /// Sorts a building generation's pending entries into their buckets and removes the
    /// pending lists (`Projection::build_indexes`).
    pub(crate) fn build(
        &self,
        model: &ReadModel,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        let Some(first) = self.sets.first() else {
            return Ok(());
        };
        let malformed = || ApplyError::Storage("a pending list of packed sets is malformed".into());
        let mut buckets: BTreeMap<Vec<u8>, (&Packing, Vec<Vec<u8>>)> = BTreeMap::new();
        let prefix = [first.pending_tag];
        for stored in model.scan_from(&prefix, &prefix) {
            let (key, list) = stored.map_err(|e| ApplyError::Storage(e.to_string()))?;
            let mut rest = &list[..];
            while let Some((&tag, after_tag)) = rest.split_first() {
                let set = self.set_of(tag).ok_or_else(malformed)?;
                let (entry, after) = after_tag
                    .split_at_checked(set.entry_bytes)
                    .ok_or_else(malformed)?;
                buckets
                    .entry(set.bucket_key(entry)?)
                    .or_insert_with(|| (set, Vec::new()))
                    .1
                    .push(entry.to_vec());
                rest = after;
            }
            writes.remove(key.to_vec());
        }
        for (key, (set, added)) in buckets {
            set.merge_into(writes, key, added)?;
        }
        Ok(())
    }
}
