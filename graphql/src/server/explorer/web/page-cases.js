// Cases: filters in the URL (so a view can be shared), a sortable, paged table of the
// filtered cases, and the same rows, in the same order, as CSV.

import { go } from "./route.js";
import { allNodes, directoryNames } from "./api.js";
import { h, label, table } from "./dom.js";
import { count, date, dayStart, words } from "./format.js";
import { t } from "./i18n.js";
import { offerDownload, toCsv } from "./csv.js";
import { CATEGORIES, KINDS, STATUSES } from "./vocabulary.js";

/** Most cases one view loads; a wider filter says so and asks to narrow it. */
const CASES_LOADED_MAX = 1000;
const ROWS_PER_PAGE = 25;

const CASES = `query ($filter: CaseFilterInput!, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { kind caseId title status category compoundId responsibleOrganisationId openedAt closedAt eventCount correctionCount }
  }
}`;

function select(id, labelKey, value, options) {
  return h(
    "p",
    { class: "field" },
    h("label", { for: id, "data-i18n": labelKey }, t(labelKey)),
    h(
      "select",
      { id, name: id },
      options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)),
    ),
  );
}

function dateField(id, labelKey, value) {
  return h(
    "p",
    { class: "field" },
    h("label", { for: id, "data-i18n": labelKey }, t(labelKey)),
    h("input", { id, name: id, type: "date", value }),
  );
}

export async function casesPage(main, { params }) {
  const names = await directoryNames();
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "REQUEST";
  const chosen = (key) => params.get(key) || "";
  const any = ["", t("filter.any")];
  const form = h(
    "form",
    {
      class: "filters",
      "aria-labelledby": "filters-title",
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(event.target);
        go("cases", [], Object.fromEntries(data.entries()));
      },
    },
    label("h2", "cases.filters", { id: "filters-title", class: "visually-hidden" }),
    select("kind", "cases.kind", kind, KINDS.map((k) => [k, t(`kind.${k}`)])),
    select("status", "cases.status", chosen("status"), [any, ...STATUSES[kind].map((s) => [s, words(s)])]),
    select("category", "cases.category", chosen("category"), [any, ...CATEGORIES[kind].map((c) => [c, words(c)])]),
    select("compound", "cases.compound", chosen("compound"), [any, ...names.compounds.map((c) => [c.compoundId, c.name])]),
    select("organisation", "cases.organisation", chosen("organisation"), [any, ...names.organisations.map((o) => [o.organisationId, o.name])]),
    dateField("from", "cases.opened_from", chosen("from")),
    dateField("before", "cases.opened_before", chosen("before")),
    h("p", { class: "field actions" }, h("button", { type: "submit", class: "primary", id: "apply", "data-i18n": "filter.apply" }, t("filter.apply"))),
  );
  // A new kind has other statuses and categories: apply at once.
  form.querySelector("#kind").addEventListener("change", (event) => go("cases", [], { kind: event.target.value }));

  const filter = {
    kind,
    status: chosen("status") || null,
    category: chosen("category") || null,
    compoundId: chosen("compound") || null,
    organisationId: chosen("organisation") || null,
    openedFrom: dayStart(chosen("from")),
    openedBefore: dayStart(chosen("before")),
  };
  const { nodes, total } = await allNodes(CASES, { filter }, (data) => data.cases, CASES_LOADED_MAX);

  const columns = [
    { key: "title", label: "cases.col.title", cell: (c) => h("a", { href: `#/case/${c.kind}/${c.caseId}` }, c.title), text: (c) => c.title },
    { key: "status", label: "cases.status", cell: (c) => words(c.status), text: (c) => c.status },
    { key: "category", label: "cases.category", cell: (c) => words(c.category), text: (c) => c.category },
    { key: "compound", label: "cases.compound", cell: (c) => names.compound.get(c.compoundId)?.name ?? "—", text: (c) => names.compound.get(c.compoundId)?.name ?? "" },
    { key: "organisation", label: "cases.organisation", cell: (c) => names.organisation.get(c.responsibleOrganisationId)?.name ?? "—", text: (c) => names.organisation.get(c.responsibleOrganisationId)?.name ?? "" },
    { key: "opened", label: "cases.col.opened", cell: (c) => date(c.openedAt), text: (c) => c.openedAt },
    { key: "closed", label: "cases.col.closed", cell: (c) => date(c.closedAt), text: (c) => c.closedAt ?? "" },
    { key: "events", label: "cases.col.events", numeric: true, cell: (c) => count(c.eventCount), text: (c) => c.eventCount },
  ];
  const sortKey = columns.some((c) => c.key === params.get("sort")) ? params.get("sort") : "opened";
  const descending = params.get("order") !== "asc";
  const sortColumn = columns.find((c) => c.key === sortKey);
  const sorted = [...nodes].sort((a, b) => {
    const x = sortColumn.text(a);
    const y = sortColumn.text(b);
    const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  });
  const pages = Math.max(1, Math.ceil(sorted.length / ROWS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, Number(params.get("page")) || 1));
  const shown = sorted.slice((page - 1) * ROWS_PER_PAGE, page * ROWS_PER_PAGE);
  const current = Object.fromEntries(params.entries());
  const onSort = (key) => go("cases", [], { ...current, sort: key, order: key === sortKey && !descending ? "desc" : "asc", page: 1 });

  const csvLink = h("a", { id: "csv", class: "button", "data-i18n": "csv.download" }, t("csv.download"));
  offerDownload(
    csvLink,
    `cases-${kind.toLowerCase()}.csv`,
    toCsv(
      ["case_id", ...columns.map((c) => c.key)],
      sorted.map((c) => [c.caseId, ...columns.map((column) => column.text(c))]),
    ),
  );
  const pager = h(
    "nav",
    { class: "pager", "aria-label": t("pager.label") },
    page > 1 ? h("a", { href: "#", id: "previous", onclick: (e) => { e.preventDefault(); go("cases", [], { ...current, page: page - 1 }); }, "data-i18n": "pager.previous" }, t("pager.previous")) : null,
    h("span", { id: "page-of" }, t("pager.page_of", { page, pages })),
    page < pages ? h("a", { href: "#", id: "next", onclick: (e) => { e.preventDefault(); go("cases", [], { ...current, page: page + 1 }); }, "data-i18n": "pager.next" }, t("pager.next")) : null,
  );
  main.append(
    label("h1", "cases.title"),
    form,
    h(
      "p",
      { id: "case-count", "data-total": total ?? nodes.length, "data-loaded": nodes.length },
      t("cases.count", { total: count(total ?? nodes.length) }),
      nodes.length < (total ?? 0) ? ` ${t("cases.truncated", { loaded: count(nodes.length) })}` : "",
    ),
    h("p", {}, csvLink),
    table(columns, shown, { sortKey, sortDescending: descending, onSort }),
    pager,
  );
}
