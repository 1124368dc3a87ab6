// The citizen's side of the sandbox: one fake Telegram user per browser tab,
// talking to the real bot through the fake Bot API. The page long-polls the
// chat and redraws it; every tap and message goes to /sandbox/api/….
"use strict";

const UI = {
  el: {
    welcome: "Κλείστε ραντεβού με τις υπηρεσίες του Δήμου, χωρίς ουρά.",
    start: "Έναρξη",
    placeholder: "Μήνυμα",
    staff: "Τι βλέπει το προσωπικό (Slack) →",
    edited: "επεξεργασμένο",
    subtitle: "ραντεβού · bot",
    stale: "Αυτό το κουμπί δεν ισχύει πια",
  },
  en: {
    welcome: "Book an appointment with the City's offices, no queueing.",
    start: "Start",
    placeholder: "Message",
    staff: "What staff see (Slack) →",
    edited: "edited",
    subtitle: "appointments · bot",
    stale: "That button is no longer shown",
  },
};

function userID() {
  let id = sessionStorage.getItem("rantevou.user");
  if (!/^[1-9][0-9]{0,15}$/.test(id || "")) {
    // 10 digits: looks like a Telegram user ID, stays below 2^53.
    id = String(1000000000 + Math.floor(Math.random() * 8999999999));
    sessionStorage.setItem("rantevou.user", id);
  }
  return id;
}

// Icons are inline SVG: emoji fonts are missing on many Linux machines.
const ICON_PERSON = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-3.3 0-9 1.7-9 5v2h18v-2c0-3.3-5.7-5-9-5z"/></svg>';
const ICON_CALENDAR = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M7 2h2v2h6V2h2v2h2a2 2 0 0 1 2 2v13a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2zm12 7H5v10h14zM7 11h4v4H7z"/></svg>';

const user = userID();
// The number the share-contact key sends (samplePhone in chat.go), shown
// so that a clerk on the staff page can book for it by phone.
const phone = "69" + String(Number(user) % 100000000).padStart(8, "0");
let lang = sessionStorage.getItem("rantevou.lang") ||
  ((navigator.language || "el").toLowerCase().startsWith("el") ? "el" : "en");
let version = 0;
let lastCount = 0;
const $ = (id) => document.getElementById(id);

async function post(path, body) {
  const r = await fetch("/sandbox/api/" + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.assign({ user }, body)),
  });
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
}

function applyLanguage() {
  const t = UI[lang];
  document.documentElement.lang = lang;
  $("lang-el").classList.toggle("active", lang === "el");
  $("lang-en").classList.toggle("active", lang === "en");
  $("welcome-text").textContent = t.welcome;
  $("start").textContent = t.start;
  $("text").placeholder = t.placeholder;
  $("staff-link").textContent = t.staff;
  $("subtitle").textContent = t.subtitle + " · ☎ " + phone;
  if (window.officeName) {
    $("office").textContent = window.officeName[lang] || window.officeName.el;
    document.title = $("office").textContent + " · " + t.subtitle;
  }
}

async function setLanguage(l) {
  lang = l;
  sessionStorage.setItem("rantevou.lang", l);
  applyLanguage();
  await post("language", { lang: l });
}

let toastTimer;
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 2500);
}

function keyButton(msgID, k) {
  if (k.url) {
    const a = document.createElement("a");
    a.className = "key";
    a.href = k.url;
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = k.text + " ↗";
    return a;
  }
  const b = document.createElement("button");
  b.type = "button";
  b.className = "key";
  b.textContent = k.text;
  b.dataset.message = msgID;
  b.dataset.data = k.data;
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await post("press", { message: msgID, data: k.data });
    } catch (e) {
      toast(UI[lang].stale);
      b.disabled = false;
    }
  });
  return b;
}

function sizeText(n) {
  return n < 1024 ? n + " B" : (n / 1024).toFixed(1) + " KB";
}

