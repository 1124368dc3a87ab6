// Modals on the staff page, drawn as Slack draws them: the one the Slack
// handler opened (views.open) or redrew (views.update, or a submission's
// response_action update) for this department's staff member. A change of
// a select that dispatches actions is sent as block_actions, Submit as a
// view_submission; the server signs both and applies the answer. Like
// Slack, a redraw keeps what was typed or chosen in an input whose
// block_id is unchanged, and shows an input's initial value otherwise.
// Loaded after staff.js, whose api(), dept(), status() and refresh() it uses.
"use strict";

let modal = null;       // the modal drawn: {id, hash, blocks, …}
let modalErrors = {};   // block id → error shown under that input

function modalInputs() {
  return modal ? modal.blocks.filter((b) => b.kind === "input") : [];
}

// modalValues reads what the person entered, by block id.
function modalValues() {
  const out = {};
  for (const b of modalInputs()) {
    const el = document.querySelector('#modal [data-block="' + CSS.escape(b.blockId) + '"]');
    if (!el) continue;
    if (b.element.type === "radio_buttons") {
      const on = el.querySelector("input:checked");
      out[b.blockId] = on ? on.value : "";
    } else {
      out[b.blockId] = el.value;
    }
  }
  return out;
}

function drawModalErrors() {
  for (const e of document.querySelectorAll("#modal .field-error")) {
    const id = e.dataset.for;
    e.textContent = modalErrors[id] || "";
    e.hidden = !modalErrors[id];
  }
}

function drawElement(b, value) {
  const el = b.element;
  let x;
  switch (el.type) {
    case "static_select": {
      x = document.createElement("select");
      const ph = document.createElement("option");
      ph.value = "";
      ph.textContent = el.placeholder || "Choose…";
      x.appendChild(ph);
      for (const o of el.options || []) {
        const opt = document.createElement("option");
        opt.value = o.value;
        opt.textContent = o.text;
        x.appendChild(opt);
      }
      x.value = (el.options || []).some((o) => o.value === value) ? value : "";
      if (b.dispatch) x.addEventListener("change", () => modalAction(b.blockId));
      break;
    }
    case "radio_buttons": {
      x = document.createElement("div");
      x.className = "radios";
      for (const o of el.options || []) {
        const l = document.createElement("label");
        const r = document.createElement("input");
        r.type = "radio";
        r.name = "radio-" + b.blockId;
        r.value = o.value;
        r.checked = o.value === value;
        if (b.dispatch) r.addEventListener("change", () => modalAction(b.blockId));
        l.appendChild(r);
        l.appendChild(document.createTextNode(" " + o.text));
        x.appendChild(l);
      }
      break;
    }
    case "datepicker": {
      x = document.createElement("input");
      x.type = "date";
      x.value = value || "";
      if (b.dispatch) x.addEventListener("change", () => modalAction(b.blockId));
      break;
    }
    default: { // plain_text_input
      x = document.createElement(el.multiline ? "textarea" : "input");
      if (!el.multiline) x.type = "text";
      x.value = value || "";
      if (el.placeholder) x.placeholder = el.placeholder;
      if (el.maxLength) x.maxLength = el.maxLength;
    }
  }
  x.dataset.block = b.blockId;
  x.dataset.action = el.actionId;
  x.dataset.type = el.type;
  return x;
}

