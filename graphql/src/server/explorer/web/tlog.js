// docs/audit.md's checks, in the browser with WebCrypto: open the C2SP signed note with the
// log's Ed25519 key, recompute the RFC 6962 Merkle root from the log's tiles, and fold an
// inclusion proof (RFC 9162 §2.1.3.2). Nothing here trusts the server: every failure says
// which check did not hold.

const encoder = new TextEncoder();
/** Entries (and hashes) per full tile (C2SP tlog-tiles). */
export const TILE_WIDTH = 256;

/** A check that did not hold: `code` picks the message, `detail` fills it. */
export class VerificationFailure extends Error {
  constructor(code, detail = {}) {
    super(code);
    this.code = code;
    this.detail = detail;
  }
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function fromBase64(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

async function sha256(...parts) {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export function leafHash(record) {
  return sha256(LEAF, record);
}

function nodeHash(left, right) {
  return sha256(NODE, left, right);
}

/** A note verifier key `<name>+<key id hex>+<base64(0x01 || Ed25519 key)>`. */
export async function parseVerifierKey(text) {
  const trimmed = (text || "").trim();
  const first = trimmed.indexOf("+");
  const second = trimmed.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new VerificationFailure("key_malformed");
  const name = trimmed.slice(0, first);
  const keyId = trimmed.slice(first + 1, second).toLowerCase();
  let raw;
  try {
    raw = fromBase64(trimmed.slice(second + 1));
  } catch {
    throw new VerificationFailure("key_malformed");
  }
  if (raw.length !== 33 || raw[0] !== 1) throw new VerificationFailure("key_malformed");
  const id = hex((await sha256(encoder.encode(`${name}\n`), raw)).slice(0, 4));
  if (id !== keyId) throw new VerificationFailure("key_malformed");
  return { name, keyId, publicKey: raw.slice(1), text: trimmed };
}

/**
 * Opens a signed checkpoint: the log's own signature must verify with `key`. Returns the
 * origin, size and root, and the other signature lines (witnesses' cosignatures).
 */
export async function openCheckpoint(note, key) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new VerificationFailure("checkpoint_malformed");
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split("\n").filter((line) => line.length > 0);
  let signature = null;
  const others = [];
  for (const line of lines) {
    if (!line.startsWith("\u2014 ")) throw new VerificationFailure("checkpoint_malformed");
    const [signer, encoded] = line.slice(2).split(" ");
    let bytes;
    try {
      bytes = fromBase64(encoded || "");
    } catch {
      throw new VerificationFailure("checkpoint_malformed");
    }
    if (bytes.length < 4) throw new VerificationFailure("checkpoint_malformed");
    const keyId = hex(bytes.slice(0, 4));
    if (signer === key.name && keyId === key.keyId) {
      signature = bytes.slice(4);
    } else {
      others.push({ signer, keyId });
    }
  }
  if (!signature) {
    const found = others.map((o) => `${o.signer} (${o.keyId})`).join(", ") || "—";
    throw new VerificationFailure("signed_by_another_key", { name: key.name, keyId: key.keyId, found });
  }
  const publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, encoder.encode(text));
  if (!valid) throw new VerificationFailure("signature_invalid", { name: key.name, keyId: key.keyId });
  const [origin, sizeText, rootText] = text.split("\n");
  if (origin !== key.name) throw new VerificationFailure("origin_mismatch", { origin, name: key.name });
  const size = Number(sizeText);
  if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(size)) throw new VerificationFailure("checkpoint_malformed");
  const root = fromBase64(rootText);
  if (root.length !== 32) throw new VerificationFailure("checkpoint_malformed");
  return { origin, size, root, cosigners: others };
}

/** The path of a tile below `/tlog/tile/`: `<level>/<N>` or `entries/<N>`, `.p/<W>` if partial. */
export function tilePath(level, index, width) {
  const groups = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, "0"));
    n = Math.floor(n / 1000);
  } while (n > 0);
  const path = groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join("/");
  return `${level}/${path}${width < TILE_WIDTH ? `.p/${width}` : ""}`;
}

async function fetchTile(path) {
  const response = await fetch(`/tlog/tile/${path}`);
  if (!response.ok) throw new VerificationFailure("tile_missing", { tile: path, status: response.status });
  return new Uint8Array(await response.arrayBuffer());
}

/** An entry bundle's records: each a big-endian u16 length, then the bytes. */
function records(bundle, width, path) {
  const found = [];
  let at = 0;
  while (at < bundle.length) {
    if (at + 2 > bundle.length) throw new VerificationFailure("tile_malformed", { tile: path });
    const length = (bundle[at] << 8) | bundle[at + 1];
    at += 2;
    if (at + length > bundle.length) throw new VerificationFailure("tile_malformed", { tile: path });
    found.push(bundle.subarray(at, at + length));
    at += length;
  }
  if (found.length !== width) throw new VerificationFailure("tile_malformed", { tile: path });
  return found;
}

/** The right edge of a Merkle tree being built leaf by leaf: its perfect subtrees. */
class Frontier {
  constructor() {
    this.subtrees = [];
  }

  async add(hash) {
    this.subtrees.push({ hash, size: 1 });
    while (this.subtrees.length >= 2) {
      const right = this.subtrees[this.subtrees.length - 1];
      const left = this.subtrees[this.subtrees.length - 2];
      if (left.size !== right.size) break;
      this.subtrees.splice(-2, 2, { hash: await nodeHash(left.hash, right.hash), size: left.size * 2 });
    }
  }

