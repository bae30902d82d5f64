// arr-emulator's dashboard: polls GET /_emulator/overview once a second and calls the control hooks.
// Everything is built with textContent (values such as an overridden status are arbitrary strings).
"use strict";

const POLL_MS = 1000;
const ACTIVE_SESSION = new Set(["Starting", "Ready"]);
const ACTIVE_CONVERSION = new Set(["NotStarted", "Running"]);
const KNOWN_STATUS = new Set(["Starting", "Ready", "Stopped", "Expired", "Error",
  "NotStarted", "Running", "Succeeded", "Failed", "Cancelled"]);

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function badge(status, realStatus) {
  const cls = KNOWN_STATUS.has(status) ? `s-${status}` : "s-other";
  const span = el("span", { class: `badge ${cls}`, text: status, "data-status": status });
  if (realStatus && realStatus !== status) {
    return el("span", {}, span, el("span", { class: "override", text: `(really ${realStatus})` }));
  }
  return span;
}

function duration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function localTime(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
}

function showResult(ok, text) {
  const line = $("result");
  line.className = ok ? "ok" : "error";
  line.textContent = text;
}

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  return { ok: resp.ok, status: resp.status, json };
}

// One lever: call the hook, say what happened, refresh at once.
async function lever(label, method, path, body, describe) {
  try {
    const r = await call(method, path, body);
    if (r.ok) {
      showResult(true, describe ? `${label}: ${describe(r.json)}` : `${label}: done`);
    } else {
      const why = r.json && typeof r.json.error === "string" ? r.json.error : `HTTP ${r.status}`;
      showResult(false, `${label}: ${why} (HTTP ${r.status})`);
    }
  } catch (e) {
    showResult(false, `${label}: ${e.message}`);
  }
  refresh();
}

const hookPath = (kind, id, action, account) =>
  `/_emulator/${kind}/${encodeURIComponent(id)}/${action}?account=${encodeURIComponent(account)}`;

// Rows are kept by key and updated in place, so a button is never replaced under the pointer.
function syncRows(tbody, items, keyOf, makeRow, updateRow) {
  const existing = new Map();
  for (const tr of Array.from(tbody.rows)) existing.set(tr.dataset.key, tr);
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    let tr = existing.get(key);
    if (tr) existing.delete(key);
    else tr = makeRow(item, key);
    updateRow(tr, item);
    const expectedPosition = previous ? previous.nextSibling : tbody.firstChild;
    if (expectedPosition !== tr) tbody.insertBefore(tr, expectedPosition);
    previous = tr;
  }
  for (const tr of existing.values()) tr.remove();
}

function fill(cell, ...children) {
  cell.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
}

// ---- sessions ----------------------------------------------------------------------------------

const SESSION_COLUMNS = ["id", "status", "size", "lease", "elapsed", "remaining", "host : ports", "billed",
  "created", "error", ""];

function sessionTable() {
  const table = el("table", { class: "sessions" },
    el("thead", {}, el("tr", {}, ...SESSION_COLUMNS.map((c) => el("th", { text: c })))),
    el("tbody"));
  return table;
}

function makeSessionRow(s, key) {
  const tr = el("tr", { "data-key": key, "data-id": s.id, "data-account": s.accountId });
  for (let i = 0; i < SESSION_COLUMNS.length - 1; i++) tr.append(el("td"));
  const button = (action, text, danger) => el("button", {
    type: "button", text, class: danger ? "danger" : "", "data-action": action,
  });
  // Two rows of two buttons: the table fits a 1280 px window beside the host and billing columns.
  tr.append(el("td", {}, el("div", { class: "actions grid" },
    button("fail", "fail", true), button("expire", "expire"), button("stop", "stop"),
    button("set-field", "set field"))));
  tr.cells[0].className = "mono";
  return tr;
}

