/**
 * The review API as the page reads it (wire types in src/api/types.ts). URLs are relative to the page,
 * so the page works wherever the process mounts it.
 */

/** A failed request of the review API, as the page reports it (the server answers Status objects). */
export class ReviewRequestError extends Error {
  constructor(url, status, detail) {
    super(`${url}: ${status ? `HTTP ${status}` : "unreachable"}${detail ? `: ${detail}` : ""}`);
    this.name = "ReviewRequestError";
    this.url = url;
    this.status = status;
  }
}

/**
 * The bearer token the operator signed in with, in this tab's sessionStorage (gone when the tab
 * closes). In a cluster the API checks it with TokenReview and SubjectAccessReview; locally none is
 * needed and none is asked for.
 */
const TOKEN_KEY = "foresight.review.token";

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Sets the token, or clears it when `token` is empty or undefined. */
export function setToken(token) {
  const trimmed = token?.trim();
  if (trimmed) sessionStorage.setItem(TOKEN_KEY, trimmed);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * The server's clock as of its last answer (its `Foresight-Now` header): times on the page ("in 2h",
 * "5m ago") are relative to it, not to this machine's clock, which differs in the demo (simulated
 * time) and wherever the two clocks drift.
 */
export class ServerClock {
  #offsetMs = 0;

  observe(header) {
    const at = header ? Date.parse(header) : Number.NaN;
    if (!Number.isNaN(at)) this.#offsetMs = at - Date.now();
  }

  now() {
    return Date.now() + this.#offsetMs;
  }
}

export const serverClock = new ServerClock();

/** GET a JSON document; an ReviewRequestError names the URL, the status and the server's message. */
export async function getJson(url, signal) {
  let res;
  const headers = { accept: "application/json" };
  const token = getToken();
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  try {
    res = await fetch(url, { headers, signal });
  } catch (err) {
    if (err?.name === "AbortError") throw err;
    throw new ReviewRequestError(url, 0, err?.message ?? String(err));
  }
  serverClock.observe(res.headers.get("foresight-now"));
  if (!res.ok) {
    let detail = res.statusText;
    try {
      const body = await res.json();
      detail = body?.message ?? body?.error ?? detail;
    } catch {
      // not JSON: keep the status text
    }
    throw new ReviewRequestError(url, res.status, detail);
  }
  return res.json();
}

/** The API base path of a subject's routes, from its kind and id (`namespace/name` or `name`). */
export function subjectPath(kind, id) {
  if (kind === "ForecastTarget") return `api/v1/targets/${encodeURIComponent(id)}`;
  const slash = id.indexOf("/");
  if (slash < 0) throw new Error(`scaler id "${id}" is not namespace/name`);
  return `api/v1/scalers/${encodeURIComponent(id.slice(0, slash))}/${encodeURIComponent(id.slice(slash + 1))}`;
}

/** The page's own address (hash route) of a subject. */
export function subjectHash(kind, id) {
  return kind === "ForecastTarget"
    ? `#/targets/${encodeURIComponent(id)}`
    : `#/scalers/${id.split("/").map(encodeURIComponent).join("/")}`;
}

/** The subject named by a hash route, or undefined for the list. */
export function parseHash(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "scalers" && parts.length === 3)
    return { kind: "PredictiveScaler", id: `${parts[1]}/${parts[2]}` };
  if (parts[0] === "targets" && parts.length === 2) return { kind: "ForecastTarget", id: parts[1] };
  return undefined;
}

export const listScalers = (signal) => getJson("api/v1/scalers", signal);
export const getSeries = (kind, id, signal) => getJson(`${subjectPath(kind, id)}/series`, signal);
export const getModels = (kind, id, signal) => getJson(`${subjectPath(kind, id)}/models`, signal);

export function getDecisions(kind, id, { limit, cursor }, signal) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor !== undefined) q.set("cursor", cursor);
  return getJson(`${subjectPath(kind, id)}/decisions?${q}`, signal);
}
