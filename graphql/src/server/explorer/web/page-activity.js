// Activity: what one organisation or one account recorded, newest first, page by page.

import { directoryNames, query } from "./api.js";
import { h, label, table } from "./dom.js";
import { count, dateTime, eventWords, shortHash, words } from "./format.js";
import { t } from "./i18n.js";
import { caseHref, caseOfStream, go } from "./route.js";

const PAGE_SIZE = 50;

const ORGANISATION = `query ($id: ID!, $after: String) {
  activity: organisationActivity(organisationId: $id, first: ${PAGE_SIZE}, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { position eventType streamId occurredAt recordedAt actorAccountId actorRole hash }
  }
}`;

const ACCOUNT = `query ($id: ID!, $after: String) {
  activity: accountActivity(accountId: $id, first: ${PAGE_SIZE}, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { position eventType streamId occurredAt recordedAt actorAccountId actorRole hash }
  }
}`;

export async function activityPage(main, { params }) {
  const names = await directoryNames();
  const account = params.get("account") || "";
  const organisation = account ? "" : params.get("organisation") || names.organisations[0]?.organisationId || "";
  const accountInput = h("input", { id: "account", name: "account", type: "text", value: account, spellcheck: "false", class: "wide" });
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (e) => {
        e.preventDefault();
        go("activity", [], accountInput.value.trim() ? { account: accountInput.value.trim() } : { organisation: e.target.organisation.value });
      },
    },
    h(
      "p",
      { class: "field" },
      h("label", { for: "organisation", "data-i18n": "cases.organisation" }, t("cases.organisation")),
      h(
        "select",
        { id: "organisation", name: "organisation", onchange: (e) => go("activity", [], { organisation: e.target.value }) },
        names.organisations.map((o) => h("option", { value: o.organisationId, selected: o.organisationId === organisation }, `${o.name} (${words(o.kind)})`)),
      ),
    ),
    h("p", { class: "field" }, h("label", { for: "account", "data-i18n": "activity.account" }, t("activity.account")), accountInput),
    h("p", { class: "field actions" }, h("button", { type: "submit", class: "primary", "data-i18n": "filter.apply" }, t("filter.apply"))),
  );
  main.append(label("h1", "activity.title"), label("p", "activity.intro", { class: "lead" }), form);

  const subject = account ? { document: ACCOUNT, id: account } : { document: ORGANISATION, id: organisation };
  const columns = [
    { key: "recorded", label: "event.recorded", cell: (e) => dateTime(e.recordedAt) },
    { key: "occurred", label: "event.occurred", cell: (e) => dateTime(e.occurredAt) },
    {
      key: "event",
      label: "activity.event",
      cell: (e) => {
        const found = caseOfStream(e.streamId);
        return found ? h("a", { href: caseHref(found.kind, found.id) }, eventWords(e.eventType)) : eventWords(e.eventType);
      },
    },
    { key: "actor", label: "event.actor", cell: (e) => words(e.actorRole) },
    { key: "position", label: "event.position", numeric: true, cell: (e) => count(e.position) },
    { key: "hash", label: "event.hash", cell: (e) => h("code", {}, shortHash(e.hash)) },
  ];
  const holder = h("div", { id: "activity" });
  const more = h("button", { type: "button", id: "more", "data-i18n": "activity.more", hidden: true }, t("activity.more"));
  const total = h("p", { id: "activity-count" });
  const entries = [];
  let after = null;
  const load = async () => {
    const data = await query(subject.document, { id: subject.id, after });
    entries.push(...data.activity.nodes);
    after = data.activity.pageInfo.endCursor;
    more.hidden = !data.activity.pageInfo.hasNextPage;
    total.textContent = t("activity.count", { shown: count(entries.length), total: count(data.activity.totalCount) });
    holder.replaceChildren(table(columns, entries));
  };
  more.addEventListener("click", () => load().catch((error) => holder.append(h("p", { role: "alert" }, error.message))));
  main.append(total, holder, h("p", {}, more));
  if (subject.id) await load();
}