function drawModal(m, kept) {
  const root = $("modal-root");
  modal = m;
  if (!m) {
    root.replaceChildren();
    return;
  }
  const box = document.createElement("div");
  box.className = "modal";
  box.id = "modal";
  box.dataset.viewId = m.id;
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  const head = document.createElement("header");
  const h = document.createElement("h2");
  h.textContent = m.title;
  const x = document.createElement("button");
  x.type = "button";
  x.className = "modal-x";
  x.setAttribute("aria-label", "Close");
  x.textContent = "✕";
  x.addEventListener("click", closeModal);
  head.append(h, x);
  const body = document.createElement("div");
  body.className = "modal-body";
  for (const b of m.blocks) {
    if (b.kind !== "input") {
      drawBlocks(body, [b], null);
      continue;
    }
    const f = document.createElement("div");
    f.className = "field";
    const l = document.createElement("label");
    l.className = "field-label";
    l.textContent = b.label + (b.optional ? " (optional)" : "");
    const value = Object.prototype.hasOwnProperty.call(kept, b.blockId) ? kept[b.blockId] : (b.element.initial || "");
    const el = drawElement(b, value);
    f.append(l, el);
    if (b.hint) {
      const hint = document.createElement("div");
      hint.className = "field-hint";
      hint.textContent = b.hint;
      f.appendChild(hint);
    }
    const err = document.createElement("div");
    err.className = "field-error";
    err.dataset.for = b.blockId;
    err.hidden = true;
    f.appendChild(err);
    body.appendChild(f);
  }
  const foot = document.createElement("footer");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "sbtn";
  close.id = "modal-close";
  close.textContent = m.close || "Cancel";
  close.addEventListener("click", closeModal);
  foot.appendChild(close);
  if (m.submit) {
    const submit = document.createElement("button");
    submit.type = "button";
    submit.className = "sbtn primary";
    submit.id = "modal-submit";
    submit.textContent = m.submit;
    submit.addEventListener("click", submitModal);
    foot.appendChild(submit);
  }
  box.append(head, body, foot);
  const overlay = document.createElement("div");
  overlay.className = "modal-overlay";
  overlay.appendChild(box);
  root.replaceChildren(overlay);
  drawModalErrors();
}

async function refreshModal() {
  const d = dept();
  if (!d) return;
  let data;
  try {
    data = await api("staff/modal?dept=" + encodeURIComponent(d.code));
  } catch (e) { return; /* the server is restarting */ }
  const m = data.modal;
  if ((m ? m.id + " " + m.hash : "") === (modal ? modal.id + " " + modal.hash : "")) return;
  // The same modal redrawn keeps what was entered; another starts afresh.
  const kept = m && modal && m.id === modal.id ? modalValues() : {};
  const ids = new Set(m ? m.blocks.map((b) => b.blockId) : []);
  for (const k of Object.keys(kept)) if (!ids.has(k)) delete kept[k];
  modalErrors = {};
  drawModal(m, kept);
}

async function modalAction(blockId) {
  try {
    await api("staff/view/action", { dept: dept().code, viewId: modal.id, values: modalValues(), blockId });
  } catch (e) { status(e.message); }
  await refreshModal();
}

async function submitModal() {
  const values = modalValues();
  // Slack's client refuses a submission with a required input empty.
  const missing = {};
  for (const b of modalInputs()) {
    if (!b.optional && !values[b.blockId]) missing[b.blockId] = "Please complete this required field.";
  }
  if (Object.keys(missing).length) {
    modalErrors = missing;
    drawModalErrors();
    return;
  }
  const btn = $("modal-submit");
  if (btn) btn.disabled = true;
  try {
    const res = await api("staff/view/submit", { dept: dept().code, viewId: modal.id, values });
    modalErrors = res.errors || {};
    drawModalErrors();
  } catch (e) { status(e.message); }
  if (btn) btn.disabled = false;
  await refreshModal();
  refresh();
}

async function closeModal() {
  if (!modal) return;
  try {
    await api("staff/view/close", { dept: dept().code, viewId: modal.id });
  } catch (e) { status(e.message); }
  await refreshModal();
}

async function openShortcut(callbackId) {
  try {
    await api("staff/shortcut", { dept: dept().code, callbackId });
  } catch (e) { status(e.message); }
  await refreshModal();
  refresh();
}

// The feed's refresh also looks for a modal, so that one opened by a
// button press shows at once.
const feedRefresh = refresh;
refresh = async function () {
  await feedRefresh();
  await refreshModal();
};

for (const b of document.querySelectorAll("[data-shortcut]")) {
  b.addEventListener("click", () => openShortcut(b.dataset.shortcut));
}

// staff.js may have started its timer before this script ran.
setInterval(refreshModal, 1000);
