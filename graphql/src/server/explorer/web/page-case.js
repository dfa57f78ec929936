// A case: its details, its timeline (every event; a correction beside the event it
// corrects) and, per event, an inclusion-proof check in the browser against the signed
// checkpoint (tlog.js).

import { allNodes, directoryNames, query, token } from "./api.js";
import { h, label } from "./dom.js";
import { count, dateTime, eventWords, money, shortHash, words } from "./format.js";
import { t } from "./i18n.js";
import { failureText } from "./page-ledger.js";
import { caseHref, href } from "./route.js";
import { fetchKeyAndCheckpoint, openCheckpoint, parseVerifierKey, verifyEvent } from "./tlog.js";
import { KINDS } from "./vocabulary.js";

/** Most events of one case the timeline shows (a decision holds one per ballot). */
const TIMELINE_EVENTS_MAX = 2000;

export const DETAILS = `
  details {
    __typename
    ... on RequestDetails { requestKind channel requesterId receivedByOrganisationId dispatchedAt responseDueAt firstResponseAt resolvedAt outcome followUpResolution satisfaction mergedIntoRequestId workProjectId sendBackCount reopenCount escalationLevel escalatedToOrganisationId }
    ... on WorkProjectDetails { proposedByOrganisationId linkedRequestIds plannedQuantities { amount unit } deliveredQuantities { amount unit } decisionId fundingSource budgetCents contractorOrganisationId contractReference contractAmountCents costCents percentComplete approvedAt startedAt completedAt inspections { passed inspectorAccountId at position note } inspectionCount warrantyEndsAt warrantyClaimsOpen }
    ... on MediationDetails { source referredByOrganisationId partyCount mediatorAccountId sessionCount agreementForm agreementTerms concludedAt performance archiveReference }
    ... on DecisionDetails { bodyKind votingRule text authorisations { workProjectId fundingSource budgetCentsMax } linkedRequestIds votingClosesAt ballotCount tally { electorateAreaDm2 electorateHeads participatingAreaDm2 participatingHeads forAreaDm2 forHeads againstAreaDm2 againstHeads abstainAreaDm2 abstainHeads } failure decidedAt publishedAt }
  }`;

const CASE = `query ($kind: CaseKind!, $id: ID!) {
  case(kind: $kind, id: $id) {
    kind caseId title status category compoundId buildingIds unitIds responsibleOrganisationId
    openedAt updatedAt closedAt dueAt eventCount correctionCount
    ${DETAILS}
  }
}`;

const HISTORY = `query ($kind: CaseKind!, $id: ID!, $first: Int, $after: String) {
  caseHistory(kind: $kind, id: $id, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { position eventId eventType streamId occurredAt recordedAt actorAccountId actorRole actorOrganisationId causationId hash }
  }
}`;

/** Signed in: each correction's reason and corrected fields. */
const CORRECTIONS = `query ($streamId: String!) {
  events(first: 100, filter: { streamId: $streamId, eventTypes: ["FactCorrected"] }) {
    nodes { eventId payload }
  }
}`;

const EVENT_PROOF = `query ($position: Int64!, $treeSize: Int64!) {
  event(position: $position) {
    position prevHash hash
    inclusionProof(treeSize: $treeSize) { leafIndex treeSize leafHash rootHash hashes }
  }
}`;

const CASE_ID_FIELDS = {
  linkedRequestIds: "REQUEST",
  mergedIntoRequestId: "REQUEST",
  workProjectId: "WORK_PROJECT",
  decisionId: "DECISION",
};

