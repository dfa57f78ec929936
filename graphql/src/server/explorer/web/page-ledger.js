// Ledger: the head, the latest signed checkpoint with its cosignatures, the server's own
// verification, and "verify in this browser" (tlog.js) with progress and a verdict.

import { query } from "./api.js";
import { h, label, table } from "./dom.js";
import { count, dateTime, shortHash } from "./format.js";
import { t } from "./i18n.js";
import { VerificationFailure, fetchKeyAndCheckpoint, parseVerifierKey, verifyLog } from "./tlog.js";

const HEAD = `{
  ledgerHead {
    position hash
    verification { status checkedThroughPosition checkedAt damagedPosition damage }
    checkpoint { treeSize rootHash signedAt note }
  }
  checkpoints(first: 10) { nodes { treeSize rootHash signedAt } }
}`;

function facts(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows.map(([key, value]) => [label("dt", key), h("dd", {}, value)]),
  );
}

/** The signature lines of a note that are not the log's own: witnesses' cosignatures. */
function cosigners(note, origin) {
  const split = note.lastIndexOf("\n\n");
  return note
    .slice(split + 2)
    .split("\n")
    .filter((line) => line.startsWith("\u2014 "))
    .map((line) => line.slice(2).split(" ")[0])
    .filter((signer) => signer !== origin);
}

export function failureText(error) {
  if (error instanceof VerificationFailure) return t(`verify.failure.${error.code}`, error.detail);
  return `${t("verify.failure.unexpected")}: ${error.message}`;
}

export async function ledgerPage(main) {
  const [data, served] = await Promise.all([query(HEAD), fetchKeyAndCheckpoint()]);
  const head = data.ledgerHead;
  const checkpoint = head.checkpoint;
  const verification = head.verification;
  main.append(label("h1", "ledger.title"), label("p", "ledger.intro", { class: "lead" }));

  main.append(
    h(
      "section",
      { "aria-labelledby": "head-title" },
      label("h2", "ledger.head", { id: "head-title" }),
      facts([
        ["ledger.position", h("span", { id: "head-position" }, count(head.position))],
        ["ledger.hash", h("code", { class: "hash" }, head.hash)],
        [
          "ledger.server_check",
          h(
            "span",
            { id: "server-check", class: `status ${verification.status.toLowerCase()}` },
            t(`verification.${verification.status}`),
            verification.checkedThroughPosition ? ` · ${t("ledger.through", { position: verification.checkedThroughPosition })}` : "",
            verification.damage ? ` · ${verification.damage}` : "",
          ),
        ],
      ]),
    ),
  );

  const origin = served.note.split("\n")[0];
  const witnesses = checkpoint ? cosigners(checkpoint.note, origin) : [];
  main.append(
    h(
      "section",
      { "aria-labelledby": "checkpoint-title" },
      label("h2", "ledger.checkpoint", { id: "checkpoint-title" }),
      checkpoint
        ? [
            facts([
              ["ledger.tree_size", count(checkpoint.treeSize)],
              ["ledger.root", h("code", { class: "hash" }, checkpoint.rootHash)],
              ["ledger.signed_at", dateTime(checkpoint.signedAt)],
              ["ledger.cosignatures", witnesses.length ? witnesses.join(", ") : t("ledger.no_cosignatures")],
            ]),
            h("pre", { class: "note", id: "checkpoint-note" }, checkpoint.note),
          ]
        : label("p", "ledger.no_checkpoint"),
    ),
  );

  main.append(verifySection(served));

  main.append(
    h(
      "section",
      { "aria-labelledby": "history-title" },
      label("h2", "ledger.checkpoints", { id: "history-title" }),
      table(
        [
          { key: "size", label: "ledger.tree_size", numeric: true, cell: (c) => count(c.treeSize) },
          { key: "root", label: "ledger.root", cell: (c) => h("code", {}, shortHash(c.rootHash)) },
          { key: "at", label: "ledger.signed_at", cell: (c) => dateTime(c.signedAt) },
        ],
        data.checkpoints.nodes,
      ),
    ),
  );
}

function verifySection(served) {
  const keyInput = h("input", { id: "published-key", type: "text", spellcheck: "false", autocomplete: "off", class: "wide" });
  const button = h("button", { type: "button", id: "verify", class: "primary", "data-i18n": "verify.button" }, t("verify.button"));
  const progress = h("progress", { id: "verify-progress", max: 1, value: 0, hidden: true, "aria-label": t("verify.progress") });
  const status = h("p", { id: "verify-status", role: "status", "aria-live": "polite" });
  const verdict = h("div", { id: "verdict", "aria-live": "assertive" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    verdict.replaceChildren();
    verdict.removeAttribute("data-verdict");
    progress.hidden = false;
    progress.value = 0;
    status.textContent = t("verify.checking_signature");
    try {
      const fresh = await fetchKeyAndCheckpoint();
      const key = await parseVerifierKey(keyInput.value.trim() || fresh.keyText);
      const result = await verifyLog(key, fresh.note, (done, total) => {
        progress.max = Math.max(total, 1);
        progress.value = done;
        status.textContent = t("verify.progress_tiles", { done, total });
      });
      verdict.dataset.verdict = "verified";
      verdict.className = "verdict ok";
      verdict.append(
        label("p", "verify.ok_title", { class: "verdict-title" }),
        h("p", {}, t("verify.ok", { size: result.size, root: result.rootHex, name: key.name })),
      );
    } catch (error) {
      verdict.dataset.verdict = "failed";
      verdict.dataset.failure = error.code || "unexpected";
      verdict.className = "verdict bad";
      verdict.append(label("p", "verify.failed_title", { class: "verdict-title" }), h("p", { id: "verdict-reason" }, failureText(error)));
    } finally {
      status.textContent = "";
      button.disabled = false;
    }
  });
  return h(
    "section",
    { "aria-labelledby": "verify-title", class: "verify" },
    label("h2", "verify.title", { id: "verify-title" }),
    label("p", "verify.explain"),
    facts([["verify.served_key", h("code", { id: "served-key", class: "hash" }, served.keyText)]]),
    label("p", "verify.compare", { class: "hint" }),
    h("p", {}, h("label", { for: "published-key", "data-i18n": "verify.published_key" }, t("verify.published_key")), h("br"), keyInput),
    h("p", {}, button),
    progress,
    status,
    verdict,
  );
}
