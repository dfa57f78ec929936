//! `govledger restore --from DIR --data NEWDIR --identity KEYFILE`: a data directory rebuilt
//! from a backup (ADR 0009), following `since` back to the full backup. Everything is
//! checked before anything is written: each manifest's part digests, each part's header
//! (the ledger and the head it belongs to), the chain, tree and checkpoints of every ledger
//! part, each idempotency key against the hash of the event it names, the token log, the
//! personal data (decrypted with the identity). The directory is then built beside NEWDIR
//! and renamed into place: the records, checkpoints and idempotency keys, the token log, the
//! personal data with every erasure the restored ledger records replayed onto it, and the
//! log's verifier key. The read models rebuild on the first start.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::PersonId;
use govledger_core::hash::Hash256;
use govledger_core::personal_data::PersonalDataStore;
use govledger_core::store::sled_store::{IdempotencyEntry, SledOptions, SledRestore, StoredRecord};
use govledger_core::tlog::key_file;
use govledger_core::tlog::note::NoteVerifier;

use crate::access::token_log_copy;
use crate::backup::manifest::{MANIFEST_FILE, Manifest};
use crate::backup::parts::{IdempotencyLine, Part, PartHeader};
use crate::backup::personal::{self, PersonLine};
use crate::cli::{CliError, DataArgs, say};
use crate::ledger_file::{ExportWalk, Walked, for_each_line};
use crate::service::DataDir;

/// Most backups one restore follows back through `since`.
const CHAIN_LENGTH_MAX: usize = 1_000;

#[derive(Debug, clap::Args)]
pub(super) struct RestoreArgs {
    /// The backup to restore (the latest of a chain of incremental ones).
    #[arg(long)]
    from: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// The operator's age identity file (`govledger backup-key`).
    #[arg(long)]
    identity: PathBuf,
}

fn refused(reason: String) -> CliError {
    CliError::NotVerified(reason)
}

/// The backups from the full one to `latest`, each with its manifest, checked to continue
/// each other.
fn chain(latest: &Path) -> Result<Vec<(PathBuf, Manifest)>, CliError> {
    let mut chain = Vec::new();
    let mut dir = latest.to_path_buf();
    loop {
        let manifest = Manifest::read(&dir).map_err(refused)?;
        manifest.check_parts(&dir).map_err(refused)?;
        let since = manifest.since.clone();
        chain.push((dir.clone(), manifest));
        match since {
            None => break,
            Some(_) if chain.len() >= CHAIN_LENGTH_MAX => {
                return Err(refused(format!(
                    "more than {CHAIN_LENGTH_MAX} incremental backups"
                )));
            }
            Some(since) => dir = earlier_dir(&dir, &since.dir),
        }
    }
    chain.reverse();
    for pair in chain.windows(2) {
        let ((old_dir, old), (new_dir, new)) = (&pair[0], &pair[1]);
        let continues = new.since.as_ref().is_some_and(|since| {
            since.head_position == old.head_position && since.head_hash == old.head_hash
        }) && new.ledger_id == old.ledger_id
            && new.ledger_from == old.head_position + 1;
        if !continues {
            return Err(refused(format!(
                "{} does not continue {} (another ledger, or another backup at that place)",
                new_dir.display(),
                old_dir.display()
            )));
        }
    }
    match chain.first() {
        Some((_, first)) if first.ledger_from == 1 => Ok(chain),
        _ => Err(refused(
            "the chain does not start with a full backup".into(),
        )),
    }
}

/// Where an earlier backup is: the path its successor recorded, or, when the backups were
/// moved together (restored elsewhere), the directory of the same name beside `later`.
fn earlier_dir(later: &Path, recorded: &str) -> PathBuf {
    let recorded = PathBuf::from(recorded);
    if recorded.join(MANIFEST_FILE).exists() {
        return recorded;
    }
    match (later.parent(), recorded.file_name()) {
        (Some(parent), Some(name)) if parent.join(name).join(MANIFEST_FILE).exists() => {
            parent.join(name)
        }
        _ => recorded,
    }
}

/// What the first pass learnt.
struct Checked {
    keys: Vec<IdempotencyEntry>,
    people: Vec<PersonLine>,
    token_log: Vec<u8>,
    erasures: Vec<(PersonId, ErasureBasis)>,
    log_key: Option<NoteVerifier>,
    events: u64,
    checkpoints: u64,
}

