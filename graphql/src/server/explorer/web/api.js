// The public GraphQL API, as any client sees it. Signed-in mode adds the token pasted once,
// kept in sessionStorage: it lives as long as the tab and is sent to this origin only.

const TOKEN_KEY = "govledger.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signIn(value) {
  sessionStorage.setItem(TOKEN_KEY, value.trim());
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {}

/** Runs one GraphQL operation; its `data`, or an ApiError with the server's messages. */
export async function query(document, variables = {}) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
  };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query: document, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`);
  }
  if (body.errors && body.errors.length > 0) {
    throw new ApiError(body.errors.map((error) => error.message).join("; "));
  }
  return body.data;
}

/** Every node of a connection, page by page (100 at a time), up to `limit` nodes. */
export async function allNodes(document, variables, pick, limit) {
  const nodes = [];
  let after = null;
  let total = null;
  while (nodes.length < limit) {
    const data = await query(document, { ...variables, after, first: Math.min(100, limit - nodes.length) });
    const connection = pick(data);
    nodes.push(...connection.nodes);
    total = connection.totalCount ?? total;
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { nodes, total };
}

/** Organisations and compounds by id, fetched once per page load. */
let directory = null;
export async function directoryNames() {
  if (!directory) {
    directory = (async () => {
      const data = await query(`{
        organisations(first: 100) { nodes { organisationId kind name } }
        compounds(first: 100) { nodes { compoundId name } }
      }`);
      return {
        organisations: data.organisations.nodes,
        compounds: data.compounds.nodes,
        organisation: new Map(data.organisations.nodes.map((o) => [o.organisationId, o])),
        compound: new Map(data.compounds.nodes.map((c) => [c.compoundId, c])),
      };
    })();
    directory.catch(() => {
      directory = null;
    });
  }
  return directory;
}
