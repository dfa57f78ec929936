//! C2SP tlog-tiles (c2sp.org/tlog-tiles) addressing: which hashes or entries a tile path
//! names. A hash tile at level `L`, index `N` holds the hashes of the tree's level-`8L`
//! subtrees `N·256 .. N·256 + W` (`W` = 256 for a full tile); an entry bundle at index `N`
//! holds entries `N·256 .. N·256 + W`, each as a big-endian u16 length and the record.
//! `N` is written in groups of three digits, all but the last prefixed with `x`
//! (`1234067` → `x001/x234/067`), and a partial tile's path ends in `.p/<W>`.

use crate::tlog::index::stored_hash_index;

/// Hashes or entries per full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels one tile level spans.
pub const TILE_HEIGHT: u8 = 8;
/// Highest tile level: `8L` stays below 64.
pub const TILE_LEVEL_MAX: u8 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// A hash tile at this tile level.
    Hashes { level: u8 },
    /// An entry bundle.
    Entries,
}

/// A tile named by a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub kind: TileKind,
    pub index: u64,
    /// 1..=256; below 256 for a partial tile.
    pub width: u64,
}

impl Tile {
    /// Parses a path below `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`. `None` for
    /// anything not in the spec's canonical form.
    pub fn parse(path: &str) -> Option<Tile> {
        let (first, rest) = path.split_once('/')?;
        let kind = if first == "entries" {
            TileKind::Entries
        } else {
            let level = parse_canonical(first)?;
            if level > u64::from(TILE_LEVEL_MAX) {
                return None;
            }
            TileKind::Hashes { level: level as u8 }
        };
        let (index_path, width) = match rest.split_once(".p/") {
            Some((index_path, width_text)) => {
                let width = parse_canonical(width_text)?;
                if !(1..TILE_WIDTH).contains(&width) {
                    return None;
                }
                (index_path, width)
            }
            None => (rest, TILE_WIDTH),
        };
        let groups: Vec<&str> = index_path.split('/').collect();
        let (last, leading) = groups.split_last()?;
        let mut index: u64 = 0;
        for group in leading {
            index = index
                .checked_mul(1000)?
                .checked_add(three_digits(group.strip_prefix('x')?)?)?;
        }
        index = index.checked_mul(1000)?.checked_add(three_digits(last)?)?;
        let tile = Tile { kind, index, width };
        // Exactly one spelling per index: no leading `x000` groups.
        (tile.path() == path).then_some(tile)
    }

    /// The path below `tile/`.
    pub fn path(&self) -> String {
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        let index_path: Vec<String> = groups
            .iter()
            .rev()
            .enumerate()
            .map(|(at, group)| {
                if at + 1 < groups.len() {
                    format!("x{group:03}")
                } else {
                    format!("{group:03}")
                }
            })
            .collect();
        let kind = match self.kind {
            TileKind::Entries => "entries".to_string(),
            TileKind::Hashes { level } => level.to_string(),
        };
        let partial = if self.width < TILE_WIDTH {
            format!(".p/{}", self.width)
        } else {
            String::new()
        };
        format!("{kind}/{}{partial}", index_path.join("/"))
    }

    /// The first and one-past-last position this tile covers in its row (subtrees of level
    /// `8L` for a hash tile, leaves for an entry bundle).
    pub fn span(&self) -> (u64, u64) {
        let first = self.index.saturating_mul(TILE_WIDTH);
        (first, first.saturating_add(self.width))
    }

    /// Whether a tree of `tree_size` leaves holds everything this tile covers.
    pub fn fits(&self, tree_size: u64) -> bool {
        let row_length = match self.kind {
            TileKind::Entries => tree_size,
            TileKind::Hashes { level } => tree_size >> (u32::from(level) * u32::from(TILE_HEIGHT)),
        };
        self.span().1 <= row_length
    }

    /// The stored-hash numbers of a hash tile's hashes, in order (empty for entries).
    pub fn stored_hash_numbers(&self) -> Vec<u64> {
        let TileKind::Hashes { level } = self.kind else {
            return Vec::new();
        };
        let (first, end) = self.span();
        (first..end)
            .map(|n| stored_hash_index(level * TILE_HEIGHT, n))
            .collect()
    }
}

fn three_digits(text: &str) -> Option<u64> {
    (text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// A decimal without sign or leading zeros.
fn parse_canonical(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_parse_in_their_one_canonical_form() {
        let check = |path: &str, want: Option<(TileKind, u64, u64)>| {
            let got = Tile::parse(path).map(|t| (t.kind, t.index, t.width));
            assert_eq!(got, want, "{path}");
        };
        let hashes = |level| TileKind::Hashes { level };
        check("0/000", Some((hashes(0), 0, 256)));
        check("1/x001/x234/067", Some((hashes(1), 1_234_067, 256)));
        check("entries/x001/234.p/5", Some((TileKind::Entries, 1_234, 5)));
        check("2/000.p/255", Some((hashes(2), 0, 255)));
        check("0/x000/001", None);
        check("0/1", None);
        check("0/001.p/256", None);
        check("0/001.p/0", None);
        check("0/001.p/05", None);
        check("8/000", None);
        check("01/000", None);
        check("entries/", None);
        check("0/x001", None);
        assert_eq!(
            Tile::parse("1/x001/x234/067").unwrap().path(),
            "1/x001/x234/067"
        );
    }

    #[test]
    fn a_tile_fits_a_tree_only_when_the_tree_covers_it() {
        let tile = Tile::parse("1/000.p/3").unwrap();
        assert!(!tile.fits(3 * 256 - 1));
        assert!(tile.fits(3 * 256));
        assert!(Tile::parse("entries/000.p/3").unwrap().fits(3));
        assert_eq!(
            Tile::parse("0/000.p/2").unwrap().stored_hash_numbers(),
            vec![0, 1]
        );
        assert_eq!(
            Tile::parse("1/000.p/1").unwrap().stored_hash_numbers(),
            vec![stored_hash_index(8, 0)]
        );
    }
}
