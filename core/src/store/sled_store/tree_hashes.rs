//! The Merkle tree's stored hashes (store format 4, ADR 0006): `H | first number (u64 BE)`
//! holds consecutive stored hashes (see `tlog::stored_hash_index`), 32 bytes each. A group
//! commit adds one contiguous run of them, written as few `H` entries as
//! `CHUNK_HASHES_MAX` allows in the same atomic batch as its records, so the tree is always
//! exactly as long as the log. Reading number `i` reads the last `H` entry at or before `i`.

use sled::IVec;

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::Damage;
use crate::tlog::{Frontier, StoredHashes, leaf_hash, stored_hash_count, stored_hash_index};

const TREE_HASH: u8 = b'H';
const HASH_BYTES: usize = 32;
/// Most hashes one `H` entry holds (64 KiB, like a record chunk).
const CHUNK_HASHES_MAX: usize = 2_048;

fn key(first: u64) -> [u8; 9] {
    let mut key = [TREE_HASH; 9];
    key[1..].copy_from_slice(&first.to_be_bytes());
    key
}

/// The leaf a stored record contributes: the bytes its chain hash covers (tag and body,
/// without the trailing own hash), exactly as an export's `record_hex`.
pub(super) fn leaf_of_stored(value: &[u8]) -> Hash256 {
    leaf_hash(&value[..value.len().saturating_sub(HASH_BYTES)])
}

/// Stages `hashes`, numbered from `first`, as `H` entries.
pub(super) fn stage(batch: &mut sled::Batch, first: u64, hashes: &[Hash256]) {
    for (chunk_index, chunk) in hashes.chunks(CHUNK_HASHES_MAX).enumerate() {
        let mut value = Vec::with_capacity(chunk.len() * HASH_BYTES);
        for hash in chunk {
            value.extend_from_slice(&hash.0);
        }
        let at = first + (chunk_index * CHUNK_HASHES_MAX) as u64;
        batch.insert(&key(at)[..], value);
    }
}

/// Reads stored hashes, keeping the last `H` entry it read (reads in order mostly hit it).
pub(super) struct TreeHashReader<'a> {
    tree: &'a sled::Tree,
    /// The stored hashes are readable up to here (the tree size's count): nothing past the
    /// published head is read.
    count: u64,
    last: std::cell::RefCell<Option<(u64, IVec)>>,
}

impl<'a> TreeHashReader<'a> {
    /// A reader of the tree of `size` leaves.
    pub(super) fn new(tree: &'a sled::Tree, size: u64) -> TreeHashReader<'a> {
        TreeHashReader {
            tree,
            count: stored_hash_count(size),
            last: std::cell::RefCell::new(None),
        }
    }

    fn missing(number: u64, reason: &str) -> StoreError {
        StoreError::Corrupt {
            position: 0,
            reason: format!("stored tree hash {number} {reason}"),
        }
    }

    pub(super) fn get(&self, number: u64) -> Result<Hash256, StoreError> {
        if number >= self.count {
            return Err(TreeHashReader::missing(number, "is beyond the tree"));
        }
        let mut last = self.last.borrow_mut();
        let cached = last.as_ref().is_some_and(|(first, value)| {
            number >= *first && number < first + (value.len() / HASH_BYTES) as u64
        });
        if !cached {
            let found = self
                .tree
                .range(key(0)..=key(number))
                .next_back()
                .transpose()?
                .ok_or_else(|| TreeHashReader::missing(number, "is missing"))?;
            let first = u64::from_be_bytes(
                found.0[1..9]
                    .try_into()
                    .map_err(|_| TreeHashReader::missing(number, "has a malformed key"))?,
            );
            if found.1.len() % HASH_BYTES != 0 {
                return Err(TreeHashReader::missing(number, "is in a malformed entry"));
            }
            *last = Some((first, found.1));
        }
        let (first, value) = last.as_ref().expect("just read");
        let bytes = usize::try_from(number - first)
            .ok()
            .and_then(|index| value.chunks_exact(HASH_BYTES).nth(index))
            .ok_or_else(|| TreeHashReader::missing(number, "is missing"))?;
        Ok(Hash256(bytes.try_into().expect("a 32-byte slice")))
    }

    /// The frontier of the tree of `size` leaves (size ≤ this reader's tree).
    pub(super) fn frontier(&self, size: u64) -> Result<Frontier, StoreError> {
        let peaks = Frontier::peak_subtrees(size)
            .into_iter()
            .map(|(level, n)| self.get(stored_hash_index(level, n)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Frontier::from_peaks(size, peaks).expect("one peak per set size bit"))
    }
}

impl StoredHashes for TreeHashReader<'_> {
    type Error = StoreError;

    fn stored_hashes(&self, numbers: &[u64]) -> Result<Vec<Hash256>, StoreError> {
        numbers.iter().map(|&number| self.get(number)).collect()
    }
}

/// Checks records, fed in position order, against the stored hashes: recomputes what each
/// one adds to the tree and compares. Used by `verify` and the check at open.
pub(super) struct TreeCheck<'a> {
    reader: TreeHashReader<'a>,
    frontier: Frontier,
    added: Vec<Hash256>,
}

impl<'a> TreeCheck<'a> {
    /// Resumes after the first `size` records, trusting their stored frontier (the records
    /// up to there were checked before), for a tree that reaches `head` records.
    pub(super) fn resume(
        tree: &'a sled::Tree,
        size: u64,
        head: u64,
    ) -> Result<TreeCheck<'a>, Damage> {
        let reader = TreeHashReader::new(tree, head);
        let frontier = reader.frontier(size).map_err(|error| Damage {
            position: size,
            reason: format!("Merkle tree: {error}"),
        })?;
        Ok(TreeCheck {
            reader,
            frontier,
            added: Vec::new(),
        })
    }

    /// Checks the record at `position` (the next one), stored as `value`.
    pub(super) fn check(&mut self, position: u64, value: &[u8]) -> Result<(), Damage> {
        let damage = |reason: String| Damage { position, reason };
        if position != self.frontier.size() + 1 {
            return Err(damage(format!(
                "Merkle tree: expected position {}",
                self.frontier.size() + 1
            )));
        }
        let first = stored_hash_count(self.frontier.size());
        self.added.clear();
        self.frontier.append(leaf_of_stored(value), &mut self.added);
        for (number, want) in (first..).zip(&self.added) {
            let stored = self
                .reader
                .get(number)
                .map_err(|error| damage(format!("Merkle tree: {error}")))?;
            if stored != *want {
                return Err(damage(format!(
                    "Merkle tree: stored hash {number} does not match the record"
                )));
            }
        }
        Ok(())
    }
}
