// Accountability: response, on-time, resolution and satisfaction rates of the community,
// an organisation, a compound or a category, by year or by the months of a year, as charts
// and a table, each rate with its sample (n), and the table as CSV.

import { directoryNames, query } from "./api.js";
import { h, label, table } from "./dom.js";
import { communityYear, count, percent, words } from "./format.js";
import { t } from "./i18n.js";
import { rateChart } from "./chart.js";
import { offerDownload, toCsv } from "./csv.js";
import { go } from "./route.js";
import { CATEGORIES } from "./vocabulary.js";

export const RATES = ["responseRate", "onTimeClosureRate", "resolutionRate", "satisfactionRate"];
/** Most periods one view asks for (years of the ledger, or 12 months). */
const PERIODS_MAX = 20;

const SPAN = `{
  first: events(first: 1) { nodes { occurredAt } }
  last: events(first: 1, order: POSITION_DESC) { nodes { occurredAt } }
}`;

function metricsQuery(periods) {
  const rate = "{ numerator denominator value }";
  const fields = periods.map(
    (p, i) => `p${i}: metrics(scope: $scope, period: ${p.month ? `{ year: ${p.year}, month: ${p.month} }` : `{ year: ${p.year} }`}) {
      requests { received dispatched ${RATES.map((r) => `${r} ${rate}`).join(" ")} }
    }`,
  );
  return `query ($scope: MetricsScopeInput!) { ${fields.join("\n")} }`;
}

function choice(id, labelKey, value, options, onchange) {
  return h(
    "p",
    { class: "field" },
    h("label", { for: id, "data-i18n": labelKey }, t(labelKey)),
    h(
      "select",
      { id, onchange },
      options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
    ),
  );
}

