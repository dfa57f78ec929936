//! `govledger backup --server URL --token T --recipient age1… --out DIR [--since DIR]`: an
//! online backup of a running server (ADR 0009). Fixes the server's head, then fetches the
//! ledger (verified as it arrives: chain, tree, checkpoints; resumed from where it stopped
//! if the connection drops), the idempotency keys, the token log and the personal data
//! (encrypted by the server to the recipient), and writes `manifest.json` last. With
//! `--since`, only the positions after the earlier backup's head are fetched, once the
//! server shows it still holds that head (same hash at that position).
//! `govledger backup-key --out FILE` makes an operator's age identity and prints its
//! recipient.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use govledger_core::hash::Hash256;
use govledger_core::time::Timestamp;
use govledger_core::tlog::Frontier;
use govledger_core::tlog::note::NoteVerifier;
use serde::Deserialize;

use crate::access::token_log_copy;
use crate::backup::manifest::{MANIFEST_FILE, Manifest, PartDigest, SinceBackup, digest_file};
use crate::backup::parts::{IdempotencyLine, Part, PartHeader};
use crate::backup::{BACKUP_FORMAT, personal};
use crate::cli::{CliError, say};
use crate::http_client::{Answer, BaseUrl, HttpClientError, get};
use crate::ledger_file::{ExportWalk, LINE_BYTES_MAX, Walked};

/// Attempts at the ledger part, each resuming after the last verified event.
const LEDGER_ATTEMPTS_MAX: usize = 5;
/// Largest token log or idempotency line read back.
const PART_BYTES_MAX: usize = 256 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub(super) struct BackupArgs {
    /// The running server, `http://host:port`.
    #[arg(long, env = "GOVLEDGER_BACKUP_SERVER")]
    server: String,
    /// A directory administrator's token.
    #[arg(long, env = "GOVLEDGER_TOKEN")]
    token: String,
    /// The operator's age recipient (`age1…`, from `govledger backup-key`): the personal data
    /// is encrypted to it.
    #[arg(long, env = "GOVLEDGER_BACKUP_RECIPIENT")]
    recipient: String,
    /// The directory to write (must not exist, or be empty).
    #[arg(long)]
    out: PathBuf,
    /// An earlier backup: fetch only what came after its head.
    #[arg(long)]
    since: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(super) struct BackupKeyArgs {
    /// The identity file to write (0600; refuses to overwrite).
    #[arg(long)]
    out: PathBuf,
}

/// `govledger backup-key`: writes a new age identity, prints its recipient.
pub(super) fn key(args: BackupKeyArgs) -> Result<(), CliError> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&args.out)
        .map_err(CliError::io(format!("creating {}", args.out.display())))?;
    writeln!(
        file,
        "# govledger backup identity\n# public key: {recipient}\n{}",
        identity.to_string().expose_secret()
    )
    .and_then(|()| file.sync_all())
    .map_err(CliError::io(format!("writing {}", args.out.display())))?;
    say(recipient);
    Ok(())
}

#[derive(Debug, Deserialize)]
struct HeadAnswer {
    ledger_id: String,
    head_position: u64,
    head_hash: String,
    latest_checkpoint: Option<String>,
    hash_at_position: Option<String>,
}

fn failed(error: HttpClientError) -> CliError {
    CliError::Failed(error.to_string())
}