/** One detail value, readable: money, dates, quantities, names of organisations, links. */
export function detailValue(name, value, names) {
  if (value === null || value === undefined) return "—";
  if (CASE_ID_FIELDS[name]) {
    const ids = Array.isArray(value) ? value : [value];
    if (ids.length === 0) return "—";
    return ids.map((id, i) => [i ? ", " : "", h("a", { href: caseHref(CASE_ID_FIELDS[name], id) }, shortHash(id))]);
  }
  if (name.endsWith("Cents") || name === "budgetCentsMax") return money(value);
  if (name.endsWith("At")) return dateTime(value);
  if (name.endsWith("OrganisationId")) return names.organisation.get(value)?.name ?? value;
  if (name.endsWith("Quantities")) return value.length ? value.map((q) => `${count(q.amount)} ${words(q.unit.toLowerCase())}`).join(", ") : "—";
  if (name === "authorisations") return value.map((a) => `${words(a.fundingSource.toLowerCase())} ≤ ${money(a.budgetCentsMax)}`).join("; ") || "—";
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (typeof value === "number") return count(value);
  if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
  if (typeof value === "object") return JSON.stringify(value);
  return words(value);
}

function detailsList(details, names) {
  const skip = new Set(["__typename", "tally", "inspections"]);
  return h(
    "dl",
    { class: "facts" },
    Object.entries(details)
      .filter(([name]) => !skip.has(name))
      .map(([name, value]) => [label("dt", `field.${name}`), h("dd", { "data-field": name }, detailValue(name, value, names))]),
  );
}

/** The key and checkpoint, opened once per page for every event's check. */
let signedCheckpoint = null;
function checkpoint() {
  if (!signedCheckpoint) {
    signedCheckpoint = (async () => {
      const served = await fetchKeyAndCheckpoint();
      return openCheckpoint(served.note, await parseVerifierKey(served.keyText));
    })();
    signedCheckpoint.catch(() => {
      signedCheckpoint = null;
    });
  }
  return signedCheckpoint;
}

async function checkInclusion(entry, item, result) {
  result.textContent = t("inclusion.checking");
  try {
    const signed = await checkpoint();
    if (entry.position > signed.size) {
      item.dataset.inclusion = "pending";
      result.textContent = t("inclusion.not_yet", { size: signed.size });
      return;
    }
    const data = await query(EVENT_PROOF, { position: entry.position, treeSize: signed.size });
    await verifyEvent(signed, { ...data.event, proof: data.event.inclusionProof });
    item.dataset.inclusion = "verified";
    result.textContent = t("inclusion.ok", { size: count(signed.size) });
  } catch (error) {
    item.dataset.inclusion = "failed";
    result.textContent = failureText(error);
  }
}

function eventItem(entry, names, corrections) {
  const result = h("span", { class: "inclusion", role: "status" });
  const item = h("li", { class: "event", id: `event-${entry.position}`, "data-event-type": entry.eventType });
  const button = h("button", { type: "button", class: "check", "data-i18n": "inclusion.button" }, t("inclusion.button"));
  button.addEventListener("click", () => checkInclusion(entry, item, result));
  const organisation = entry.actorOrganisationId ? names.organisation.get(entry.actorOrganisationId)?.name ?? entry.actorOrganisationId : null;
  const body = h(
    "div",
    { class: "event-body" },
    h("h3", {}, eventWords(entry.eventType)),
    h(
      "dl",
      { class: "facts compact" },
      label("dt", "event.occurred"),
      h("dd", {}, h("time", { datetime: entry.occurredAt }, dateTime(entry.occurredAt))),
      label("dt", "event.recorded"),
      h("dd", {}, h("time", { datetime: entry.recordedAt }, dateTime(entry.recordedAt))),
      label("dt", "event.actor"),
      h("dd", {}, words(entry.actorRole), organisation ? ` · ${organisation}` : ""),
      label("dt", "event.position"),
      h("dd", {}, count(entry.position)),
      label("dt", "event.hash"),
      h("dd", {}, h("code", { title: entry.hash }, shortHash(entry.hash))),
    ),
    h("p", {}, button, " ", result),
  );
  item.append(body);
  if (corrections.length) {
    item.classList.add("corrected");
    item.append(
      h(
        "aside",
        { class: "corrections", "aria-label": t("event.corrections") },
        corrections.map((c) => correctionBox(c)),
      ),
    );
  }
  return item;
}

