/* Telusur judging view: blind pooled passages, graded with the keyboard. No dependencies. */
"use strict";

const $ = (id) => document.getElementById(id);
// on screen and on the keys 1/2/3 (or r/p/n): relevant, partly, not relevant
const GRADES = [
  { grade: 2, label: "Relevant", keys: ["1", "r"] },
  { grade: 1, label: "Partly", keys: ["2", "p"] },
  { grade: 0, label: "Not relevant", keys: ["3", "n"] },
];
const state = { query: "", items: [], current: -1, busy: false };

function token() { return $("token").value.trim(); }
function evaluator() { return $("evaluator").value.trim(); }

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${token()}`, ...(options.headers || {}) };
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch (_) { /* not JSON */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response;
}

function ready() {
  if (!token() || !evaluator()) {
    showError("Enter the write token and your name first.");
    (token() ? $("evaluator") : $("token")).focus();
    return false;
  }
  sessionStorage.setItem("telusur-judge-token", token());
  localStorage.setItem("telusur-judge-evaluator", evaluator());
  return true;
}

function progress() {
  const done = state.items.filter((it) => it.grade !== null).length;
  $("status").textContent = state.items.length
    ? `${done} of ${state.items.length} passages judged for “${state.query}” (as ${evaluator()})`
    : "";
}

function renderItem(item, index) {
  const li = document.createElement("li");
  li.className = "card judge-item";
  li.tabIndex = -1;
  li.dataset.testid = "pool-item";
  li.dataset.passageId = item.passage_id;
  li.setAttribute("aria-label", `Passage ${index + 1} of ${state.items.length}`);
  const title = document.createElement("h2");
  title.className = "result-title";
  title.textContent = item.title || item.doc_id;
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [item.doc_id, item.source, item.published, item.lang].filter(Boolean).join(" · ");
  const text = document.createElement("p");
  text.className = "result-text";
  text.textContent = item.text;
  const buttons = document.createElement("div");
  buttons.className = "grades";
  buttons.setAttribute("role", "group");
  buttons.setAttribute("aria-label", "Grade");
  for (const g of GRADES) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-secondary";
    b.dataset.grade = String(g.grade);
    b.dataset.testid = `grade-${g.grade}`;
    b.textContent = `${g.label} (${g.keys[0]})`;
    b.addEventListener("click", () => judge(index, g.grade));
    buttons.append(b);
  }
  li.append(title, meta, text, buttons);
  li.addEventListener("focus", () => select(index, false));
  return li;
}

function paint(index) {
  const li = $("pool").children[index];
  const grade = state.items[index].grade;
  if (grade === null) delete li.dataset.grade; else li.dataset.grade = String(grade);
  for (const b of li.querySelectorAll(".grades .btn")) {
    b.setAttribute("aria-pressed", String(grade !== null && Number(b.dataset.grade) === grade));
  }
}

function select(index, focus = true) {
  if (index < 0 || index >= state.items.length) return;
  const list = $("pool").children;
  if (state.current >= 0 && list[state.current]) list[state.current].classList.remove("current");
  state.current = index;
  list[index].classList.add("current");
  if (focus) {
    list[index].focus({ preventScroll: true });
    list[index].scrollIntoView({ block: "nearest" });
  }
}

async function pool(query) {
  if (!ready()) return;
  showError("");
  $("status").textContent = "Pooling…";
  try {
    const params = new URLSearchParams({ q: query, evaluator: evaluator() });
    const body = await (await api(`/judge/pool?${params}`)).json();
    state.query = body.query;
    state.items = body.passages;
    state.current = -1;
    const list = $("pool");
    list.replaceChildren(...state.items.map(renderItem));
    state.items.forEach((_, i) => paint(i));
    const params2 = new URLSearchParams(location.search);
    params2.set("q", body.query);
    history.replaceState(null, "", `/judge?${params2}`);
    progress();
    const first = state.items.findIndex((it) => it.grade === null);
    select(first >= 0 ? first : 0);
  } catch (err) {
    $("status").textContent = "";
    showError(err.message);
  }
}

async function judge(index, grade) {
  const item = state.items[index];
  if (!item || state.busy) return;
  state.busy = true;
  showError("");
  try {
    await api("/judge/judgements", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ evaluator: evaluator(), query: state.query, passage_id: item.passage_id, grade }),
    });
    item.grade = grade;
    paint(index);
    progress();
    select(Math.min(index + 1, state.items.length - 1));
    loadJudged();
  } catch (err) {
    showError(err.message);
  } finally {
    state.busy = false;
  }
}

async function loadJudged() {
  if (!token() || !evaluator()) return;
  try {
    const rows = await (await api(`/judge/queries?${new URLSearchParams({ evaluator: evaluator() })}`)).json();
    $("judged").replaceChildren(...rows.map((r) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = r.query;
      b.addEventListener("click", () => { $("q").value = r.query; pool(r.query); });
      const note = document.createElement("span");
      note.className = "muted small";
      note.textContent = ` — ${r.judged} judged by you; evaluators: ${r.evaluators.join(", ")}`;
      li.append(b, note);
      return li;
    }));
  } catch (err) {
    showError(err.message);
  }
}

async function exportAs(format) {
  if (!ready()) return;
  try {
    const response = await api(`/judge/export?${new URLSearchParams({ format })}`);
    const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name ? name[1] : `judgements.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    showError(err.message);
  }
}

document.addEventListener("keydown", (event) => {
  const tag = event.target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.altKey || event.ctrlKey || event.metaKey) return;
  if (!state.items.length) return;
  const key = event.key.toLowerCase();
  const g = GRADES.find((x) => x.keys.includes(key));
  if (g) {
    event.preventDefault();
    judge(Math.max(state.current, 0), g.grade);
  } else if (key === "arrowdown" || key === "j") {
    event.preventDefault();
    select(state.current + 1);
  } else if (key === "arrowup" || key === "k") {
    event.preventDefault();
    select(state.current - 1);
  }
});

$("query-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("q").value.trim();
  if (q) pool(q);
});
for (const b of document.querySelectorAll("[data-export]")) {
  b.addEventListener("click", () => exportAs(b.dataset.export));
}
$("setup").addEventListener("submit", (event) => event.preventDefault());
$("evaluator").addEventListener("change", () => { if (ready()) loadJudged(); });

$("token").value = sessionStorage.getItem("telusur-judge-token") || "";
$("evaluator").value = localStorage.getItem("telusur-judge-evaluator") || "";
const initial = new URLSearchParams(location.search).get("q");
if (initial) $("q").value = initial;
if (token() && evaluator()) {
  loadJudged();
  if (initial) pool(initial);
}
