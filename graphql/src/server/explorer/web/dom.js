// Building DOM nodes without innerHTML: every value from the API becomes a text node, so
// nothing the ledger holds can run as markup.

import { t } from "./i18n.js";

/** h("a", {href: "#/x", class: "c"}, "text", child…): an element. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      // `true` is a boolean attribute (`hidden`), except in data attributes, which keep it.
      element.setAttribute(name, value === true && !name.startsWith("data-") ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A translated label; `data-i18n` lets the tests check that every label follows the language. */
export function label(tag, key, attributes = {}, params = {}) {
  return h(tag, { ...attributes, "data-i18n": key }, t(key, params));
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

/** A table: `columns` are [{key, label, cell(row) -> node|text, numeric}]. */
export function table(columns, rows, { caption, sortKey, sortDescending, onSort } = {}) {
  const head = h(
    "tr",
    {},
    columns.map((column) => {
      const sorted = sortKey === column.key;
      const ariaSort = sorted ? (sortDescending ? "descending" : "ascending") : onSort && column.sortable !== false ? "none" : null;
      const text = t(column.label);
      const content =
        onSort && column.sortable !== false
          ? h(
              "button",
              { type: "button", class: "sort", "data-i18n": column.label, onclick: () => onSort(column.key) },
              text,
            )
          : h("span", { "data-i18n": column.label }, text);
      return h("th", { scope: "col", "aria-sort": ariaSort, class: column.numeric ? "num" : null }, content);
    }),
  );
  const body = rows.map((row) =>
    h(
      "tr",
      {},
      columns.map((column) => h("td", { class: column.numeric ? "num" : null }, column.cell(row))),
    ),
  );
  return h(
    "div",
    { class: "table-scroll" },
    h("table", {}, caption ? h("caption", {}, caption) : null, h("thead", {}, head), h("tbody", {}, body)),
  );
}

/** A message for the user in `role="alert"`. */
export function problem(text) {
  return h("p", { class: "problem", role: "alert" }, text);
}
