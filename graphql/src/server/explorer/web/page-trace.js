// Decision trace: from a work project or a decision, the chain from the originating requests
// through the decision (ballots, the Art. 278 tally against its thresholds) to the work, its
// inspections and the money; every node links to its case.

import { allNodes, directoryNames, query } from "./api.js";
import { h, label, table } from "./dom.js";
import { count, date, dateTime, eventWords, money, words } from "./format.js";
import { t } from "./i18n.js";
import { DETAILS, detailValue } from "./page-case.js";
import { caseHref, href } from "./route.js";

const START = `query ($kind: CaseKind!, $id: ID!) {
  case(kind: $kind, id: $id) {
    kind caseId title
    history(first: 100) { nodes { eventId eventType } }
    latest: history(last: 1) { nodes { eventId eventType } }
  }
}`;

const TRACE = `query ($eventId: ID!) {
  decisionTrace(eventId: $eventId) {
    event { eventType occurredAt }
    cases { kind caseId role isOrigin }
    links { fromKind fromId relation toKind toId }
  }
}`;

const LIST = `query ($filter: CaseFilterInput!, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { kind caseId title status category openedAt }
  }
}`;

/** The event a trace starts from: the work's completion, else the case's latest event. */
function startingEvent(found) {
  const completed = found.history.nodes.find((e) => e.eventType === "WorkProjectCompleted");
  return completed ?? found.latest.nodes[0];
}

/** Every traced case with its details, in one request. */
async function tracedCases(cases) {
  if (cases.length === 0) return [];
  const variables = {};
  const fields = cases.map((c, i) => {
    variables[`k${i}`] = c.kind;
    variables[`i${i}`] = c.caseId;
    return `c${i}: case(kind: $k${i}, id: $i${i}) { kind caseId title status category openedAt closedAt ${DETAILS} }`;
  });
  const declarations = cases.map((_, i) => `$k${i}: CaseKind!, $i${i}: ID!`).join(", ");
  const data = await query(`query (${declarations}) { ${fields.join("\n")} }`, variables);
  return cases.map((c, i) => ({ ...c, ...data[`c${i}`] }));
}

/** Art. 278's thresholds for a voting rule, as [measure, part, whole, fraction, strictly]. */
function thresholds(rule, tally) {
  const participation = [
    ["tally.participation_area", tally.participatingAreaDm2, tally.electorateAreaDm2, [2, 3], false],
    ["tally.participation_heads", tally.participatingHeads, tally.electorateHeads, [2, 3], false],
  ];
  if (rule === "members_majority") {
    return [["tally.for_members", tally.forHeads, tally.electorateHeads, [1, 2], true]];
  }
  const adoption = rule === "owners_three_quarters" ? [[3, 4], false] : [[1, 2], true];
  return [
    ...participation,
    ["tally.for_area", tally.forAreaDm2, tally.participatingAreaDm2, ...adoption],
    ["tally.for_heads", tally.forHeads, tally.participatingHeads, ...adoption],
  ];
}

/** `part / whole` against `n / d`, exactly as core's tally does (cross-multiplied). */
function met(part, whole, [n, d], strictly) {
  const left = BigInt(part) * BigInt(d);
  const right = BigInt(whole) * BigInt(n);
  return whole > 0 && (strictly ? left > right : left >= right);
}

function tallyTable(details) {
  const tally = details.tally;
  if (!tally) return label("p", "tally.none");
  const rows = thresholds(details.votingRule, tally).map(([measure, part, whole, fraction, strictly]) => ({
    measure,
    part,
    whole,
    fraction,
    strictly,
    met: met(part, whole, fraction, strictly),
  }));
  return table(
    [
      { key: "measure", label: "tally.measure", cell: (r) => h("span", { "data-i18n": r.measure }, t(r.measure)) },
      { key: "value", label: "tally.value", numeric: true, cell: (r) => `${count(r.part)} / ${count(r.whole)} = ${r.whole ? ((100 * r.part) / r.whole).toFixed(1) : "—"}%` },
      { key: "threshold", label: "tally.threshold", cell: (r) => `${r.strictly ? ">" : "≥"} ${r.fraction[0]}/${r.fraction[1]}` },
      { key: "met", label: "tally.met", cell: (r) => h("span", { class: r.met ? "yes" : "no", "data-met": r.met }, r.met ? t("yes") : t("no")) },
    ],
    rows,
    { caption: t("tally.caption", { rule: words(details.votingRule) }) },
  );
}

function node(kind, c, ...content) {
  return h(
    "li",
    { class: `node ${kind.toLowerCase()}`, "data-case-id": c.caseId, "data-kind": c.kind },
    h("h4", {}, h("a", { href: caseHref(c.kind, c.caseId) }, c.title)),
    h("p", { class: "meta" }, words(c.status), " · ", date(c.openedAt), c.isOrigin ? [" · ", label("strong", "trace.origin")] : ""),
    content,
  );
}

function column(id, titleKey, items) {
  return h(
    "section",
    { class: "column", id, "aria-labelledby": `${id}-title` },
    label("h3", titleKey, { id: `${id}-title` }),
    items.length ? h("ol", {}, items) : label("p", "trace.empty"),
  );
}