  /** RFC 6962's root: the subtrees folded from the right. */
  async root() {
    if (this.subtrees.length === 0) return sha256(new Uint8Array(0));
    let root = this.subtrees[this.subtrees.length - 1].hash;
    for (let i = this.subtrees.length - 2; i >= 0; i -= 1) root = await nodeHash(this.subtrees[i].hash, root);
    return root;
  }
}

/**
 * The whole check: the checkpoint's signature, then the root recomputed both from the entry
 * bundles (the records themselves) and from the level-0 hash tiles. `progress(done, total)`
 * is called after each tile. Throws a VerificationFailure naming the tile at fault.
 */
export async function verifyLog(key, note, progress) {
  const checkpoint = await openCheckpoint(note, key);
  const tiles = Math.ceil(checkpoint.size / TILE_WIDTH);
  const fromRecords = new Frontier();
  const fromHashes = new Frontier();
  let firstDifference = null;
  progress(0, tiles);
  for (let index = 0; index < tiles; index += 1) {
    const width = Math.min(TILE_WIDTH, checkpoint.size - index * TILE_WIDTH);
    const entriesPath = tilePath("entries", index, width);
    const hashesPath = tilePath(0, index, width);
    const [bundle, hashes] = await Promise.all([fetchTile(entriesPath), fetchTile(hashesPath)]);
    const entries = records(bundle, width, entriesPath);
    if (hashes.length !== 32 * width) throw new VerificationFailure("tile_malformed", { tile: hashesPath });
    for (let i = 0; i < width; i += 1) {
      const computed = await leafHash(entries[i]);
      const stored = hashes.subarray(32 * i, 32 * i + 32);
      await fromRecords.add(computed);
      await fromHashes.add(stored);
      if (!firstDifference && !equal(computed, stored)) {
        firstDifference = { entriesPath, hashesPath, position: index * TILE_WIDTH + i + 1 };
      }
    }
    progress(index + 1, tiles);
  }
  const recordsRoot = await fromRecords.root();
  const hashesRoot = await fromHashes.root();
  const recordsMatch = equal(recordsRoot, checkpoint.root);
  const hashesMatch = equal(hashesRoot, checkpoint.root);
  if (recordsMatch && hashesMatch) return { ...checkpoint, rootHex: hex(checkpoint.root) };
  if (!recordsMatch && hashesMatch && firstDifference) {
    throw new VerificationFailure("entries_altered", {
      tile: `/tlog/tile/${firstDifference.entriesPath}`,
      position: firstDifference.position,
    });
  }
  if (recordsMatch && firstDifference) {
    throw new VerificationFailure("hashes_altered", {
      tile: `/tlog/tile/${firstDifference.hashesPath}`,
      position: firstDifference.position,
    });
  }
  throw new VerificationFailure("root_mismatch", { size: checkpoint.size, root: hex(checkpoint.root), computed: hex(recordsRoot) });
}

/** Folds an inclusion proof (RFC 9162 §2.1.3.2) into the root it leads to. */
export async function proofRoot(leafIndex, treeSize, leaf, path) {
  if (leafIndex >= treeSize) throw new VerificationFailure("proof_invalid");
  let fn = leafIndex;
  let sn = treeSize - 1;
  let root = leaf;
  for (const sibling of path) {
    if (sn === 0) throw new VerificationFailure("proof_invalid");
    if (fn % 2 === 1 || fn === sn) {
      root = await nodeHash(sibling, root);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      root = await nodeHash(root, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new VerificationFailure("proof_invalid");
  return root;
}

/**
 * One event's check against a signed checkpoint: its record (from the entry bundle) hashes
 * to the chain hash shown, its leaf hash is the proof's, and the proof leads to the signed
 * root. `event` = {position, prevHash, hash, proof: {leafIndex, treeSize, leafHash, hashes}}.
 */
export async function verifyEvent(checkpoint, event) {
  const index = Math.floor((event.position - 1) / TILE_WIDTH);
  const width = Math.min(TILE_WIDTH, checkpoint.size - index * TILE_WIDTH);
  const path = tilePath("entries", index, width);
  const record = records(await fetchTile(path), width, path)[(event.position - 1) % TILE_WIDTH];
  const chained = await sha256(fromHex(event.prevHash), record);
  if (hex(chained) !== event.hash) throw new VerificationFailure("record_not_chained", { position: event.position });
  const leaf = await leafHash(record);
  if (hex(leaf) !== event.proof.leafHash) throw new VerificationFailure("proof_invalid");
  const root = await proofRoot(
    event.proof.leafIndex,
    event.proof.treeSize,
    leaf,
    event.proof.hashes.map(fromHex),
  );
  if (!equal(root, checkpoint.root)) throw new VerificationFailure("proof_invalid");
  return true;
}

/** The key this server names and its latest checkpoint, as served. */
export async function fetchKeyAndCheckpoint() {
  const [keyResponse, checkpointResponse] = await Promise.all([fetch("/tlog/key"), fetch("/tlog/checkpoint")]);
  if (!keyResponse.ok) throw new VerificationFailure("key_missing");
  if (!checkpointResponse.ok) throw new VerificationFailure("checkpoint_missing");
  return { keyText: (await keyResponse.text()).trim(), note: await checkpointResponse.text() };
}
