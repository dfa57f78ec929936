//! Order statistics for durations: nearest-rank percentiles (the value at rank
//! `ceil(p/100 × n)` in ascending order), so every reported figure is one of the samples and
//! can be checked by hand.

/// The nearest-rank `percent` percentile of ascending `sorted`; `None` when empty.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(percent) * n).div_ceil(100).clamp(1, n);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// The nearest-rank percentiles `percents` (ascending) of `count` values read in ascending
/// order from `ascending`, reading no further than the last rank; `None` each when empty.
pub fn nearest_rank_of<const N: usize, E>(
    ascending: impl Iterator<Item = Result<i64, E>>,
    count: u64,
    percents: [u32; N],
) -> Result<[Option<i64>; N], E> {
    let mut found = [None; N];
    if count == 0 {
        return Ok(found);
    }
    let ranks = percents.map(|percent| (u64::from(percent) * count).div_ceil(100).clamp(1, count));
    let mut next = 0;
    for (rank, value) in (1u64..).zip(ascending) {
        let value = value?;
        while next < N && ranks[next] == rank {
            found[next] = Some(value);
            next += 1;
        }
        if next == N {
            break;
        }
    }
    Ok(found)
}

/// The nearest-rank median of values sorted in descending order; 0 when empty.
pub fn median_of_sorted_desc(sorted_desc: &[i64]) -> i64 {
    let ascending: Vec<i64> = sorted_desc.iter().rev().copied().collect();
    nearest_rank(&ascending, 50).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[i64], percent: u32, expect: Option<i64>) {
        assert_eq!(
            nearest_rank(values, percent),
            expect,
            "p{percent} of {values:?}"
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        check(&[], 50, None);
        check(&[7], 50, Some(7));
        check(&[7], 90, Some(7));
        // n = 4: median rank ceil(2) = 2 -> 20; p90 rank ceil(3.6) = 4 -> 40.
        check(&[10, 20, 30, 40], 50, Some(20));
        check(&[10, 20, 30, 40], 90, Some(40));
        // n = 10: p90 rank 9.
        check(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, Some(9));
        check(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, Some(5));
        assert_eq!(median_of_sorted_desc(&[9, 5, 1]), 5);
        // The streaming form agrees with the slice form.
        for values in [
            &[][..],
            &[7],
            &[10, 20, 30, 40],
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        ] {
            let read = values.iter().map(|value| Ok::<i64, ()>(*value));
            let [median, p90] = nearest_rank_of(read, values.len() as u64, [50, 90]).unwrap();
            assert_eq!(
                (median, p90),
                (nearest_rank(values, 50), nearest_rank(values, 90))
            );
        }
    }
}
