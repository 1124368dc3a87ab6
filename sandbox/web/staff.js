// The staff side of the sandbox: what the bot posted to each department's
// Slack channel, the replies to this page's slash commands and button
// presses, and a command box. Requests are signed by the server and served
// by the real Slack handler.
"use strict";

const $ = (id) => document.getElementById(id);
let info = { departments: [], command: "/rantevou", office: {} };
let current = sessionStorage.getItem("rantevou.dept") || "";
let lastJSON = "";

async function api(path, body) {
  const r = await fetch("/sandbox/api/" + path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

// status shows an error under the command box (never alert(): it would
// block the page).
function status(text) {
  $("cmd-hint").textContent = text;
  $("cmd-hint").classList.add("error");
}

function dept() {
  return info.departments.find((d) => d.code === current) || info.departments[0];
}

function drawBlocks(container, blocks, post) {
  for (const b of blocks) {
    const el = document.createElement("div");
    el.className = "block " + b.kind;
    if (b.html) {
      const t = document.createElement("div");
      t.innerHTML = b.html; // sanitized by the server (slackHTML)
      el.appendChild(t);
    }
    if (b.fields && b.fields.length) {
      const f = document.createElement("div");
      f.className = "fields";
      for (const h of b.fields) {
        const c = document.createElement("div");
        c.innerHTML = h; // sanitized by the server
        f.appendChild(c);
      }
      el.appendChild(f);
    }
    for (const btn of b.buttons || []) {
      const x = document.createElement("button");
      x.type = "button";
      x.className = "sbtn" + (btn.style ? " " + btn.style : "");
      x.textContent = btn.text;
      x.dataset.action = btn.actionId;
      x.dataset.value = btn.value;
      x.addEventListener("click", async () => {
        x.disabled = true;
        try {
          await api("staff/action", {
            dept: dept().code, channel: post ? post.channel : "", ts: post ? post.ts : "",
            blockId: btn.blockId, actionId: btn.actionId, value: btn.value, text: btn.text,
          });
        } catch (e) { status(e.message); }
        x.disabled = false;
        refresh();
      });
      el.appendChild(x);
    }
    container.appendChild(el);
  }
}

function drawPost(p, reply) {
  const el = document.createElement("div");
  el.className = "post" + (reply ? " reply" : "");
  el.innerHTML = '<div class="who"></div><div class="body"><div class="name"></div></div>';
  const body = el.querySelector(".body");
  const name = el.querySelector(".name");
  if (reply) {
    name.textContent = "rantevou";
    const s = document.createElement("small");
    s.textContent = (p.time || "") + " · " + (p.request || "");
    name.appendChild(s);
    if (!p.inChannel) {
      const e = document.createElement("div");
      e.className = "eph";
      e.textContent = "Only visible to you";
      body.appendChild(e);
    }
  } else {
    name.textContent = "rantevou";
    const s = document.createElement("small");
    s.textContent = p.edited ? "(edited)" : "";
    name.appendChild(s);
    if (p.ephemeral) {
      const e = document.createElement("div");
      e.className = "eph";
      e.textContent = "Only visible to you";
      body.appendChild(e);
    }
    if (p.channel === dept().staff) {
      const e = document.createElement("div");
      e.className = "dm";
      e.textContent = "Direct message to you";
      body.appendChild(e);
    }
  }
  if (p.blocks && p.blocks.length) {
    drawBlocks(body, p.blocks, reply ? null : p);
  } else {
    const t = document.createElement("div");
    t.className = "block";
    t.innerHTML = p.html; // sanitized by the server
    body.appendChild(t);
  }
  return el;
}

function draw(view) {
  const d = dept();
  if (!d) return;
  const nav = $("channels");
  nav.replaceChildren();
  for (const x of info.departments) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = x.code === d.code ? "active" : "";
    b.textContent = "# " + (x.name.el || x.code);
    const n = view.posts.filter((p) => p.channel === x.channel).length;
    if (n) {
      const c = document.createElement("span");
      c.className = "count";
      c.textContent = n;
      b.appendChild(c);
    }
    b.addEventListener("click", () => {
      current = x.code;
      sessionStorage.setItem("rantevou.dept", current);
      lastJSON = "";
      refresh();
    });
    nav.appendChild(b);
  }
  $("chan-name").textContent = "# " + (d.name.el || d.code);
  $("chan-id").textContent = d.channel + " · as " + d.staff;
  const feed = $("feed");
  feed.replaceChildren();
  // The channel, and the bot's direct messages to the staff member.
  const items = view.posts.filter((p) => p.channel === d.channel || p.channel === d.staff).map((p) => drawPost(p, false));
  for (const r of view.responses.filter((r) => r.dept === d.code)) items.push(drawPost(r, true));
  if (!items.length) {
    const e = document.createElement("div");
    e.className = "empty";
    e.textContent = "Nothing posted here yet. Book from the chat page, or try " + info.command + " roster.";
    items.push(e);
  }
  feed.replaceChildren(...items);
  feed.scrollTop = feed.scrollHeight;
}

async function refresh() {
  try {
    const view = await api("staff");
    const json = JSON.stringify(view);
    if (json !== lastJSON) {
      lastJSON = json;
      draw(view);
    }
  } catch (e) { /* the server is restarting; try again */ }
}

async function init() {
  info = await api("info");
  $("office").textContent = info.office.el || "";
  $("cmd-text").placeholder = info.command + " help";
  $("cmd-text").value = info.command + " ";
  $("cmd-hint").textContent = info.slackActive
    ? "Runs " + info.command + " as this department's staff member, signed like Slack does."
    : "The Slack handler is not wired in this run.";
  $("cmd-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("cmd-text").value;
    try {
      await api("staff/command", { dept: dept().code, text });
      $("cmd-text").value = info.command + " ";
    } catch (e) { status(e.message); }
    refresh();
  });
  await refresh();
  setInterval(refresh, 1500);
}

init();
