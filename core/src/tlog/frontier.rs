//! The right edge of the tree: the hashes of its maximal complete subtrees, one per set bit
//! of its size. Enough to append a leaf (and learn the stored hashes it adds) and to compute
//! the root, without reading anything.

use crate::hash::Hash256;
use crate::tlog::hashing::{EMPTY_TREE_ROOT, node_hash};
use crate::tlog::index;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Largest (leftmost) subtree first.
    peaks: Vec<Hash256>,
}

impl Frontier {
    pub fn empty() -> Frontier {
        Frontier {
            size: 0,
            peaks: Vec::new(),
        }
    }

    /// A frontier from the hashes of the subtrees `peak_subtrees(size)` names, in its order;
    /// `None` if their number does not fit the size.
    pub fn from_peaks(size: u64, peaks: Vec<Hash256>) -> Option<Frontier> {
        (peaks.len() == size.count_ones() as usize).then_some(Frontier { size, peaks })
    }

    /// The `(level, index)` of the subtrees whose hashes make up the frontier of a tree of
    /// `size` leaves, largest first.
    pub fn peak_subtrees(size: u64) -> Vec<(u8, u64)> {
        index::subtrees(0, size)
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hashes of the subtrees `peak_subtrees(size)` names, largest first.
    pub fn peaks(&self) -> &[Hash256] {
        &self.peaks
    }

    /// The tree's root hash (RFC 6962's MTH): the peaks folded from the right.
    pub fn root(&self) -> Hash256 {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return EMPTY_TREE_ROOT;
        };
        peaks.fold(*last, |right, left| node_hash(left, &right))
    }

    /// Appends a leaf and pushes the stored hashes it adds onto `stored`, in storage order:
    /// the leaf hash, then one hash per subtree it completes.
    pub fn append(&mut self, leaf: Hash256, stored: &mut Vec<Hash256>) {
        stored.push(leaf);
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.peaks.pop().expect("a set size bit has its peak");
            hash = node_hash(&left, &hash);
            stored.push(hash);
            size >>= 1;
        }
        self.peaks.push(hash);
        self.size += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::hashing::leaf_hash;

    #[test]
    fn root_of_three_leaves_is_the_rfc_shape() {
        let leaves: Vec<Hash256> = [b"a", b"b", b"c"].iter().map(|r| leaf_hash(*r)).collect();
        let mut frontier = Frontier::empty();
        let mut stored = Vec::new();
        for leaf in &leaves {
            frontier.append(*leaf, &mut stored);
        }
        let want = node_hash(&node_hash(&leaves[0], &leaves[1]), &leaves[2]);
        assert_eq!(frontier.root(), want);
        assert_eq!(stored.len() as u64, crate::tlog::stored_hash_count(3));
        assert_eq!(Frontier::peak_subtrees(3), vec![(1, 0), (0, 2)]);
        assert_eq!(Frontier::empty().root(), EMPTY_TREE_ROOT);
    }
}
