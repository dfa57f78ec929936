//! The hash bucket of an id, for read models that pack many small values under few sled keys
//! (the audit's causes and links, the cases' records): a fixed, documented mix of the id's
//! bits, never a library's hash, so a stored layout never changes under a read model.

use uuid::Uuid;

/// The bucket of `id` among `2^bits` (`bits` ≤ 16): the splitmix64 finaliser over both halves
/// of the id, top `bits` bits. Part of the stored layouts: changing it needs new versions of
/// the read models that use it.
pub(crate) fn bucket_of(id: &Uuid, bits: u32) -> u16 {
    debug_assert!((1..=16).contains(&bits));
    let (high, low) = id.as_u64_pair();
    let mixed = mix64(high ^ mix64(low));
    (mixed >> (64 - bits)) as u16
}

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, bits: u32, expect: u16) {
        let id = Uuid::parse_str(id).unwrap();
        assert_eq!(bucket_of(&id, bits), expect, "{id}");
    }

    /// The bucket function is part of the stored layouts: these must never change (worked out
    /// independently of this code, from the splitmix64 finaliser's definition).
    #[test]
    fn buckets_are_stable() {
        check("00000000-0000-0000-0000-000000000000", 14, 0);
        check("00000000-0000-0000-0000-000000000001", 14, 0x1ead);
        check("0190a0b1-7c2d-7def-8123-456789abcdef", 14, 0x0295);
        check("ffffffff-ffff-ffff-ffff-ffffffffffff", 14, 0x35af);
        // Fewer bits keep the top ones.
        check("00000000-0000-0000-0000-000000000001", 13, 0x1ead >> 1);
    }

    #[test]
    fn buckets_spread_sequential_ids() {
        let mut used = std::collections::HashSet::new();
        for n in 0..1_000u128 {
            used.insert(bucket_of(&Uuid::from_u128(n), 14));
        }
        assert!(used.len() > 950, "{} buckets for 1,000 ids", used.len());
    }
}