function updateSessionRow(tr, s) {
  const c = tr.cells;
  fill(c[0], s.id);
  fill(c[1], badge(s.status, s.realStatus));
  fill(c[2], s.size);
  fill(c[3], `${s.maxLeaseTimeMinutes} min`);
  fill(c[4], duration(s.elapsedSeconds));
  const lease = s.maxLeaseTimeMinutes * 60;
  const share = lease > 0 ? s.remainingSeconds / lease : 0;
  const bar = el("div", { class: `bar${share < 0.1 ? " critical" : share < 0.25 ? " low" : ""}` }, el("span"));
  bar.firstChild.style.width = `${Math.round(share * 100)}%`;
  bar.title = `${Math.round(share * 100)}% of the lease left`;
  fill(c[5], el("div", { class: "lease" }, bar, el("span", { text: `${Math.floor(s.remainingSeconds / 60)} min left` })));
  c[6].className = "mono host";
  fill(c[6], s.hostname ? `${s.hostname} : ${s.handshakePort}/${s.arrInspectorPort}` : "–", ...hostLines(s.host));
  // Billed: every started minute of Ready time; the cost at the size's price when a real host runs it.
  fill(c[7], `${s.billedMinutes} min`, s.cost === null || s.cost === undefined ? null
    : el("div", { class: "muted", text: `cost ${s.cost.toFixed(2)}` }));
  fill(c[8], localTime(s.creationTime));
  c[9].className = "error-text";
  fill(c[9], s.errorCode ? `${s.errorCode}: ${s.errorMessage}` : "");
  const live = ACTIVE_SESSION.has(s.realStatus);
  for (const b of c[10].querySelectorAll("button")) {
    if (b.dataset.action !== "set-field") b.disabled = !live;
  }
  tr.dataset.status = s.status;
}

// The host behind a session (real providers only): provider and state, and its last log line (all
// of the last lines in the tooltip).
function hostLines(host) {
  if (!host) return [];
  const state = el("div", { class: "host-state", text: `${host.provider} · ${host.state}` });
  const lines = host.lastLog || [];
  if (lines.length === 0) return [state];
  const log = el("div", { class: "host-log", text: lines[lines.length - 1] });
  log.title = lines.join("\n");
  return [state, log];
}

function renderSessions(data) {
  const host = $("sessions");
  const accounts = [...new Set([...data.emulator.accounts, ...data.sessions.map((s) => s.accountId)])];
  if (data.sessions.length === 0) {
    host.replaceChildren(el("p", { class: "empty", id: "sessions-empty",
      text: "No sessions yet. Sessions created through the API (any client, any account) appear here within a second." }));
    return;
  }
  host.querySelector("#sessions-empty")?.remove();
  for (const account of accounts) {
    const mine = data.sessions.filter((s) => s.accountId === account);
    let group = host.querySelector(`div[data-account="${CSS.escape(account)}"]`);
    if (!group) {
      group = el("div", { "data-account": account },
        el("h3", { text: `account ${account}` }), sessionTable());
      host.append(group);
    }
    group.hidden = mine.length === 0;
    syncRows(group.querySelector("tbody"), mine, (s) => `${s.accountId}/${s.id}`, makeSessionRow, updateSessionRow);
  }
}

function sessionAction(tr, action) {
  const id = tr.dataset.id;
  const account = tr.dataset.account;
  const after = (s) => `session ${id} is now ${s && s.status}`;
  if (action === "fail") {
    const body = { code: $("session-fail-code").value, message: $("session-fail-message").value };
    lever(`fail ${id}`, "POST", hookPath("sessions", id, "fail", account), body, after);
  } else if (action === "expire" || action === "stop") {
    lever(`${action} ${id}`, "POST", hookPath("sessions", id, action, account), {}, after);
  } else if (action === "set-field") {
    const field = $("set-field-name").value;
    const text = $("set-field-value").value;
    const value = text === "" ? null : text;
    lever(`set ${field} of ${id}`, "POST", hookPath("sessions", id, "set-field", account), { field, value },
      (s) => `reported ${field} is now ${s && s[field]}`);
  }
}