function quantitiesTable(details) {
  const units = new Map();
  for (const q of details.plannedQuantities) units.set(q.unit, { unit: q.unit, planned: q.amount, delivered: 0 });
  for (const q of details.deliveredQuantities) {
    const row = units.get(q.unit) ?? { unit: q.unit, planned: 0, delivered: 0 };
    row.delivered = q.amount;
    units.set(q.unit, row);
  }
  return table(
    [
      { key: "unit", label: "work.unit", cell: (r) => words(r.unit.toLowerCase()) },
      { key: "planned", label: "work.planned", numeric: true, cell: (r) => h("span", { "data-planned": r.unit }, count(r.planned)) },
      { key: "delivered", label: "work.delivered", numeric: true, cell: (r) => h("span", { "data-delivered": r.unit }, count(r.delivered)) },
    ],
    [...units.values()],
  );
}

async function pickList(main) {
  main.append(label("h1", "trace.title"), label("p", "trace.pick", { class: "lead" }));
  for (const kind of ["WORK_PROJECT", "DECISION"]) {
    const { nodes } = await allNodes(LIST, { filter: { kind } }, (d) => d.cases, 200);
    main.append(
      h(
        "section",
        {},
        label("h2", `kind.${kind}`),
        h(
          "ul",
          { class: "pick" },
          nodes.map((c) => h("li", {}, h("a", { href: href("trace", [kind, c.caseId]) }, c.title), ` · ${words(c.status)} · ${date(c.openedAt)}`)),
        ),
      ),
    );
  }
}

export async function tracePage(main, { parts }) {
  const [kind, id] = parts;
  if (!kind || !id) return pickList(main);
  const [start, names] = await Promise.all([query(START, { kind, id }), directoryNames()]);
  if (!start.case) throw new Error(t("case.not_found"));
  const from = startingEvent(start.case);
  const trace = (await query(TRACE, { eventId: from.eventId })).decisionTrace;
  const cases = await tracedCases(trace.cases);
  const of = (k) => cases.filter((c) => c.kind === k);
  // A work project answers some requests; its decision may answer many more. The work's own
  // come first, the decision's others folded away beneath them.
  const works = of("WORK_PROJECT");
  const own = new Set(works.flatMap((c) => (kind === "WORK_PROJECT" && c.caseId === id ? c.details.linkedRequestIds : [])));
  const requestNode = (c) => node("request", c, h("p", {}, words(c.category)));
  const allRequests = of("REQUEST");
  const ownRequests = own.size ? allRequests.filter((c) => own.has(c.caseId)) : allRequests;
  const otherRequests = own.size ? allRequests.filter((c) => !own.has(c.caseId)) : [];
  const requests = ownRequests.map(requestNode);
  if (otherRequests.length) {
    requests.push(
      h(
        "li",
        {},
        h(
          "details",
          { id: "other-requests" },
          h("summary", {}, t("trace.other_requests", { count: otherRequests.length })),
          h("ol", {}, otherRequests.map(requestNode)),
        ),
      ),
    );
  }
  const decisions = of("DECISION").map((c) =>
    node(
      "decision",
      c,
      h("p", {}, c.details.text),
      h("p", {}, t("decision.ballots", { ballots: count(c.details.ballotCount) }), " · ", words(c.details.votingRule)),
      h("div", { class: "tally" }, tallyTable(c.details)),
      c.details.failure ? h("p", { class: "no" }, words(c.details.failure)) : null,
      h("p", { class: "meta" }, `${t("field.decidedAt")}: ${dateTime(c.details.decidedAt)} · ${t("field.publishedAt")}: ${dateTime(c.details.publishedAt)}`),
    ),
  );
  const workNodes = works.map((c) =>
    node(
      "work",
      c,
      quantitiesTable(c.details),
      h("p", {}, `${t("field.contractorOrganisationId")}: ${detailValue("contractorOrganisationId", c.details.contractorOrganisationId, names)}`),
    ),
  );
  const inspections = works.flatMap((c) =>
    c.details.inspections.map((inspection) =>
      h(
        "li",
        { class: `node inspection ${inspection.passed ? "passed" : "failed"}`, "data-passed": inspection.passed },
        h("h4", {}, h("a", { href: `${caseHref(c.kind, c.caseId)}` }, inspection.passed ? t("inspection.passed") : t("inspection.failed"))),
        h("p", { class: "meta" }, c.title, " · ", dateTime(inspection.at), ` · ${t("event.position")} ${count(inspection.position)}`),
        h("p", {}, inspection.note),
      ),
    ),
  );
  const money_ = works.map((c) =>
    h(
      "li",
      { class: "node money", "data-case-id": c.caseId },
      h("h4", {}, h("a", { href: caseHref(c.kind, c.caseId) }, c.title)),
      h(
        "dl",
        { class: "facts compact" },
        label("dt", "field.fundingSource"),
        h("dd", {}, words(c.details.fundingSource)),
        label("dt", "field.budgetCents"),
        h("dd", {}, money(c.details.budgetCents)),
        label("dt", "field.contractAmountCents"),
        h("dd", {}, money(c.details.contractAmountCents)),
        label("dt", "field.costCents"),
        h("dd", { "data-cost": c.details.costCents }, money(c.details.costCents)),
      ),
    ),
  );
  const others = cases.filter((c) => c.kind === "MEDIATION").map((c) => node("other", c));
  main.append(
    label("h1", "trace.title"),
    h("p", { class: "lead" }, t("trace.from", { event: eventWords(trace.event.eventType), at: dateTime(trace.event.occurredAt) }), " ", h("a", { href: caseHref(kind, id) }, start.case.title)),
    h(
      "div",
      { class: "trace", id: "trace" },
      column("trace-requests", "trace.requests", requests),
      column("trace-decisions", "trace.decisions", decisions),
      column("trace-works", "trace.works", workNodes),
      column("trace-inspections", "trace.inspections", inspections),
      column("trace-money", "trace.money", money_),
      others.length ? column("trace-others", "trace.others", others) : null,
    ),
  );
}
