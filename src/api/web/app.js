/**
 * The review page's entry module: hash routing between the list (`#/`) and a subject's view
 * (`#/scalers/{namespace}/{name}`, `#/targets/{name}`), and the live refresh loop.
 *
 * Query parameters: `refresh` = seconds between polls (default 10, 0 = off), `limit` = decisions per
 * page (default 20). Plain DOM and ES modules, no framework: the page is four tables and two charts.
 */
import {
  getDecisions,
  getModels,
  getSeries,
  getToken,
  listScalers,
  parseHash,
  serverClock,
  setToken,
  subjectHash,
} from "./api.js";
import { ScalerCharts } from "./charts.js";
import { renderDecisions, renderFacts, renderModels } from "./detail.js";
import { fmtClock, fmtNum } from "./format.js";
import { renderList } from "./list.js";

const $ = (id) => {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`review page: element #${id} is missing`);
  return node;
};

function numberParam(name, fallback) {
  const raw = new URLSearchParams(location.search).get(name);
  const value = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

const refreshSeconds = numberParam("refresh", 10);
const pageSize = Math.max(1, Math.floor(numberParam("limit", 20)));

const state = {
  route: undefined,
  /** Cursors of the decision pages visited; [0] is the newest page. */
  cursors: [undefined],
  pageIndex: 0,
  lastPage: undefined,
  charts: undefined,
  timer: undefined,
  controller: undefined,
  refreshes: 0,
  /** The sign-in form is showing (the API answered 401). */
  signedOut: false,
};

function showError(messages) {
  const box = $("error");
  if (messages.length === 0) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.hidden = false;
  box.textContent = `Could not load: ${messages.join("; ")}`;
}

const messageOf = (err) => (err instanceof Error ? err.message : String(err));

/**
 * The sign-in form, shown when the API answers 401 (a cluster install checks bearer tokens). With
 * `problem` (a refused token) it says why; the views stay hidden until a token is accepted.
 */
function showSignIn(problem) {
  state.signedOut = true;
  clearTimeout(state.timer);
  $("main").hidden = true;
  $("signin").hidden = false;
  $("signout").hidden = true;
  const box = $("signin-problem");
  box.hidden = problem === undefined;
  box.textContent = problem ?? "";
  $("status").textContent = "Sign-in needed";
  document.body.dataset.signin = problem === undefined ? "asked" : "refused";
  $("token").focus();
}

function hideSignIn() {
  state.signedOut = false;
  $("signin").hidden = true;
  $("main").hidden = false;
  $("signout").hidden = getToken() === undefined;
  delete document.body.dataset.signin;
}

function showList(items) {
  renderList(
    $("scalers").tBodies[0],
    items,
    (item) => {
      location.hash = subjectHash(item.kind, item.id);
    },
    serverClock.now(),
  );
  $("list-empty").hidden = items.length > 0;
  return [];
}

async function showDetail(items, signal) {
  const { kind, id } = state.route;
  const item = items.find((i) => i.kind === kind && i.id === id);
  const errors = [];
  if (item === undefined)
    errors.push(`${kind === "ForecastTarget" ? "target" : "scaler"} ${id} is not in the list`);
  else renderFacts($("facts"), item, serverClock.now());

  const cursor = state.cursors[state.pageIndex];
  const [series, models, decisions] = await Promise.allSettled([
    getSeries(kind, id, signal),
    getModels(kind, id, signal),
    getDecisions(kind, id, { limit: pageSize, cursor }, signal),
  ]);
  signal.throwIfAborted();

  if (series.status === "fulfilled") {
    const view = series.value;
    state.charts ??= new ScalerCharts($("demand-chart"), $("replicas-chart"));
    state.charts.update(view, item?.quantile, serverClock.now());
    $("demand-note").textContent = demandNote(view, item?.quantile);
  } else errors.push(messageOf(series.reason));

  if (models.status === "fulfilled") {
    renderModels($("models").tBodies[0], $("models-why"), $("calibration"), models.value, serverClock.now());
  } else errors.push(messageOf(models.reason));

  if (decisions.status === "fulfilled") {
    const page = decisions.value;
    state.lastPage = page;
    renderDecisions($("decisions").tBodies[0], page);
    $("decisions-empty").hidden = page.items.length > 0;
    $("decisions-count").textContent = `(${page.total})`;
  } else errors.push(messageOf(decisions.reason));
  updatePager();
  return errors;
}

/** What the demand chart shows, in words: the latest forecast's band, and the earlier forecasts drawn. */
function demandNote(view, servedQuantile) {
  const f = view.forecast;
  const levels = f ? Object.keys(f.quantiles).sort((a, b) => Number(a) - Number(b)) : [];
  const latest = f
    ? `Forecast by ${f.model} made ${fmtClock(f.computedAtMs)}, every ${fmtNum(f.stepSeconds)} s; ` +
      (levels.length > 1
        ? `shaded bands between quantiles ${levels.map((l) => `q${l}`).join(", ")} (darker inside).`
        : "no band.")
    : "No forecast yet: actual demand only.";
  const past = view.pastForecasts ?? [];
  const earlier =
    past.length > 0
      ? ` Thin lines: ${past.length} earlier forecast${past.length === 1 ? "" : "s"} (q${servedQuantile ?? "mean"}), made ${fmtClock(past[0].computedAtMs)} to ${fmtClock(past[past.length - 1].computedAtMs)}.`
      : "";
  const decided = view.decidedForecasts ?? [];
  const dots =
    decided.length > 0
      ? ` Dots: what each of ${decided.length} decisions forecast for the time it looked ahead to.`
      : "";
  return latest + earlier + dots;
}

function updatePager() {
  const page = state.lastPage;
  $("decisions-newest").disabled = state.pageIndex === 0;
  $("decisions-newer").disabled = state.pageIndex === 0;
  $("decisions-older").disabled = page?.next === undefined;
  $("decisions-page").textContent = page
    ? `Page ${state.pageIndex + 1} of ${Math.max(1, Math.ceil(page.total / pageSize))}`
    : "";
}

function schedule() {
  clearTimeout(state.timer);
  if (refreshSeconds > 0) state.timer = setTimeout(refresh, refreshSeconds * 1000);
}

/** Load what the current route shows; a newer refresh aborts an older one still in flight. */
async function refresh() {
  clearTimeout(state.timer);
  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  let errors = [];
  try {
    let list;
    try {
      list = await listScalers(controller.signal);
    } catch (err) {
      if (err?.status === 401) {
        const hadToken = getToken() !== undefined;
        if (hadToken) setToken(undefined);
        showSignIn(hadToken ? `The server refused the token: ${messageOf(err)}` : undefined);
        if (state.controller === controller) state.controller = undefined;
        return;
      }
      throw err;
    }
    if (state.signedOut) hideSignIn();
    errors =
      state.route === undefined ? showList(list.items) : await showDetail(list.items, controller.signal);
  } catch (err) {
    if (controller.signal.aborted) return;
    errors = [messageOf(err)];
  } finally {
    if (state.controller === controller) {
      state.controller = undefined;
      showError(errors);
      $("status").textContent =
        `${errors.length > 0 ? "Last attempt" : "Updated"} ${fmtClock(serverClock.now())}` +
        (refreshSeconds > 0 ? ` · refreshes every ${fmtNum(refreshSeconds)} s` : " · live refresh off");
      state.refreshes += 1;
      document.body.dataset.refreshes = String(state.refreshes);
      schedule();
    }
  }
}

function sameRoute(a, b) {
  return a?.kind === b?.kind && a?.id === b?.id;
}

function navigate() {
  const route = parseHash(location.hash);
  if (!sameRoute(route, state.route) || state.refreshes === 0) {
    state.route = route;
    state.cursors = [undefined];
    state.pageIndex = 0;
    state.lastPage = undefined;
    state.charts?.destroy();
    state.charts = undefined;
    $("list-view").hidden = route !== undefined;
    $("detail-view").hidden = route === undefined;
    if (route !== undefined) {
      const heading = $("detail-heading");
      heading.textContent = `${route.kind === "ForecastTarget" ? "Target" : "Scaler"} ${route.id}`;
      heading.tabIndex = -1;
      heading.focus();
      for (const id of ["facts", "demand-chart", "replicas-chart"]) $(id).replaceChildren();
      for (const id of ["decisions", "models"]) $(id).tBodies[0].replaceChildren();
      for (const id of ["demand-note", "models-why", "calibration", "decisions-count", "decisions-page"]) {
        $(id).textContent = "";
      }
    }
    document.title = route === undefined ? "Foresight: forecast review" : `${route.id} · Foresight`;
  }
  void refresh();
}

function page(delta) {
  if (delta > 0) {
    const next = state.lastPage?.next;
    if (next === undefined) return;
    state.cursors[state.pageIndex + 1] = next;
    state.cursors.length = state.pageIndex + 2;
    state.pageIndex += 1;
  } else if (delta < 0) {
    state.pageIndex = Math.max(0, state.pageIndex - 1);
  } else {
    state.pageIndex = 0;
  }
  void refresh();
}

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken($("token").value);
  $("token").value = "";
  hideSignIn();
  navigate();
});
$("signout").addEventListener("click", () => {
  setToken(undefined);
  showSignIn(undefined);
});
$("signout").hidden = getToken() === undefined;
$("decisions-older").addEventListener("click", () => page(1));
$("decisions-newer").addEventListener("click", () => page(-1));
$("decisions-newest").addEventListener("click", () => page(0));
window.addEventListener("hashchange", navigate);
navigate();