export async function accountabilityPage(main, { params }) {
  const [names, span] = await Promise.all([directoryNames(), query(SPAN)]);
  const firstYear = span.first.nodes.length ? communityYear(span.first.nodes[0].occurredAt) : new Date().getFullYear();
  const lastYear = span.last.nodes.length ? communityYear(span.last.nodes[0].occurredAt) : firstYear;
  const years = [];
  for (let y = Math.max(firstYear, lastYear - PERIODS_MAX + 1); y <= lastYear; y += 1) years.push(y);

  const scopeKind = ["community", "organisation", "compound", "category"].includes(params.get("scope")) ? params.get("scope") : "community";
  const by = params.get("by") === "month" ? "month" : "year";
  const year = years.includes(Number(params.get("year"))) ? Number(params.get("year")) : lastYear;
  const scopeOptions = {
    community: [],
    organisation: names.organisations.map((o) => [o.organisationId, o.name]),
    compound: names.compounds.map((c) => [c.compoundId, c.name]),
    category: CATEGORIES.REQUEST.map((c) => [c, words(c)]),
  }[scopeKind];
  const value = scopeOptions.some(([v]) => v === params.get("of")) ? params.get("of") : scopeOptions[0]?.[0] ?? "";
  const current = { scope: scopeKind, of: value, by, year };
  const update = (change) => go("accountability", [], { ...current, ...change });

  const controls = h(
    "form",
    { class: "filters", onsubmit: (e) => e.preventDefault() },
    choice("scope", "acc.scope", scopeKind, ["community", "organisation", "compound", "category"].map((k) => [k, t(`acc.scope.${k}`)]), (e) => update({ scope: e.target.value, of: "" })),
    scopeKind === "community" ? null : choice("of", `acc.scope.${scopeKind}`, value, scopeOptions, (e) => update({ of: e.target.value })),
    choice("by", "acc.by", by, [["year", t("acc.by.year")], ["month", t("acc.by.month")]], (e) => update({ by: e.target.value })),
    by === "month" ? choice("year", "acc.year", String(year), years.map((y) => [String(y), String(y)]), (e) => update({ year: e.target.value })) : null,
  );

  const periods = by === "year" ? years.map((y) => ({ year: y })) : Array.from({ length: 12 }, (_, i) => ({ year, month: i + 1 }));
  const scope = { organisationId: null, compoundId: null, category: null };
  if (scopeKind === "organisation") scope.organisationId = value;
  if (scopeKind === "compound") scope.compoundId = value;
  if (scopeKind === "category") scope.category = value;
  const data = await query(metricsQuery(periods), { scope });
  const rows = periods.map((period, i) => ({
    period,
    name: period.month ? `${period.year}-${String(period.month).padStart(2, "0")}` : String(period.year),
    ...data[`p${i}`].requests,
  }));

  const rateCell = (rate) => (r) =>
    h(
      "span",
      {
        "data-rate": rate,
        "data-period": r.name,
        "data-numerator": r[rate].numerator,
        "data-denominator": r[rate].denominator,
      },
      `${percent(r[rate])} `,
      h("small", {}, `(${count(r[rate].numerator)}/${count(r[rate].denominator)}, n=${count(r[rate].denominator)})`),
    );
  const columns = [
    { key: "period", label: "acc.period", cell: (r) => r.name },
    { key: "received", label: "acc.received", numeric: true, cell: (r) => count(r.received) },
    { key: "dispatched", label: "acc.dispatched", numeric: true, cell: (r) => count(r.dispatched) },
    ...RATES.map((rate) => ({ key: rate, label: `rate.${rate}`, numeric: true, cell: rateCell(rate) })),
  ];
  const csvLink = h("a", { id: "csv", class: "button", "data-i18n": "csv.download" }, t("csv.download"));
  offerDownload(
    csvLink,
    `accountability-${scopeKind}-${by}.csv`,
    toCsv(
      ["period", "received", "dispatched", ...RATES.flatMap((r) => [`${r}_numerator`, `${r}_denominator`, `${r}_value`])],
      rows.map((r) => [r.name, r.received, r.dispatched, ...RATES.flatMap((rate) => [r[rate].numerator, r[rate].denominator, r[rate].value ?? ""])]),
    ),
  );
  const charts = RATES.map((rate) =>
    h(
      "figure",
      { class: "chart-box" },
      h("figcaption", { "data-i18n": `rate.${rate}` }, t(`rate.${rate}`)),
      rateChart(t(`rate.${rate}`), rows.map((r) => ({ label: r.period.month ? String(r.period.month) : r.name, value: r[rate].value, n: r[rate].denominator }))),
    ),
  );
  main.append(
    label("h1", "acc.title"),
    label("p", "acc.intro", { class: "lead" }),
    controls,
    h("div", { class: "charts" }, charts),
    h("p", {}, csvLink),
    table(columns, rows, { caption: t("acc.caption") }),
  );
  if (scopeKind === "community") main.append(await comparison(names, year, rateCell));
}

/** Every organisation side by side for one year (those that were dispatched requests). */
async function comparison(names, year, rateCell) {
  const rate = "{ numerator denominator value }";
  const fields = names.organisations.map(
    (o, i) => `o${i}: metrics(scope: { organisationId: "${o.organisationId}" }, period: { year: ${year} }) {
      requests { dispatched ${RATES.map((r) => `${r} ${rate}`).join(" ")} }
    }`,
  );
  const data = await query(`{ ${fields.join("\n")} }`);
  const rows = names.organisations
    .map((o, i) => ({ name: String(year), organisation: o, ...data[`o${i}`].requests }))
    .filter((r) => r.dispatched > 0);
  const columns = [
    { key: "organisation", label: "cases.organisation", cell: (r) => h("span", { "data-organisation": r.organisation.organisationId }, r.organisation.name) },
    { key: "dispatched", label: "acc.dispatched", numeric: true, cell: (r) => count(r.dispatched) },
    ...RATES.map((rate) => ({ key: rate, label: `rate.${rate}`, numeric: true, cell: rateCell(rate) })),
  ];
  return h(
    "section",
    { id: "by-organisation", "aria-labelledby": "by-organisation-title" },
    label("h2", "acc.by_organisation", { id: "by-organisation-title" }, { year }),
    table(columns, rows),
  );
}
