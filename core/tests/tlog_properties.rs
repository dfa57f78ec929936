//! Properties of the Merkle tree over random sizes: the root is RFC 6962's MTH, every
//! inclusion and consistency proof verifies, and a tampered proof, leaf or size is refused.

use govledger_core::hash::Hash256;
use govledger_core::tlog::{
    MemoryTree, ProofError, leaf_hash, node_hash, prove_consistency, prove_inclusion,
    stored_hash_count, tree_root, verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

fn record(index: u64) -> Vec<u8> {
    format!("record {index}").into_bytes()
}

fn tree(size: u64) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for index in 0..size {
        tree.push(&record(index));
    }
    tree
}

/// RFC 6962 §2.1's definition, recursively, as the reference.
fn reference_root(leaves: &[Hash256]) -> Hash256 {
    match leaves.len() {
        0 => Hash256::of_bytes(b""),
        1 => leaves[0],
        n => {
            let split = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(
                &reference_root(&leaves[..split]),
                &reference_root(&leaves[split..]),
            )
        }
    }
}

fn flip_bit(proof: &[Hash256], at: usize, bit: u8) -> Vec<Hash256> {
    let mut tampered = proof.to_vec();
    let item = at % tampered.len();
    tampered[item].0[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
    tampered
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn roots_are_rfc_6962_roots(size in 0u64..300) {
        let tree = tree(size);
        let leaves: Vec<Hash256> = (0..size).map(|i| leaf_hash(&record(i))).collect();
        prop_assert_eq!(tree.root(), reference_root(&leaves));
        prop_assert_eq!(tree.stored().len() as u64, stored_hash_count(size));
        for prefix in [0, size / 3, size / 2, size] {
            prop_assert_eq!(tree_root(prefix, &tree).unwrap(), reference_root(&leaves[..prefix as usize]));
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_tampering_is_refused(
        size in 1u64..600, index_seed in any::<u64>(), at in any::<usize>(), bit in any::<u8>(), other_size in 1u64..600,
    ) {
        let tree = tree(size);
        let index = index_seed % size;
        let root = tree.root();
        let leaf = leaf_hash(&record(index));
        let proof = prove_inclusion(size, index, &tree).unwrap();
        prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));

        let wrong_leaf = leaf_hash(&record(index + 1));
        prop_assert!(verify_inclusion(index, size, &wrong_leaf, &proof, &root).is_err());
        if !proof.is_empty() {
            prop_assert!(verify_inclusion(index, size, &leaf, &flip_bit(&proof, at, bit), &root).is_err());
            prop_assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        }
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(index, size, &leaf, &longer, &root).is_err());
        // A proof for one tree does not verify against another (its size and its root).
        if other_size != size && index < other_size {
            let other_root = tree_root(other_size, &self::tree(other_size)).unwrap();
            prop_assert!(verify_inclusion(index, other_size, &leaf, &proof, &other_root).is_err());
        }
        if index + 1 < size {
            prop_assert!(verify_inclusion(index + 1, size, &leaf, &proof, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_is_refused(
        new_size in 1u64..600, old_seed in any::<u64>(), at in any::<usize>(), bit in any::<u8>(), other_seed in any::<u64>(),
    ) {
        let tree = tree(new_size);
        let old_size = 1 + old_seed % new_size;
        let (old_root, new_root) = (tree_root(old_size, &tree).unwrap(), tree.root());
        let proof = prove_consistency(old_size, new_size, &tree).unwrap();
        prop_assert_eq!(verify_consistency(old_size, new_size, &old_root, &new_root, &proof), Ok(()));

        if !proof.is_empty() {
            prop_assert!(verify_consistency(old_size, new_size, &old_root, &new_root, &flip_bit(&proof, at, bit)).is_err());
            prop_assert!(verify_consistency(old_size, new_size, &old_root, &new_root, &proof[1..]).is_err());
        }
        // A rewritten old tree (one leaf changed) is not extended by the new one.
        let mut forked = MemoryTree::new();
        for index in 0..old_size {
            forked.push(&if index == old_seed % old_size { b"rewritten".to_vec() } else { record(index) });
        }
        prop_assert!(verify_consistency(old_size, new_size, &forked.root(), &new_root, &proof).is_err());
        // The proof does not carry over to another old size (with that tree's root).
        let other_old = 1 + other_seed % new_size;
        if other_old != old_size {
            let other_root = tree_root(other_old, &tree).unwrap();
            prop_assert!(verify_consistency(other_old, new_size, &other_root, &new_root, &proof).is_err());
        }
    }
}

#[test]
fn proofs_for_impossible_requests_are_refused() {
    let tree = tree(5);
    let refused = |result: Result<Vec<Hash256>, govledger_core::tlog::ProveError<_>>,
                   want: ProofError| match result {
        Err(govledger_core::tlog::ProveError::Request(got)) => assert_eq!(got, want),
        other => panic!("expected {want:?}, got {other:?}"),
    };
    refused(
        prove_inclusion(5, 5, &tree),
        ProofError::IndexBeyondSize { index: 5, size: 5 },
    );
    refused(
        prove_consistency(6, 5, &tree),
        ProofError::SizesDecrease {
            old_size: 6,
            new_size: 5,
        },
    );
    refused(prove_consistency(0, 5, &tree), ProofError::FromEmptyTree);
    assert_eq!(
        prove_consistency(5, 5, &tree).unwrap(),
        Vec::<Hash256>::new()
    );
    // Asking past what is stored is a read error, not a wrong proof.
    assert!(matches!(
        prove_inclusion(9, 1, &tree),
        Err(govledger_core::tlog::ProveError::Read(_))
    ));
}
