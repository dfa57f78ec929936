//! Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2). Needs nothing but the proof, the
//! sizes and the hashes: this is what an auditor runs.

use thiserror::Error;

use crate::hash::Hash256;
use crate::tlog::hashing::node_hash;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexBeyondSize { index: u64, size: u64 },
    #[error("a tree of {old_size} leaves cannot grow into one of {new_size}")]
    SizesDecrease { old_size: u64, new_size: u64 },
    #[error("a consistency proof from the empty tree proves nothing")]
    FromEmptyTree,
    #[error("the proof has the wrong number of hashes for these sizes")]
    WrongLength,
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash256,
    proof: &[Hash256],
    root: &Hash256,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    let (mut first, mut second) = (index, size - 1);
    let mut hash = *leaf;
    for sibling in proof {
        if second == 0 {
            return Err(ProofError::WrongLength);
        }
        if first & 1 == 1 || first == second {
            hash = node_hash(sibling, &hash);
            while first & 1 == 0 && first != 0 {
                first >>= 1;
                second >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        first >>= 1;
        second >>= 1;
    }
    if second != 0 {
        return Err(ProofError::WrongLength);
    }
    if hash != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `new_size` leaves with root `new_root` extends the tree of
/// `old_size` leaves with root `old_root`.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash256,
    new_root: &Hash256,
    proof: &[Hash256],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesDecrease { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    // An old tree of 2^k leaves is a subtree of the new one, left out of the proof.
    let mut path: Vec<Hash256> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((seed, rest)) = path.split_first() else {
        return Err(ProofError::WrongLength);
    };
    let (mut first, mut second) = (old_size - 1, new_size - 1);
    while first & 1 == 1 {
        first >>= 1;
        second >>= 1;
    }
    let (mut old_hash, mut new_hash) = (*seed, *seed);
    for sibling in rest {
        if second == 0 {
            return Err(ProofError::WrongLength);
        }
        if first & 1 == 1 || first == second {
            old_hash = node_hash(sibling, &old_hash);
            new_hash = node_hash(sibling, &new_hash);
            while first & 1 == 0 && first != 0 {
                first >>= 1;
                second >>= 1;
            }
        } else {
            new_hash = node_hash(&new_hash, sibling);
        }
        first >>= 1;
        second >>= 1;
    }
    if second != 0 {
        return Err(ProofError::WrongLength);
    }
    if old_hash != *old_root || new_hash != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}
