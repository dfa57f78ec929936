// Routes live after `#`, so the server serves one page and a view can be bookmarked.

/** `#/cases?kind=REQUEST` → {name: "cases", parts: [], params}. */
export function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, search] = hash.split("?");
  const [name, ...parts] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name: name || "", parts, params: new URLSearchParams(search || "") };
}

/** The hash of `#/<name>/<parts…>?<params>`, dropping empty params. */
export function href(name, parts = [], params = {}) {
  const search = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined),
  );
  const path = [name, ...parts].map(encodeURIComponent).join("/");
  const query = search.toString();
  return `#/${path}${query ? `?${query}` : ""}`;
}

export function go(name, parts = [], params = {}) {
  location.hash = href(name, parts, params);
}

/** The case a stream holds: `work-<id>` → {kind: "WORK_PROJECT", id}. */
export function caseOfStream(streamId) {
  const prefixes = [
    ["request-", "REQUEST"],
    ["work-", "WORK_PROJECT"],
    ["mediation-", "MEDIATION"],
    ["decision-", "DECISION"],
  ];
  for (const [prefix, kind] of prefixes) {
    if (streamId.startsWith(prefix)) return { kind, id: streamId.slice(prefix.length) };
  }
  return null;
}

export function caseHref(kind, id) {
  return href("case", [kind, id]);
}