/// Reads a part's text (bounded).
fn read_part(dir: &Path, part: Part) -> Result<String, CliError> {
    let path = dir.join(part.file());
    std::fs::read_to_string(&path).map_err(CliError::io(format!("reading {}", path.display())))
}

fn header_check(text: &str, part: Part, manifest: &Manifest) -> Result<(), CliError> {
    PartHeader::check(
        text.lines().next().unwrap_or(""),
        part,
        &manifest.ledger_id,
        manifest.head_position,
        &manifest.head_hash,
    )
    .map(|_| ())
    .map_err(refused)
}

/// Walks every ledger part in order with one `ExportWalk`, calling `visit` for each line.
fn walk_ledger(
    chain: &[(PathBuf, Manifest)],
    mut visit: impl FnMut(&Walked, &ExportWalk) -> Result<(), CliError>,
) -> Result<ExportWalk, CliError> {
    let mut walk = ExportWalk::new(None);
    for (dir, manifest) in chain {
        let path = dir.join(Part::Ledger.file());
        let file =
            File::open(&path).map_err(CliError::io(format!("opening {}", path.display())))?;
        for_each_line(BufReader::new(file), |number, text| {
            let walked = walk.line(number, text)?;
            if let Walked::Event { event, .. } = &walked
                && event.position == 1
                && event.hash.to_hex() != manifest.ledger_id
            {
                return Err(refused(format!(
                    "the ledger part belongs to another ledger (first event {}, not {})",
                    event.hash, manifest.ledger_id
                )));
            }
            visit(&walked, &walk)
        })?;
        let (position, hash) = walk.head();
        if position != manifest.head_position || hash.to_hex() != manifest.head_hash {
            return Err(refused(format!(
                "{}: the records end at {position} ({hash}), but the manifest says {} ({})",
                path.display(),
                manifest.head_position,
                manifest.head_hash
            )));
        }
        if walk.tree().1.to_hex() != manifest.tree_root {
            return Err(refused(format!(
                "{}: the records' tree root is not the manifest's",
                path.display()
            )));
        }
    }
    Ok(walk)
}

fn first_pass(
    chain: &[(PathBuf, Manifest)],
    identity: &age::x25519::Identity,
) -> Result<Checked, CliError> {
    let (latest_dir, latest) = chain.last().ok_or(CliError::Failed("no backup".into()))?;
    // The idempotency keys of every backup, and the hash each names.
    let mut keys = Vec::new();
    let mut wanted: HashMap<u64, Hash256> = HashMap::new();
    for (dir, manifest) in chain {
        let text = read_part(dir, Part::Idempotency)?;
        header_check(&text, Part::Idempotency, manifest)?;
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let entry = serde_json::from_str::<IdempotencyLine>(line)
                .map_err(|e| e.to_string())
                .and_then(|line| line.to_entry())
                .map_err(|e| refused(format!("{}: an idempotency key: {e}", dir.display())))?;
            if entry.outcome.last_position > manifest.head_position {
                return Err(refused(format!(
                    "idempotency key {:?} names position {}, past its backup's head",
                    entry.key, entry.outcome.last_position
                )));
            }
            if let Some(other) = wanted.insert(entry.outcome.last_position, entry.outcome.head_hash)
                && other != entry.outcome.head_hash
            {
                return Err(refused(format!(
                    "two idempotency keys disagree on the hash at position {}",
                    entry.outcome.last_position
                )));
            }
            keys.push(entry);
        }
    }
    let tokens = read_part(latest_dir, Part::Tokens)?;
    header_check(&tokens, Part::Tokens, latest)?;
    let token_log = tokens
        .split_once('\n')
        .map_or("", |(_, rest)| rest)
        .as_bytes()
        .to_vec();
    token_log_copy::check(&token_log).map_err(|e| refused(format!("the token log part: {e}")))?;
    let path = latest_dir.join(Part::Personal.file());
    let file = File::open(&path).map_err(CliError::io(format!("opening {}", path.display())))?;
    let (header, people) =
        personal::read_part(file, identity).map_err(|e| refused(e.to_string()))?;
    PartHeader::check(
        &header,
        Part::Personal,
        &latest.ledger_id,
        latest.head_position,
        &latest.head_hash,
    )
    .map_err(refused)?;

    let mut erasures = Vec::new();
    let walk = walk_ledger(chain, |walked, _| {
        if let Walked::Event { event, .. } = walked {
            if let Some(want) = wanted.get(&event.position)
                && *want != event.hash
            {
                return Err(refused(format!(
                    "an idempotency key names the event at position {} with hash {want}, but it \
                     is {}",
                    event.position, event.hash
                )));
            }
            if event.event_type.as_str() == "PersonalDataErased"
                && let Ok(DomainEvent::PersonalDataErased(erased)) =
                    DomainEvent::decode_recorded(event)
            {
                erasures.push((erased.person_id, erased.basis));
            }
        }
        Ok(())
    })?;
    let (events, _) = walk.head();
    Ok(Checked {
        keys,
        people,
        token_log,
        erasures,
        log_key: walk.log_key().cloned(),
        events,
        checkpoints: walk.checkpoints().0,
    })
}

