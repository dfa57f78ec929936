//! What a lane remembers of its own writes, so folding a batch rarely reads sled.
//!
//! Why: sled 0.34 serialises every operation of the process behind one lock while any
//! `apply_batch` runs, so a lane that reads sled while folding waits for every other lane's
//! commit, and the lanes end up taking turns on one core. A lane is the only writer of its
//! tree, so what it committed is what the tree holds; two layers answer most reads:
//! - recent values: every key the lane committed, with its value (or its removal), in two
//!   generations of `RECENT_BYTES_MAX / 2` each (when the newer fills, the older is dropped);
//! - for a lane that started from an empty tree (a rebuild, a first start), a Bloom filter of
//!   every key it ever wrote: a key the filter has never seen is absent, without a read.
//!
//! Anything else reads sled. Both layers only ever answer what sled would.

// foldhash (seeded per process) for the same reason as the batch's maps (`writes.rs`).
use foldhash::HashMap;

/// Bytes of recent values one lane keeps (keys, values and an estimate of the map's own
/// overhead), both generations together: enough for the records a rebuild of the 1M-event
/// synthetic ledger revisits across batches (a case, its facts, its stream's last event).
pub(crate) const RECENT_BYTES_MAX: usize = 96 * 1024 * 1024;
/// Bits of a lane's key filter: 2 MiB, about 0.2% false positives at 1M keys.
const FILTER_BITS: usize = 1 << 24;
const FILTER_HASHES: u32 = 4;
/// Estimated bytes of one map entry beyond its key and value.
const ENTRY_OVERHEAD_BYTES: usize = 64;

/// What the cache knows of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cached {
    /// The tree holds this value (`None`: no value).
    Known(Option<sled::IVec>),
    /// Read the tree.
    Unknown,
}

#[derive(Default)]
pub(crate) struct LaneCache {
    newer: HashMap<sled::IVec, Option<sled::IVec>>,
    older: HashMap<sled::IVec, Option<sled::IVec>>,
    newer_bytes: usize,
    /// `Some` while every key the tree holds went through `record` (the lane began empty).
    written: Option<KeyFilter>,
}

impl LaneCache {
    /// A cache for a lane whose tree holds nothing yet.
    pub(crate) fn for_empty_tree() -> LaneCache {
        LaneCache {
            written: Some(KeyFilter::new()),
            ..LaneCache::default()
        }
    }

    pub(crate) fn lookup(&self, key: &[u8]) -> Cached {
        if let Some(value) = self.newer.get(key).or_else(|| self.older.get(key)) {
            return Cached::Known(value.clone());
        }
        match &self.written {
            Some(filter) if !filter.may_contain(key) => Cached::Known(None),
            _ => Cached::Unknown,
        }
    }

    /// Remembers a committed write (`None`: a removal).
    pub(crate) fn record(&mut self, key: sled::IVec, value: Option<sled::IVec>) {
        if let Some(filter) = &mut self.written {
            filter.insert(&key);
        }
        let bytes = key.len() + value.as_ref().map_or(0, |v| v.len()) + ENTRY_OVERHEAD_BYTES;
        if self.newer_bytes + bytes > RECENT_BYTES_MAX / 2 {
            self.older = std::mem::take(&mut self.newer);
            self.newer_bytes = 0;
        }
        self.newer_bytes += bytes;
        self.newer.insert(key, value);
    }
}

/// A Bloom filter over byte strings (FNV-1a, double hashing).
struct KeyFilter {
    bits: Vec<u64>,
}

impl KeyFilter {
    fn new() -> KeyFilter {
        KeyFilter {
            bits: vec![0; FILTER_BITS / 64],
        }
    }

    fn positions(key: &[u8]) -> impl Iterator<Item = usize> {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let step = hash.rotate_left(32) | 1;
        (0..u64::from(FILTER_HASHES))
            .map(move |i| (hash.wrapping_add(i.wrapping_mul(step)) % FILTER_BITS as u64) as usize)
    }

    fn insert(&mut self, key: &[u8]) {
        for bit in KeyFilter::positions(key) {
            self.bits[bit / 64] |= 1 << (bit % 64);
        }
    }

    fn may_contain(&self, key: &[u8]) -> bool {
        KeyFilter::positions(key).all(|bit| self.bits[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cache: &LaneCache, key: &[u8], expect: Cached) {
        assert_eq!(cache.lookup(key), expect, "key {key:?}");
    }

    #[test]
    fn an_empty_tree_cache_answers_every_key() {
        let mut cache = LaneCache::for_empty_tree();
        check(&cache, b"a", Cached::Known(None));
        cache.record(b"a".into(), Some(b"1".into()));
        cache.record(b"b".into(), None);
        check(&cache, b"a", Cached::Known(Some(b"1".into())));
        check(&cache, b"b", Cached::Known(None));
        check(&cache, b"c", Cached::Known(None));
    }

    #[test]
    fn a_cache_over_a_stored_tree_knows_only_its_writes() {
        let mut cache = LaneCache::default();
        check(&cache, b"a", Cached::Unknown);
        cache.record(b"a".into(), Some(b"1".into()));
        check(&cache, b"a", Cached::Known(Some(b"1".into())));
        check(&cache, b"b", Cached::Unknown);
    }

    #[test]
    fn evicted_values_fall_back_to_the_tree_or_the_filter() {
        let mut stored = LaneCache::default();
        let mut empty = LaneCache::for_empty_tree();
        let value = vec![7u8; RECENT_BYTES_MAX / 8];
        for cache in [&mut stored, &mut empty] {
            cache.record(b"first".into(), Some(b"1".into()));
            for i in 0..8u8 {
                cache.record(vec![b'k', i].into(), Some(value.clone().into()));
            }
        }
        check(&stored, b"first", Cached::Unknown);
        // The filter still knows `first` was written, so the tree must be read.
        check(&empty, b"first", Cached::Unknown);
        check(&empty, b"never", Cached::Known(None));
    }
}