// ---- conversions -------------------------------------------------------------------------------

const CONVERSION_COLUMNS = ["id", "account", "status", "input", "output", "elapsed", "created", "error", ""];

function makeConversionRow(c, key) {
  const tr = el("tr", { "data-key": key, "data-id": c.id, "data-account": c.accountId });
  for (let i = 0; i < CONVERSION_COLUMNS.length - 1; i++) tr.append(el("td"));
  tr.append(el("td", { class: "actions" },
    el("button", { type: "button", text: "fail", class: "danger", "data-action": "fail" }),
    el("button", { type: "button", text: "cancel", "data-action": "cancel" })));
  tr.cells[0].className = "mono";
  tr.cells[3].className = "mono wrap";
  tr.cells[4].className = "mono wrap";
  return tr;
}

function updateConversionRow(tr, c) {
  const cells = tr.cells;
  fill(cells[0], c.id);
  fill(cells[1], c.accountId.slice(0, 8) + "…");
  cells[1].title = c.accountId;
  fill(cells[2], badge(c.status));
  fill(cells[3], c.inputAssetUri);
  fill(cells[4], c.outputAssetUri || "–");
  fill(cells[5], duration(c.elapsedSeconds));
  // The pipeline converter's phases (download, convert, optimize, upload) as they end, on hover.
  cells[5].title = (c.phases || []).map((p) => `${p.phase} ${p.seconds.toFixed(2)} s`).join(", ");
  fill(cells[6], localTime(c.creationTime));
  cells[7].className = "error-text";
  fill(cells[7], c.errorCode ? `${c.errorCode}: ${c.errorMessage}` : "");
  const live = ACTIVE_CONVERSION.has(c.status);
  for (const b of cells[8].querySelectorAll("button")) b.disabled = !live;
  tr.dataset.status = c.status;
}

function renderConversions(data) {
  const host = $("conversions");
  if (data.conversions.length === 0) {
    host.replaceChildren(el("p", { class: "empty", id: "conversions-empty",
      text: "No conversions yet. Conversions created through the API appear here within a second." }));
    return;
  }
  let table = host.querySelector("table");
  if (!table) {
    table = el("table", { class: "conversions" },
      el("thead", {}, el("tr", {}, ...CONVERSION_COLUMNS.map((c) => el("th", { text: c })))),
      el("tbody"));
    host.replaceChildren(table);
  }
  syncRows(table.tBodies[0], data.conversions, (c) => `${c.accountId}/${c.id}`, makeConversionRow,
    updateConversionRow);
}

function conversionAction(tr, action) {
  const id = tr.dataset.id;
  const body = action === "fail"
    ? { code: $("conversion-fail-code").value, message: $("conversion-fail-message").value }
    : {};
  lever(`${action} conversion ${id}`, "POST", hookPath("conversions", id, action, tr.dataset.account), body,
    (c) => `conversion ${id} is now ${c && c.status}`);
}

// ---- faults and requests -----------------------------------------------------------------------

function describeFault(f) {
  const k = f.kind;
  const what = k.kind === "status"
    ? `${k.status}${k.retryAfter !== null && k.retryAfter !== undefined ? ` (Retry-After ${k.retryAfter} s)` : ""}`
    : k.kind === "delay" ? `delay ${k.millis} ms` : k.kind;
  return `${f.route || "any route"}: ${what}, ${f.times} more`;
}

function renderFaults(data) {
  const host = $("faults");
  if (data.faults.length === 0) {
    host.replaceChildren(el("p", { class: "empty", text: "No fault armed." }));
    return;
  }
  host.replaceChildren(el("ul", {}, ...data.faults.map((f) => el("li", { class: "mono", text: describeFault(f) }))));
}

