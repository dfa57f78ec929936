//! RFC 6962 §2.1 hashing: leaves and interior nodes are domain-separated by one prefix byte,
//! so no leaf can pass for a node (second-preimage resistance).

use sha2::{Digest, Sha256};

use crate::hash::Hash256;

/// The root of the empty tree: SHA-256 of no bytes.
pub const EMPTY_TREE_ROOT: Hash256 = Hash256([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// The hash of a leaf holding `record`: `SHA-256(0x00 || record)`.
pub fn leaf_hash(record: &[u8]) -> Hash256 {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(record);
    Hash256(hasher.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash256, right: &Hash256) -> Hash256 {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash256(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_the_hash_of_nothing() {
        assert_eq!(EMPTY_TREE_ROOT, Hash256::of_bytes(b""));
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        // RFC 6962's known answer: the leaf hash of the empty record.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let concatenated = [a.0, b.0].concat();
        assert_ne!(node_hash(&a, &b), leaf_hash(&concatenated));
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }
}
