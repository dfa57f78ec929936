//! Numbering of the stored hashes (the layout of Go's `sumdb/tlog`).
//!
//! The hash of the complete subtree at `level` (2^level leaves) with index `n` (its leaves
//! are `n·2^level .. (n+1)·2^level`) is stored when its last leaf, record
//! `r = (n+1)·2^level − 1`, is appended: after the `2r − popcount(r)` hashes of the tree of
//! size `r`, the leaf hash comes first and then one hash per level it completes.

/// How many hashes a tree of `size` leaves stores: `2·size − popcount(size)`.
pub fn stored_hash_count(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

/// Where the hash of the subtree at `level` with index `n` is stored.
///
/// Panics (a programmer error) if the subtree lies beyond `u64` leaves.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    assert!(level < 64, "a subtree level is below 64");
    let last_leaf = ((n + 1) << level) - 1;
    stored_hash_count(last_leaf) + u64::from(level)
}

/// The complete subtrees that make up leaves `low..high`, left to right, as `(level, index)`:
/// each as large as its alignment and the rest of the range allow. For the ranges the proofs
/// ask for (a subtree of RFC 6962's recursive split), this is that split's own shape.
pub(super) fn subtrees(mut low: u64, high: u64) -> Vec<(u8, u64)> {
    let mut out = Vec::new();
    while low < high {
        let aligned = if low == 0 { 63 } else { low.trailing_zeros() };
        let fits = 63 - (high - low).leading_zeros();
        let level = aligned.min(fits);
        out.push((level as u8, low >> level));
        low += 1 << level;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_numbered_in_the_order_they_are_stored() {
        // Go's sumdb/tlog: level 0 leaves at 0, 1, 3, 4, 7, ...; (1, 0) at 2; (2, 0) at 6.
        let check =
            |level, n, want| assert_eq!(stored_hash_index(level, n), want, "({level}, {n})");
        check(0, 0, 0);
        check(0, 1, 1);
        check(1, 0, 2);
        check(0, 2, 3);
        check(0, 3, 4);
        check(1, 1, 5);
        check(2, 0, 6);
        check(0, 4, 7);
        assert_eq!(stored_hash_count(0), 0);
        assert_eq!(stored_hash_count(4), 7);
        assert_eq!(stored_hash_count(5), 8);
    }

    #[test]
    fn subtrees_cover_a_range_with_maximal_aligned_pieces() {
        assert_eq!(subtrees(0, 0), vec![]);
        assert_eq!(subtrees(0, 7), vec![(2, 0), (1, 2), (0, 6)]);
        assert_eq!(subtrees(4, 7), vec![(1, 2), (0, 6)]);
        assert_eq!(subtrees(8, 16), vec![(3, 1)]);
        assert_eq!(subtrees(6, 11), vec![(1, 3), (1, 4), (0, 10)]);
    }
}