pub(super) fn run(args: BackupArgs) -> Result<(), CliError> {
    let base = BaseUrl::parse(&args.server).map_err(|e| CliError::Failed(e.to_string()))?;
    personal::parse_recipient(&args.recipient)
        .map_err(|e| CliError::Failed(format!("--recipient: {e}")))?;
    let since = args
        .since
        .as_deref()
        .map(|dir| {
            let manifest = Manifest::read(dir).map_err(CliError::Failed)?;
            manifest.check_parts(dir).map_err(CliError::Failed)?;
            let dir = dir
                .canonicalize()
                .map_err(CliError::io(format!("resolving {}", dir.display())))?;
            Ok::<_, CliError>((dir, manifest))
        })
        .transpose()?;
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map_err(CliError::io(format!("reading {}", args.out.display())))?
            .next()
            .is_some()
    {
        return Err(CliError::Failed(format!(
            "{} is not empty; a backup goes into a new directory",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(CliError::io(format!("creating {}", args.out.display())))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    runtime.block_on(backup(&base, &args, since))
}

fn bearer(token: &str) -> String {
    format!("Bearer {}", token.trim())
}

async fn fetch(base: &BaseUrl, path: &str, token: &str) -> Result<Answer, CliError> {
    let authorization = bearer(token);
    let answer = get(base, path, &[("authorization", &authorization)])
        .await
        .map_err(failed)?;
    if answer.status != 200 {
        let url = answer.url.clone();
        let status = answer.status;
        let body = answer.bytes(4096).await.unwrap_or_default();
        return Err(CliError::Failed(format!(
            "GET {url}: answered {status}: {}",
            String::from_utf8_lossy(&body).trim()
        )));
    }
    Ok(answer)
}

async fn backup(
    base: &BaseUrl,
    args: &BackupArgs,
    since: Option<(PathBuf, Manifest)>,
) -> Result<(), CliError> {
    let token = args.token.as_str();
    let head_path = match &since {
        Some((_, old)) => format!("/backup/head?position={}", old.head_position),
        None => "/backup/head".to_string(),
    };
    let head: HeadAnswer = serde_json::from_slice(
        &fetch(base, &head_path, token)
            .await?
            .bytes(1024 * 1024)
            .await
            .map_err(failed)?,
    )
    .map_err(|e| CliError::Failed(format!("the server's head: {e}")))?;
    let through = head.head_position;
    say(format!(
        "backing up to head {through} ({}) of ledger {}",
        head.head_hash, head.ledger_id
    ));
    // Where the ledger part starts, and what it continues.
    let (from, mut walk, log_key) = match &since {
        None => (1, ExportWalk::new(None), None),
        Some((dir, old)) => {
            if old.ledger_id != head.ledger_id {
                return Err(CliError::Failed(format!(
                    "{} is a backup of another ledger ({}, not {})",
                    dir.display(),
                    old.ledger_id,
                    head.ledger_id
                )));
            }
            if head.hash_at_position.as_deref() != Some(old.head_hash.as_str()) {
                return Err(CliError::Failed(format!(
                    "the server's ledger does not continue {}: position {} hashes to {}, the \
                     backup says {}",
                    dir.display(),
                    old.head_position,
                    head.hash_at_position.as_deref().unwrap_or("nothing"),
                    old.head_hash
                )));
            }
            let (walk, key) = resume_walk(old)?;
            (old.head_position + 1, walk, key)
        }
    };
    let ledger_path = args.out.join(Part::Ledger.file());
    fetch_ledger(base, token, from, through, &mut walk, &ledger_path).await?;
    let (position, hash) = walk.head();
    if position != through || hash.to_hex() != head.head_hash {
        return Err(CliError::Failed(format!(
            "the ledger part ends at {position} ({hash}), not at the head {through} ({})",
            head.head_hash
        )));
    }
    let log_key = walk.log_key().map(NoteVerifier::to_text).or(log_key);
    let after = since.as_ref().map_or(0, |(_, old)| old.head_position);
    let fixed = Fixed {
        ledger_id: &head.ledger_id,
        through,
        head_hash: &head.head_hash,
    };
    let keys = fetch_part(
        base,
        token,
        &format!("/backup/idempotency?after={after}&through={through}"),
        &args.out,
        Part::Idempotency,
        &fixed,
    )
    .await?;
    let mut key_count = 0;
    for line in keys.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let parsed: IdempotencyLine = serde_json::from_str(line)
            .map_err(|e| CliError::Failed(format!("an idempotency line: {e}")))?;
        parsed
            .to_entry()
            .map_err(|e| CliError::Failed(format!("an idempotency line: {e}")))?;
        key_count += 1;
    }
    let tokens = fetch_part(
        base,
        token,
        &format!("/backup/tokens?through={through}"),
        &args.out,
        Part::Tokens,
        &fixed,
    )
    .await?;
    let token_log = tokens.split_once('\n').map_or("", |(_, rest)| rest);
    let token_count = token_log_copy::check(token_log.as_bytes())
        .map_err(|e| CliError::Failed(format!("the token log part: {e}")))?;
    let personal_path = args.out.join(Part::Personal.file());
    let encrypted = fetch(
        base,
        &format!(
            "/backup/personal?through={through}&recipient={}",
            args.recipient.trim()
        ),
        token,
    )
    .await?
    .bytes(PART_BYTES_MAX)
    .await
    .map_err(failed)?;
    if !encrypted.starts_with(b"age-encryption.org/v1\n") {
        return Err(CliError::Failed(
            "the personal-data part is not an age file".into(),
        ));
    }
    write_file(&personal_path, &encrypted)?;

    let mut parts = Vec::new();
    for part in Part::ALL {
        let path = args.out.join(part.file());
        let (sha256, bytes) =
            digest_file(&path).map_err(CliError::io(format!("reading {}", path.display())))?;
        parts.push(PartDigest {
            part: part.name().into(),
            file: part.file().into(),
            bytes,
            sha256,
        });
    }
    let manifest = Manifest {
        format: BACKUP_FORMAT.into(),
        ledger_id: head.ledger_id.clone(),
        head_position: through,
        head_hash: head.head_hash.clone(),
        tree_root: walk.tree().1.to_hex(),
        tree_peaks: walk
            .frontier()
            .peaks()
            .iter()
            .map(Hash256::to_hex)
            .collect(),
        log_key,
        latest_checkpoint: head.latest_checkpoint.clone(),
        taken_at: Timestamp::now().to_rfc3339(),
        since: since.as_ref().map(|(dir, old)| SinceBackup {
            dir: dir.display().to_string(),
            head_position: old.head_position,
            head_hash: old.head_hash.clone(),
        }),
        ledger_from: from,
        parts,
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| CliError::Failed(format!("the manifest: {e}")))?;
    let aside = args.out.join(format!("{MANIFEST_FILE}.tmp"));
    write_file(&aside, text.as_bytes())?;
    std::fs::rename(&aside, args.out.join(MANIFEST_FILE))
        .map_err(CliError::io("placing the manifest"))?;
    if let Ok(dir) = File::open(&args.out) {
        let _ = dir.sync_all();
    }
    let events = if from > through {
        "no new events".to_string()
    } else {
        format!(
            "positions {from}..={through} ({} events, {} checkpoints)",
            through + 1 - from,
            walk.checkpoints().0
        )
    };
    say(format!(
        "backup of {events}, {key_count} idempotency keys, {token_count} tokens and the \
         personal data written to {}",
        args.out.display()
    ));
    Ok(())
}

/// The walk an incremental backup's ledger part continues: the earlier backup's head, tree
/// and log key.
fn resume_walk(old: &Manifest) -> Result<(ExportWalk, Option<String>), CliError> {
    let broken =
        |what: &str| CliError::Failed(format!("the earlier manifest's {what} is malformed"));
    let hash = Hash256::from_hex(&old.head_hash).ok_or_else(|| broken("head hash"))?;
    let peaks = old
        .tree_peaks
        .iter()
        .map(|text| Hash256::from_hex(text))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| broken("tree peaks"))?;
    let frontier =
        Frontier::from_peaks(old.head_position, peaks).ok_or_else(|| broken("tree peaks"))?;
    if frontier.root().to_hex() != old.tree_root {
        return Err(broken("tree root"));
    }
    let verifier = old
        .log_key
        .as_deref()
        .map(NoteVerifier::parse)
        .transpose()
        .map_err(|_| broken("log key"))?;
    Ok((
        ExportWalk::resume((old.head_position, hash), frontier, verifier),
        old.log_key.clone(),
    ))
}

/// Fetches positions `from..=through` into `path`, checking each line with `walk` before it
/// is written; a dropped connection is resumed after the last line checked.
async fn fetch_ledger(
    base: &BaseUrl,
    token: &str,
    from: u64,
    through: u64,
    walk: &mut ExportWalk,
    path: &Path,
) -> Result<(), CliError> {
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(CliError::io(format!("creating {}", path.display())))?;
    let mut out = BufWriter::new(file);
    let mut line_number = 0u64;
    let mut checkpoints_from = if from == 1 { 0 } else { from };
    for attempt in 1..=LEDGER_ATTEMPTS_MAX {
        let next = walk.head().0 + 1;
        if next > through && attempt > 1 {
            break;
        }
        let mut answer = fetch(
            base,
            &format!(
                "/backup/ledger?from={next}&through={through}&checkpoints_from={checkpoints_from}"
            ),
            token,
        )
        .await?;
        let mut pending: Vec<u8> = Vec::new();
        let ended = loop {
            match answer.chunk().await {
                Ok(Some(chunk)) => {
                    pending.extend_from_slice(&chunk);
                    while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = pending.drain(..=end).collect();
                        let text = std::str::from_utf8(&line).map_err(|_| {
                            CliError::Failed(
                                "the ledger part holds a line that is not UTF-8".into(),
                            )
                        })?;
                        line_number += 1;
                        match walk.line(line_number, text.trim_end())? {
                            Walked::Checkpoint(kept) => checkpoints_from = kept.tree_size + 1,
                            Walked::Event { .. } | Walked::LogKey => {}
                        }
                        out.write_all(&line)
                            .map_err(CliError::io(format!("writing {}", path.display())))?;
                    }
                    if pending.len() > LINE_BYTES_MAX {
                        return Err(CliError::Failed("a ledger line is too long".into()));
                    }
                }
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        match ended {
            Ok(()) if pending.is_empty() => break,
            Ok(()) => {
                tracing::warn!(attempt, "the ledger part ended mid-line; resuming");
            }
            Err(error) => {
                tracing::warn!(attempt, %error, "the ledger part was cut; resuming");
            }
        }
        if attempt == LEDGER_ATTEMPTS_MAX {
            return Err(CliError::Failed(format!(
                "the ledger part stopped at position {} after {LEDGER_ATTEMPTS_MAX} attempts",
                walk.head().0
            )));
        }
    }
    let file = out
        .into_inner()
        .map_err(|e| CliError::Failed(format!("writing {}: {e}", path.display())))?;
    file.sync_all()
        .map_err(CliError::io(format!("syncing {}", path.display())))
}

/// What every part's header must name.
struct Fixed<'a> {
    ledger_id: &'a str,
    through: u64,
    head_hash: &'a str,
}

/// Fetches a text part, checks its header, writes it; returns its text.
async fn fetch_part(
    base: &BaseUrl,
    token: &str,
    path: &str,
    out: &Path,
    part: Part,
    fixed: &Fixed<'_>,
) -> Result<String, CliError> {
    let bytes = fetch(base, path, token)
        .await?
        .bytes(PART_BYTES_MAX)
        .await
        .map_err(failed)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::Failed(format!("the {} part is not UTF-8", part.name())))?;
    let first = text.lines().next().unwrap_or("");
    PartHeader::check(first, part, fixed.ledger_id, fixed.through, fixed.head_hash)
        .map_err(CliError::Failed)?;
    write_file(&out.join(part.file()), text.as_bytes())?;
    Ok(text)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut file = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(CliError::io(format!("creating {}", path.display())))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(CliError::io(format!("writing {}", path.display())))
}
