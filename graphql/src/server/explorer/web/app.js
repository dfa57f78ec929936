// The explorer's shell: header (navigation, language, sign-in), and one page per route after
// `#`: `#/ledger`, `#/cases?…`, `#/case/<KIND>/<id>`, `#/trace[/<KIND>/<id>]`,
// `#/accountability?…`, `#/activity?…`. `body[data-state]` is `loading`, `ready` or `error`
// once a page has rendered (the browser tests wait on it).

import { query, signIn, signOut, token } from "./api.js";
import { clear, h, label, problem } from "./dom.js";
import { useCommunityTimeZone } from "./format.js";
import { LANGUAGES, lang, setLang, t } from "./i18n.js";
import { accountabilityPage } from "./page-accountability.js";
import { activityPage } from "./page-activity.js";
import { casePage } from "./page-case.js";
import { casesPage } from "./page-cases.js";
import { ledgerPage } from "./page-ledger.js";
import { tracePage } from "./page-trace.js";
import { route } from "./route.js";

const PAGES = {
  ledger: { render: ledgerPage, nav: "nav.ledger" },
  cases: { render: casesPage, nav: "nav.cases" },
  case: { render: casePage, nav: "nav.cases" },
  trace: { render: tracePage, nav: "nav.trace" },
  accountability: { render: accountabilityPage, nav: "nav.accountability" },
  activity: { render: activityPage, nav: "nav.activity" },
};
const NAVIGATION = ["ledger", "cases", "trace", "accountability", "activity"];

function header(current) {
  const top = clear(document.getElementById("top"));
  const skip = h("button", { type: "button", class: "skip", "data-i18n": "skip", onclick: () => document.getElementById("main").focus() }, t("skip"));
  const brand = h("p", { class: "brand" }, h("a", { href: "#/ledger" }, "govledger"), " ", label("span", "brand.tagline"));
  const links = NAVIGATION.map((name) =>
    h(
      "li",
      {},
      h("a", { href: `#/${name}`, "aria-current": PAGES[current].nav === PAGES[name].nav ? "page" : null, "data-i18n": PAGES[name].nav }, t(PAGES[name].nav)),
    ),
  );
  links.push(h("li", {}, h("a", { href: "/graphiql", "data-i18n": "nav.graphiql" }, t("nav.graphiql"))));
  const nav = h("nav", { "aria-label": t("nav.label"), "data-i18n-aria": "nav.label" }, h("ul", {}, links));
  const language = h(
    "select",
    { id: "language", onchange: (event) => { setLang(event.target.value); render(); } },
    LANGUAGES.map((code) => h("option", { value: code, selected: code === lang() }, t(`language.${code}`))),
  );
  const tools = h("div", { class: "tools" }, h("label", { for: "language", "data-i18n": "language" }, t("language")), language, session());
  top.append(skip, brand, nav, tools);
}

/** Public or signed-in mode: the token is asked once and kept for this tab. */
function session() {
  if (token()) {
    return h(
      "div",
      { class: "session" },
      label("span", "mode.signed_in", { class: "mode signed-in", id: "mode" }),
      h("button", { type: "button", id: "sign-out", "data-i18n": "sign_out", onclick: () => { signOut(); render(); } }, t("sign_out")),
    );
  }
  const input = h("input", { id: "token", type: "password", autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    {
      class: "sign-in",
      onsubmit: (event) => {
        event.preventDefault();
        if (input.value.trim()) {
          signIn(input.value);
          render();
        }
      },
    },
    h("label", { for: "token", "data-i18n": "token" }, t("token")),
    input,
    h("button", { type: "submit", id: "sign-in", "data-i18n": "sign_in" }, t("sign_in")),
  );
  return h("div", { class: "session" }, label("span", "mode.public", { class: "mode public", id: "mode" }), h("details", {}, label("summary", "sign_in"), form));
}

let rendering = 0;

export async function render() {
  const found = route();
  const current = { ...found, name: PAGES[found.name] ? found.name : "ledger" };
  const ticket = ++rendering;
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  document.body.dataset.state = "loading";
  document.body.dataset.route = current.name;
  header(current.name);
  const main = clear(document.getElementById("main"));
  document.title = `${t(PAGES[current.name].nav)} · govledger`;
  try {
    await PAGES[current.name].render(main, current);
    if (ticket === rendering) document.body.dataset.state = "ready";
  } catch (error) {
    if (ticket !== rendering) return;
    main.append(problem(`${t("error.page")}: ${error.message}`));
    document.body.dataset.state = "error";
  }
}

window.addEventListener("hashchange", () => {
  render().then(() => document.getElementById("main").focus({ preventScroll: true }));
});
// Dates are shown in the community's zone: ask it once, then render (in UTC if unreadable;
// the page then shows the API's error itself).
query("{ community { timeZone } }")
  .then((data) => useCommunityTimeZone(data.community?.timeZone))
  .catch(() => {})
  .finally(render);