function drawMessage(m) {
  const wrap = document.createElement("div");
  wrap.className = "msg " + (m.fromBot ? "bot" : "me");
  wrap.dataset.id = m.id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const body = document.createElement("div");
  body.className = "body";
  if (m.contact) {
    body.innerHTML = '<div class="contact-card"><span class="icon">' + ICON_PERSON + '</span><span></span></div>';
    body.querySelector("span:last-child").textContent = m.contact;
  } else if (m.venue) {
    const a = document.createElement("a");
    a.className = "doc venue";
    a.href = m.venue.url;
    a.target = "_blank";
    a.rel = "noopener";
    a.innerHTML = '<span class="icon">📍</span><span><div class="name"></div><div class="size"></div></span>';
    a.querySelector(".name").textContent = m.venue.title;
    a.querySelector(".size").textContent = m.venue.address;
    body.appendChild(a);
  } else if (m.document) {
    const a = document.createElement("a");
    a.className = "doc";
    a.href = "/sandbox/api/document?user=" + user + "&message=" + m.id;
    a.innerHTML = '<span class="icon">' + ICON_CALENDAR + '</span><span><div class="name"></div><div class="size"></div></span>';
    a.querySelector(".name").textContent = m.document.name;
    a.querySelector(".size").textContent = sizeText(m.document.size);
    body.appendChild(a);
    if (m.html) {
      const cap = document.createElement("div");
      cap.className = "caption";
      cap.innerHTML = m.html; // sanitized by the server (telegramHTML)
      body.appendChild(cap);
    }
  } else {
    body.innerHTML = m.html; // sanitized by the server (telegramHTML)
  }
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = (m.edited ? UI[lang].edited + " " : "") + m.time;
  body.appendChild(meta);
  bubble.appendChild(body);
  wrap.appendChild(bubble);
  if (m.buttons && m.buttons.length) {
    const keys = document.createElement("div");
    keys.className = "keys";
    for (const row of m.buttons) {
      const r = document.createElement("div");
      r.className = "row";
      for (const k of row) r.appendChild(keyButton(m.id, k));
      keys.appendChild(r);
    }
    wrap.appendChild(keys);
  }
  return wrap;
}

function drawReplyKeys(rows) {
  const box = $("replykeys");
  box.replaceChildren();
  box.hidden = !rows.length;
  for (const row of rows) {
    const r = document.createElement("div");
    r.className = "row";
    for (const k of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "replykey" + (k.contact ? " contact" : "");
      b.id = k.contact ? "share-contact" : "";
      b.textContent = k.text;
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          if (k.contact) await post("contact", {});
          else await post("send", { text: k.text });
        } finally { b.disabled = false; }
      });
      r.appendChild(b);
    }
    box.appendChild(r);
  }
}

const drawn = new Map(); // message id → JSON of what was drawn, to flash edits

function draw(view) {
  const chat = $("chat");
  const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  const list = $("messages");
  const seen = new Set();
  const nodes = [];
  for (const m of view.messages) {
    const key = JSON.stringify(m);
    const old = list.querySelector('.msg[data-id="' + m.id + '"]');
    seen.add(String(m.id));
    if (old && drawn.get(m.id) === key) {
      nodes.push(old);
      continue;
    }
    const node = drawMessage(m);
    if (old) {
      // Show an edit in place; drop the class when done, or re-inserting
      // the node on the next redraw would replay the animation.
      const b = node.querySelector(".bubble");
      b.classList.add("flash");
      b.addEventListener("animationend", () => b.classList.remove("flash"), { once: true });
    }
    drawn.set(m.id, key);
    nodes.push(node);
  }
  list.replaceChildren(...nodes);
  for (const id of drawn.keys()) if (!seen.has(String(id))) drawn.delete(id);
  $("welcome").hidden = view.messages.length > 0;
  drawReplyKeys(view.keyboard || []);
  for (const t of view.toasts || []) toast(t);
  if (atBottom || view.messages.length !== lastCount) chat.scrollTop = chat.scrollHeight;
  lastCount = view.messages.length;
  document.body.dataset.version = view.version;
}

async function poll() {
  for (;;) {
    try {
      const r = await fetch("/sandbox/api/chat?user=" + user + "&after=" + version);
      if (!r.ok) throw new Error(r.statusText);
      const view = await r.json();
      version = view.version;
      draw(view);
    } catch (e) {
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}

async function init() {
  try {
    const info = await (await fetch("/sandbox/api/info")).json();
    window.officeName = info.office;
  } catch (e) { /* keep the built-in name */ }
  applyLanguage();
  $("lang-el").addEventListener("click", () => setLanguage("el"));
  $("lang-en").addEventListener("click", () => setLanguage("en"));
  $("start").addEventListener("click", () => setLanguage(lang));
  $("form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    try { await post("send", { text }); } catch (e) { toast(e.message); }
  });
  poll();
}

init();
