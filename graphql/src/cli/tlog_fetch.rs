//! `govledger tlog verify --log-url http://host:port/tlog/`: the auditor's check against a served
//! log, over C2SP tlog-tiles alone. Fetches `checkpoint` and opens it with the log's key (and
//! any witnesses' keys), fetches every entry bundle of the signed tree, re-checks the records'
//! hash chain, builds the Merkle tree from them, and requires every hash tile the log serves
//! for that tree to hold exactly the tree's hashes and the root to be the signed one; older
//! checkpoints must be roots of its prefixes.

use govledger_core::hash::Hash256;
use govledger_core::store::ChainCheck;
use govledger_core::tlog::cosignature::CosignatureVerifier;
use govledger_core::tlog::note::{NOTE_BYTES_MAX, NOTE_SIGNATURES_MAX, NoteVerifier};
use govledger_core::tlog::tile::{TILE_HEIGHT, TILE_LEVEL_MAX, TILE_WIDTH, Tile, TileKind};
use govledger_core::tlog::{MemoryTree, StoredHashes, tree_root};

use crate::cli::tlog_verify::{Prefixes, check_witnesses, not_verified, open_note};
use crate::cli::{CliError, say};
use crate::http_client::{BaseUrl, HttpClientError, get};

/// Largest tree checked (the tree is held in memory, 64 bytes a leaf).
const TREE_SIZE_MAX: u64 = 50_000_000;
/// Longest checkpoint fetched.
const CHECKPOINT_BYTES_MAX: usize = NOTE_BYTES_MAX + NOTE_SIGNATURES_MAX * 512;
/// Longest entry bundle: 256 records of at most 64 KiB, each after its u16 length.
const ENTRY_BUNDLE_BYTES_MAX: usize = TILE_WIDTH as usize * (2 + u16::MAX as usize);

fn fetch_failed(error: HttpClientError) -> CliError {
    CliError::Failed(error.to_string())
}

async fn fetch(base: &BaseUrl, path: &str, limit: usize) -> Result<Vec<u8>, CliError> {
    get(base, path, &[])
        .await
        .map_err(fetch_failed)?
        .ok_bytes(limit)
        .await
        .map_err(fetch_failed)
}

/// The tiles of a row of `length` items: the full ones, then the partial one.
fn row(kind: TileKind, length: u64) -> impl Iterator<Item = Tile> {
    let full = length / TILE_WIDTH;
    let partial = (length % TILE_WIDTH > 0).then_some(Tile {
        kind,
        index: full,
        width: length % TILE_WIDTH,
    });
    (0..full)
        .map(move |index| Tile {
            kind,
            index,
            width: TILE_WIDTH,
        })
        .chain(partial)
}

/// An entry bundle's records; refused unless it holds exactly `width` of them.
fn split_bundle(tile: &Tile, bytes: &[u8]) -> Result<Vec<Vec<u8>>, CliError> {
    let broken = |reason: &str| not_verified(format!("tile/{}: {reason}", tile.path()));
    let mut records = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (length, tail) = rest
            .split_at_checked(2)
            .ok_or_else(|| broken("a record's length is cut short"))?;
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        let (record, tail) = tail
            .split_at_checked(length)
            .ok_or_else(|| broken("a record is cut short"))?;
        records.push(record.to_vec());
        rest = tail;
    }
    if records.len() as u64 != tile.width {
        return Err(broken(&format!(
            "holds {} records, not {}",
            records.len(),
            tile.width
        )));
    }
    Ok(records)
}

pub(super) fn verify_log(
    log: &str,
    verifier: &NoteVerifier,
    witnesses: &[CosignatureVerifier],
    prefixes: Prefixes,
) -> Result<(), CliError> {
    let base = BaseUrl::parse(log).map_err(|e| CliError::Failed(format!("--log-url: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    runtime.block_on(verify(&base, verifier, witnesses, prefixes))
}

async fn verify(
    base: &BaseUrl,
    verifier: &NoteVerifier,
    witnesses: &[CosignatureVerifier],
    mut prefixes: Prefixes,
) -> Result<(), CliError> {
    let note = fetch(base, "/checkpoint", CHECKPOINT_BYTES_MAX).await?;
    let note =
        String::from_utf8(note).map_err(|_| not_verified("the checkpoint is not UTF-8".into()))?;
    let signed = open_note(verifier, &note, &base.url("/checkpoint"))?;
    let size = signed.tree_size;
    if size > TREE_SIZE_MAX {
        return Err(CliError::Failed(format!(
            "the log's tree has {size} events; this check holds at most {TREE_SIZE_MAX}"
        )));
    }
    say(format!(
        "{}: signed by the log's key, {size} events, root {}",
        base.url("/checkpoint"),
        signed.root
    ));
    check_witnesses(witnesses, &note)?;

    // The records, from the entry bundles: their chain, and the tree over them.
    let mut tree = MemoryTree::new();
    let mut chain = ChainCheck::from_genesis();
    for tile in row(TileKind::Entries, size) {
        let bytes = fetch(
            base,
            &format!("/tile/{}", tile.path()),
            ENTRY_BUNDLE_BYTES_MAX,
        )
        .await?;
        for record in split_bundle(&tile, &bytes)? {
            let position = tree.size() + 1;
            let hash = Hash256::chain(&chain.verified().hash, &record);
            let mut stored = record.clone();
            stored.extend_from_slice(&hash.0);
            chain.check(position, &stored).map_err(|damage| {
                not_verified(format!(
                    "the record at position {}: {}",
                    damage.position, damage.reason
                ))
            })?;
            tree.push(&record);
        }
    }
    for &old_size in prefixes.sizes().iter().filter(|&&s| s <= size) {
        let root = tree_root(old_size, &tree).map_err(|e| CliError::Failed(e.to_string()))?;
        prefixes.saw(old_size, root);
    }
    if tree.root() != signed.root {
        return Err(not_verified(format!(
            "the log's {size} entries hash to root {}, not the signed {}",
            tree.root(),
            signed.root
        )));
    }
    say(format!(
        "the entries are exactly the signed tree (chain head {})",
        chain.verified().hash
    ));

    // The hash tiles must hold exactly the tree's hashes.
    let mut hash_tiles = 0u64;
    for level in 0..=TILE_LEVEL_MAX {
        let length = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
        if length == 0 {
            break;
        }
        for tile in row(TileKind::Hashes { level }, length) {
            let bytes = fetch(base, &format!("/tile/{}", tile.path()), 32 * 256).await?;
            let want = tree
                .stored_hashes(&tile.stored_hash_numbers())
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let want: Vec<u8> = want.iter().flat_map(|hash| hash.0).collect();
            if bytes != want {
                return Err(not_verified(format!(
                    "tile/{}: the hash tile does not hold the tree's hashes",
                    tile.path()
                )));
            }
            hash_tiles += 1;
        }
    }
    say(format!(
        "{hash_tiles} hash tiles hold exactly the tree's hashes"
    ));
    prefixes.check(size)
}