pub(super) fn run(args: RestoreArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    if data.root().exists()
        && std::fs::read_dir(data.root())
            .map_err(CliError::io(format!("reading {}", data.root().display())))?
            .next()
            .is_some()
    {
        return Err(CliError::Failed(format!(
            "{} is not empty; restore only into a new data directory",
            data.root().display()
        )));
    }
    let identity_text = std::fs::read_to_string(&args.identity)
        .map_err(CliError::io(format!("reading {}", args.identity.display())))?;
    let identity = personal::parse_identity(&identity_text)
        .map_err(|e| CliError::Failed(format!("--identity: {e}")))?;
    let chain = chain(&args.from)?;
    let checked = first_pass(&chain, &identity)?;
    let latest = &chain[chain.len() - 1].1;
    say(format!(
        "{}: verified {} backups up to head {} ({}): {} events, {} checkpoints, {} idempotency \
         keys, {} people, the token log",
        args.from.display(),
        chain.len(),
        latest.head_position,
        latest.head_hash,
        checked.events,
        checked.checkpoints,
        checked.keys.len(),
        checked.people.len()
    ));

    // Build beside the target, then move it into place.
    let name = data
        .root()
        .file_name()
        .ok_or(CliError::Failed("--data names no directory".into()))?
        .to_string_lossy()
        .to_string();
    let staging_root = data
        .root()
        .with_file_name(format!(".{name}.restoring-{}", std::process::id()));
    let built = build(&chain, &checked, &DataDir::new(&staging_root));
    if let Err(error) = built {
        let _ = std::fs::remove_dir_all(&staging_root);
        return Err(error);
    }
    if data.root().exists() {
        std::fs::remove_dir(data.root())
            .map_err(CliError::io(format!("replacing {}", data.root().display())))?;
    }
    std::fs::rename(&staging_root, data.root()).map_err(CliError::io(format!(
        "moving the restore to {}",
        data.root().display()
    )))?;
    say(format!(
        "restored into {}: head position {} hash {}; {} erasures replayed; the read models \
         rebuild on the first start",
        data.root().display(),
        latest.head_position,
        latest.head_hash,
        checked.erasures.len()
    ));
    Ok(())
}

fn build(
    chain: &[(PathBuf, Manifest)],
    checked: &Checked,
    staging: &DataDir,
) -> Result<(), CliError> {
    std::fs::create_dir_all(staging.root()).map_err(CliError::io(format!(
        "creating {}",
        staging.root().display()
    )))?;
    let mut restore = SledRestore::begin(&SledOptions::new(staging.ledger()))?;
    walk_ledger(chain, |walked, _| {
        match walked {
            Walked::LogKey => {}
            Walked::Event { event, record } => restore.push(StoredRecord {
                position: event.position,
                record: record.clone(),
                hash: event.hash,
            })?,
            Walked::Checkpoint(kept) => restore.keep_checkpoint(kept)?,
        }
        Ok(())
    })?;
    for entry in &checked.keys {
        restore.keep_idempotency(entry)?;
    }
    restore.finish()?;
    token_log_copy::write_copy(&staging.access(), &checked.token_log)
        .map_err(|e| CliError::Failed(format!("writing the token log: {e}")))?;
    let people = PersonalDataStore::open(staging.personal())
        .map_err(|e| CliError::Failed(format!("opening the personal-data store: {e}")))?;
    personal::restore_people(&people, &checked.people)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    for (person, basis) in &checked.erasures {
        people
            .erase(*person, *basis)
            .map_err(|e| CliError::Failed(format!("replaying an erasure: {e}")))?;
    }
    drop(people);
    if let Some(verifier) = &checked.log_key {
        key_file::keep_verifier(&staging.tlog(), verifier)
            .map_err(|e| CliError::Failed(format!("keeping the log's verifier key: {e}")))?;
    }
    Ok(())
}
