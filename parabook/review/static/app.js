// The review page: saves, live QA, filters and the page preview. No build step, no
// library: every request carries the token in a header, which no other site can set.
"use strict";
(function () {
  const body = document.body;
  const token = body.dataset.token;
  const L = JSON.parse(document.getElementById("labels").textContent);
  const waivers = body.dataset.waivers === "1";
  const list = document.getElementById("segments");
  const preview = document.getElementById("preview");
  const previewStatus = document.getElementById("preview-status");
  const previewPages = document.getElementById("preview-pages");
  let generation = 0;
  let selected = null;

  function post(path, data) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Review-Token": token},
      body: JSON.stringify(data),
    }).then(async (r) => ({status: r.status, data: await r.json()}));
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The spread where the segment stands. Right after a save the server lays out that
  // spread alone (X-Preview-Exact: 0), in a fraction of a second; the exact pages of the
  // whole booklet, built after it, replace it. A later call makes an earlier one stop.
  // The call before is aborted: a browser keeps only a few requests open to a server,
  // and one waiting for a whole build must not hold up a save.
  let previewCall = 0;
  let previewAbort = null;
  async function showPreview(li) {
    const call = ++previewCall;
    if (previewAbort) previewAbort.abort();
    const abort = previewAbort = new AbortController();
    const key = encodeURIComponent(li.dataset.key);
    previewStatus.textContent = L.updating;
    for (const exact of ["0", "1"]) {
      let answer;
      try {
        answer = await fetch(`preview.png?token=${token}&key=${key}&g=${generation}` +
                             `&exact=${exact}`, {credentials: "same-origin",
                                                 signal: abort.signal});
      } catch (error) {
        if (call === previewCall) previewStatus.textContent = L.error;
        return;
      }
      if (call !== previewCall) return;
      if (!answer.ok) {
        const said = await answer.json().catch(() => ({}));
        if (call === previewCall) previewStatus.textContent = said.error || L.error;
        return;
      }
      const image = await answer.blob().catch(() => null);  // aborted meanwhile
      if (call !== previewCall || !image) return;
      const old = preview.src;
      preview.src = URL.createObjectURL(image);
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      const done = answer.headers.get("X-Preview-Exact") === "1";
      preview.dataset.exact = done ? "1" : "0";
      const pages = answer.headers.get("X-Preview-Pages") || "";
      previewPages.textContent = (pages.includes("-") ? L.pages : L.page)
        .replace("{pages}", pages);
      previewStatus.textContent = done ? "" : L.excerpt;
      if (done) return;
    }
  }

  function select(li) {
    if (selected === li) return;
    if (selected) selected.classList.remove("selected");
    selected = li;
    li.classList.add("selected");
    showPreview(li);
  }

  function renderTerms(li, terms) {
    const ul = li.querySelector(".terms");
    ul.replaceChildren(...terms.map((term) => {
      const item = el("li", "term" + (term.missing ? " missing" : ""));
      const zh = el("span", "", term.term);
      zh.lang = "zh-Hans";
      item.append(zh, " → " + term.renderings.join(" | "));
      if (term.missing) item.append(" ", el("strong", "", `(${L.missing_term})`));
      return item;
    }));
  }

  function renderFindings(li, findings) {
    const ul = li.querySelector(".findings");
    ul.replaceChildren(...findings.map((f) => {
      const item = el("li", "finding" + (f.waived ? " waived" : ""));
      item.dataset.check = f.check;
      item.append(el("code", "", f.check), " " + f.message);
      if (f.waived) {
        item.append(" ", el("em", "", `${L.waived}: ${f.waived}`));
      } else if (waivers) {
        const reason = el("input", "reason");
        reason.placeholder = L.reason;
        const accept = el("button", "accept", L.accept);
        accept.type = "button";
        accept.addEventListener("click", () => waive(li, f.check, reason.value));
        item.append(" ", reason, accept);
      }
      return item;
    }));
  }

  function updateCounts(counts) {
    let total = 0;
    for (const [state, n] of Object.entries(counts)) {
      total += n;
      const span = document.getElementById("count-" + state);
      if (span) span.textContent = n;
    }
    const bar = document.getElementById("progress");
    bar.value = counts.reviewed;
    bar.max = total;
    document.getElementById("progress-text").textContent =
      L.progress.replace("{done}", counts.reviewed).replace("{total}", total);
  }

  function updateRow(li, row) {
    li.dataset.state = row.state;
    li.dataset.version = row.version;
    li.dataset.text = row.text;
    li.querySelector(".tr").value = row.text;
    const badge = li.querySelector(".state");
    badge.className = "state state-" + row.state;
    badge.textContent = L[row.state] + (row.provider ? ` (${row.provider})` : "");
    const diff = li.querySelector(".diff");
    if (diff && !row.diff.length) diff.remove();
    renderTerms(li, row.terms);
    renderFindings(li, row.findings);
    li.querySelector(".conflict").hidden = true;
    applyFilter();
  }

  function status(li, text, bad) {
    const span = li.querySelector(".status");
    span.textContent = text;
    span.classList.toggle("bad", !!bad);
  }

  async function save(li, action, version) {
    const text = li.querySelector(".tr").value;
    const answer = await post("api/save", {
      key: li.dataset.key, text, action, version: version || li.dataset.version});
    if (answer.status === 200) {
      updateRow(li, answer.data.row);
      updateCounts(answer.data.counts);
      generation = answer.data.generation;
      status(li, action === "approve" ? L.approved : L.saved);
      if (selected === li) showPreview(li);
      return true;
    }
    if (answer.status === 409) {
      const box = li.querySelector(".conflict");
      box.querySelector(".theirs").textContent = answer.data.theirs.text;
      box.querySelector(".yours").textContent = text;
      box.dataset.version = answer.data.theirs.version;
      box.dataset.theirs = JSON.stringify(answer.data.theirs);
      box.dataset.action = action;
      box.hidden = false;
      status(li, L.conflict, true);
      return false;
    }
    status(li, `${L.error}: ${answer.data.error}`, true);
    return false;
  }

  async function revert(li) {
    const r = await fetch(`api/entry?token=${token}&key=${encodeURIComponent(li.dataset.key)}`);
    const data = await r.json();
    if (r.status === 200) {
      updateRow(li, data.row);
      updateCounts(data.counts);
      status(li, "");
    } else {
      status(li, `${L.error}: ${data.error}`, true);
    }
  }

  async function waive(li, check, reason) {
    const answer = await post("api/waive", {key: li.dataset.key, check, reason});
    if (answer.status === 200) {
      updateRow(li, answer.data.row);
      updateCounts(answer.data.counts);
    } else {
      status(li, `${L.error}: ${answer.data.error}`, true);
    }
  }

  const timers = new WeakMap();
  function checkLater(li) {
    clearTimeout(timers.get(li));
    timers.set(li, setTimeout(async () => {
      const answer = await post("api/qa", {key: li.dataset.key, text: li.querySelector(".tr").value});
      if (answer.status === 200) {
        renderTerms(li, answer.data.terms);
        renderFindings(li, answer.data.findings);
      }
    }, 250));
  }

  function nextUnreviewed(li) {
    const rows = Array.from(list.children);
    const at = rows.indexOf(li);
    const order = rows.slice(at + 1).concat(rows.slice(0, at));
    return order.find((r) => r.dataset.state !== "reviewed" && !r.hidden);
  }

  function applyFilter() {
    const filter = body.dataset.filter;
    for (const li of list.children) {
      li.hidden = filter !== "all" && li.dataset.state !== filter && li !== selected;
    }
  }

  for (const button of document.querySelectorAll(".filters button")) {
    button.addEventListener("click", () => {
      body.dataset.filter = button.dataset.filter;
      for (const b of document.querySelectorAll(".filters button")) {
        b.classList.toggle("active", b === button);
      }
      if (selected && button.dataset.filter !== "all"
          && selected.dataset.state !== button.dataset.filter) {
        selected.classList.remove("selected");
        selected = null;
      }
      applyFilter();
    });
  }

  for (const li of list.children) {
    const area = li.querySelector(".tr");
    li.addEventListener("focusin", () => select(li));
    li.addEventListener("click", () => select(li));
    area.addEventListener("input", () => checkLater(li));
    area.addEventListener("keydown", async (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (await save(li, "approve")) {
          const next = nextUnreviewed(li);
          if (next) next.querySelector(".tr").focus();
        }
      }
    });
    li.querySelector(".save").addEventListener("click", () => save(li, "save"));
    li.querySelector(".approve").addEventListener("click", () => save(li, "approve"));
    li.querySelector(".revert").addEventListener("click", () => revert(li));
    const box = li.querySelector(".conflict");
    box.querySelector(".keep-mine").addEventListener("click",
      () => save(li, box.dataset.action, box.dataset.version));
    box.querySelector(".take-theirs").addEventListener("click", () => {
      updateRow(li, JSON.parse(box.dataset.theirs));
      status(li, "");
    });
    renderFindings(li, JSON.parse(li.dataset.findings));
  }
  // Closing the tab with typed but unsaved text: the browser asks first.
  window.addEventListener("beforeunload", (event) => {
    const unsaved = Array.from(list.children).some(
      (li) => li.querySelector(".tr").value !== li.dataset.text);
    if (unsaved) event.preventDefault();
  });
  const first = nextUnreviewed(list.lastElementChild) || list.firstElementChild;
  if (first) select(first);
})();
