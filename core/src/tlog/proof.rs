//! Proof generation (RFC 6962 §2.1.1 and §2.1.2) from stored hashes. A proof is a list of
//! subtree hashes; each is folded from at most log2(n) stored hashes, all asked for in one
//! `stored_hashes` call, so a proof costs O(log n) reads.

use thiserror::Error;

use crate::hash::Hash256;
use crate::tlog::hashing::{EMPTY_TREE_ROOT, node_hash};
use crate::tlog::index::{stored_hash_index, subtrees};
use crate::tlog::verify::ProofError;

/// Where a tree's stored hashes are read from (the store, or a `MemoryTree`).
pub trait StoredHashes {
    type Error;

    /// The stored hashes at `indexes` (see `stored_hash_index`), in the same order.
    fn stored_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash256>, Self::Error>;
}

#[derive(Debug, Error)]
pub enum ProveError<E> {
    /// The sizes or index asked for name no proof (the caller's mistake).
    #[error(transparent)]
    Request(ProofError),
    /// The stored hashes could not be read.
    #[error("reading the tree's stored hashes: {0}")]
    Read(E),
}

/// The root hash of the tree's first `size` leaves.
pub fn tree_root<R: StoredHashes>(size: u64, reader: &R) -> Result<Hash256, R::Error> {
    if size == 0 {
        return Ok(EMPTY_TREE_ROOT);
    }
    Ok(range_hashes(&[(0, size)], reader)?[0])
}

/// The audit path of leaf `index` in the tree of `size` leaves, leaf to root.
pub fn prove_inclusion<R: StoredHashes>(
    size: u64,
    index: u64,
    reader: &R,
) -> Result<Vec<Hash256>, ProveError<R::Error>> {
    if index >= size {
        return Err(ProveError::Request(ProofError::IndexBeyondSize {
            index,
            size,
        }));
    }
    let mut ranges = Vec::new();
    inclusion_ranges(index, 0, size, &mut ranges);
    range_hashes(&ranges, reader).map_err(ProveError::Read)
}

/// The proof that the tree of `new_size` leaves extends the tree of `old_size` leaves
/// (empty when the sizes are equal).
pub fn prove_consistency<R: StoredHashes>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<Vec<Hash256>, ProveError<R::Error>> {
    if old_size > new_size {
        return Err(ProveError::Request(ProofError::SizesDecrease {
            old_size,
            new_size,
        }));
    }
    if old_size == 0 {
        return Err(ProveError::Request(ProofError::FromEmptyTree));
    }
    let mut ranges = Vec::new();
    if old_size < new_size {
        consistency_ranges(old_size, 0, new_size, OldTree::IsThisSubtree, &mut ranges);
    }
    range_hashes(&ranges, reader).map_err(ProveError::Read)
}

/// The largest power of two below `n` (n ≥ 2): where RFC 6962 splits a tree.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// PATH(m, D[low:high]) as the leaf ranges whose hashes it lists.
fn inclusion_ranges(index: u64, low: u64, high: u64, out: &mut Vec<(u64, u64)>) {
    if high - low == 1 {
        return;
    }
    let middle = low + split_point(high - low);
    if index < middle {
        inclusion_ranges(index, low, middle, out);
        out.push((middle, high));
    } else {
        inclusion_ranges(index, middle, high, out);
        out.push((low, middle));
    }
}

/// Whether SUBPROOF's subtree is known to the verifier as the whole old tree (RFC 6962's `b`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum OldTree {
    IsThisSubtree,
    IsNotThisSubtree,
}

/// SUBPROOF(m, D[low:high], b) as leaf ranges; `old_size` is m counted from leaf 0.
fn consistency_ranges(old_size: u64, low: u64, high: u64, old: OldTree, out: &mut Vec<(u64, u64)>) {
    if old_size == high {
        if old == OldTree::IsNotThisSubtree {
            out.push((low, high));
        }
        return;
    }
    let middle = low + split_point(high - low);
    if old_size <= middle {
        consistency_ranges(old_size, low, middle, old, out);
        out.push((middle, high));
    } else {
        consistency_ranges(old_size, middle, high, OldTree::IsNotThisSubtree, out);
        out.push((low, middle));
    }
}

/// The hash of each leaf range, its stored hashes read in one call.
fn range_hashes<R: StoredHashes>(
    ranges: &[(u64, u64)],
    reader: &R,
) -> Result<Vec<Hash256>, R::Error> {
    let pieces: Vec<Vec<(u8, u64)>> = ranges
        .iter()
        .map(|&(low, high)| subtrees(low, high))
        .collect();
    let indexes: Vec<u64> = pieces
        .iter()
        .flatten()
        .map(|&(level, n)| stored_hash_index(level, n))
        .collect();
    let hashes = reader.stored_hashes(&indexes)?;
    let mut at = 0;
    Ok(pieces
        .iter()
        .map(|range| {
            let own = &hashes[at..at + range.len()];
            at += range.len();
            let (last, rest) = own.split_last().expect("a non-empty range has a subtree");
            rest.iter()
                .rev()
                .fold(*last, |right, left| node_hash(left, &right))
        })
        .collect())
}