function renderRequests(data) {
  const host = $("requests");
  if (data.requests.length === 0) {
    host.replaceChildren(el("p", { class: "empty", text: "No requests yet." }));
    return;
  }
  const rows = data.requests.map((r) => {
    const status = r.status === null ? "dropped" : String(r.status);
    const cls = r.status === null ? "h-dropped" : `h-${String(r.status)[0]}`;
    return el("tr", {},
      el("td", { text: new Date(r.atUnixMs).toLocaleTimeString() }),
      el("td", { text: r.method }),
      el("td", { class: "mono wrap", text: r.shown }),
      el("td", {}, el("span", { class: `badge ${cls}`, text: status })),
      el("td", { class: "mono", text: r.msCv }),
      el("td", { text: `${r.durationMs} ms` }));
  });
  host.replaceChildren(el("table", { class: "requests" },
    el("thead", {}, el("tr", {}, ...["time", "method", "path", "status", "MS-CV", "took"].map((c) => el("th", { text: c })))),
    el("tbody", {}, ...rows)));
}

function faultBody() {
  const kind = $("fault-kind").value;
  const route = $("fault-route").value || null;
  const times = Math.max(1, parseInt($("fault-times").value, 10) || 1);
  let faultKind;
  if (kind === "delay") faultKind = { kind: "delay", millis: Math.max(0, parseInt($("fault-delay").value, 10) || 0) };
  else if (kind === "drop") faultKind = { kind: "dropBeforeProcessing" };
  else {
    const retry = $("fault-retry-after").value;
    faultKind = { kind: "status", status: parseInt(kind, 10), retryAfter: retry === "" ? null : parseInt(retry, 10) };
  }
  return { route, kind: faultKind, times };
}

// ---- polling -----------------------------------------------------------------------------------

let timer = null;

async function refresh() {
  clearTimeout(timer);
  try {
    const r = await call("GET", "/_emulator/overview");
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const data = r.json;
    $("base-url").textContent = data.emulator.baseUrl;
    $("storage").textContent = data.emulator.storage || "simulated";
    $("clock").textContent = `+${Math.round(data.clock.advancedMinutes * 100) / 100} min` +
      (data.emulator.timeScale !== 1 ? ` (×${data.emulator.timeScale})` : "");
    renderSessions(data);
    renderConversions(data);
    renderFaults(data);
    renderRequests(data);
    $("updated").textContent = new Date().toLocaleTimeString();
    if ($("result").textContent === "Connecting…") showResult(true, "connected; the tables update every second");
  } catch (e) {
    showResult(false, `the emulator does not answer (${e.message})`);
  }
  timer = setTimeout(refresh, POLL_MS);
}

function wire() {
  $("sessions").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) sessionAction(button.closest("tr"), button.dataset.action);
  });
  $("conversions").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) conversionAction(button.closest("tr"), button.dataset.action);
  });
  const advance = (minutes) => lever(`advance the clock by ${minutes} minutes`, "POST", "/_emulator/clock/advance",
    { minutes }, (c) => `the clock is now +${c.advancedMinutes} min`);
  for (const b of document.querySelectorAll("button[data-advance]")) {
    b.addEventListener("click", () => advance(Number(b.dataset.advance)));
  }
  $("advance-custom").addEventListener("click", () => advance(Number($("advance-minutes").value) || 0));
  $("fault-kind").addEventListener("change", () => {
    const kind = $("fault-kind").value;
    $("fault-retry-label").hidden = !["429", "503", "500"].includes(kind);
    $("fault-delay-label").hidden = kind !== "delay";
  });
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = faultBody();
    lever("arm a fault", "POST", "/_emulator/faults", body, () => describeFault(body));
  });
  $("fault-clear").addEventListener("click", () => lever("disarm all faults", "DELETE", "/_emulator/faults"));
  for (const form of document.querySelectorAll("form.levers")) {
    form.addEventListener("submit", (event) => event.preventDefault());
  }
  refresh();
}

document.addEventListener("DOMContentLoaded", wire);