function correctionBox({ entry, payload }) {
  // `corrected` is a list of one-field objects: `[{"Description": "…"}]`.
  const fields = Array.isArray(payload?.corrected)
    ? payload.corrected
        .flatMap((field) => Object.entries(field))
        .map(([name, value]) => `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
        .join("; ")
    : null;
  return h(
    "div",
    { class: "correction", "data-position": entry.position },
    label("h4", "event.correction"),
    h("p", {}, `${t("event.position")} ${count(entry.position)} · ${dateTime(entry.recordedAt)}`),
    payload?.reason ? h("p", {}, `${t("event.reason")}: ${payload.reason}`) : null,
    fields ? h("p", {}, h("code", {}, fields)) : null,
  );
}

export async function casePage(main, { parts }) {
  const [kind, id] = parts;
  if (!KINDS.includes(kind) || !id) throw new Error(t("case.bad_address"));
  const [data, names] = await Promise.all([query(CASE, { kind, id }), directoryNames()]);
  const found = data.case;
  if (!found) throw new Error(t("case.not_found"));
  const { nodes: history } = await allNodes(HISTORY, { kind, id }, (d) => d.caseHistory, TIMELINE_EVENTS_MAX);
  // A correction's cause is the event it corrects (public); its reason and fields are in
  // its payload (signed in only).
  const corrects = new Map();
  if (token() && history.some((e) => e.eventType === "FactCorrected")) {
    const payloads = await query(CORRECTIONS, { streamId: history[0].streamId });
    for (const node of payloads.events.nodes) corrects.set(node.eventId, node.payload);
  }
  const byId = new Map(history.map((e) => [e.eventId, e]));
  const beside = new Map();
  const timeline = [];
  for (const entry of history) {
    const payload = corrects.get(entry.eventId);
    const target = payload?.corrects_event_id ?? entry.causationId;
    if (entry.eventType === "FactCorrected" && target && byId.has(target)) {
      if (!beside.has(target)) beside.set(target, []);
      beside.get(target).push({ entry, payload });
    } else {
      timeline.push(entry);
    }
  }

  const traceable = kind === "WORK_PROJECT" || kind === "DECISION";
  main.append(
    h("p", { class: "kicker" }, t(`kind.${kind}`), " · ", words(found.category)),
    h("h1", {}, found.title),
    h(
      "dl",
      { class: "facts" },
      label("dt", "cases.status"),
      h("dd", { id: "case-status" }, words(found.status)),
      label("dt", "cases.compound"),
      h("dd", {}, names.compound.get(found.compoundId)?.name ?? "—"),
      label("dt", "cases.organisation"),
      h("dd", {}, names.organisation.get(found.responsibleOrganisationId)?.name ?? "—"),
      label("dt", "cases.col.opened"),
      h("dd", {}, dateTime(found.openedAt)),
      label("dt", "cases.col.closed"),
      h("dd", {}, dateTime(found.closedAt)),
      label("dt", "case.corrections"),
      h("dd", {}, count(found.correctionCount)),
    ),
    traceable ? h("p", {}, h("a", { href: href("trace", [kind, id]), class: "button", "data-i18n": "case.trace" }, t("case.trace"))) : null,
    h("section", { "aria-labelledby": "details-title" }, label("h2", "case.details", { id: "details-title" }), detailsList(found.details, names)),
    h(
      "section",
      { "aria-labelledby": "timeline-title" },
      label("h2", "case.timeline", { id: "timeline-title" }),
      found.eventCount > history.length ? label("p", "case.timeline_truncated", {}, { shown: history.length, total: found.eventCount }) : null,
      h("ol", { class: "timeline", id: "timeline" }, timeline.map((entry) => eventItem(entry, names, beside.get(entry.eventId) ?? []))),
    ),
  );
}
