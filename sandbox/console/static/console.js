// The console page: draws what the workspace holds for the person playing (channels, their
// ephemeral replies, their DM and App Home with the app, their modals) from /console/state,
// redraws when /console/events says something changed, and turns clicks into the console's
// POST routes, which send the app the signed requests Slack would send.

import { inputKey, renderBlocks } from "./blockkit.js";
import { mrkdwn, plainText } from "./mrkdwn.js";
import { outreachPanel, crmPanel } from "./tools.js";
import { el } from "./dom.js";

const $ = (selector) => document.querySelector(selector);

// A view's input values as the person left them, kept across redraws and views.update
// (Slack keeps an input's value while its block_id and action_id stay the same).
class Drafts {
  constructor() { this.values = new Map(); this.keys = new Map(); }
  has(id) { return this.values.has(id); }
  get(id) { return this.values.get(id); }
  set(id, key, value) { this.values.set(id, value); this.keys.set(id, key); }
  answers(view) {
    const present = new Set(view.blocks
      .filter((b) => b.type === "input")
      .map((b) => `${inputKey(b)}/${b.element?.action_id ?? ""}`));
    const out = {};
    for (const [id, value] of this.values) if (present.has(id)) out[this.keys.get(id)] = value;
    return out;
  }
}

const ui = {
  me: "U0001",
  where: { kind: "channel", id: "C0001" },
  page: null,
  drafts: new Map(), // view id -> Drafts
  drawn: { modal: null, home: null, messages: null },
  seen: {}, // channel -> messages seen, for the unread badges
  tool: "outreach",
};

// --- talking to the console's backend ------------------------------------------------------

function toast(text, kind = "error") {
  const node = el("div", { class: `toast ${kind}` }, text);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), 7000);
}

export async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: ui.me, ...body }),
  });
  const answer = await response.json().catch(() => ({ ok: false, error: response.statusText }));
  if (answer.ok === false && answer.error) toast(`The app did not take that: ${answer.error}`);
  if (answer.slow) toast("The app took longer than the 3 seconds Slack waits for an answer", "warning");
  if (response.status === 409) await refresh();
  return answer;
}

async function refresh() {
  const response = await fetch(`/console/state?user=${encodeURIComponent(ui.me)}`);
  ui.page = await response.json();
  draw();
}

function listen() {
  const events = new EventSource("/console/events");
  events.onmessage = () => refresh();
}

// --- names ---------------------------------------------------------------------------------

function names() {
  const page = ui.page;
  return {
    user: (id) => (id === page.app.user_id ? page.app.name
      : page.people.find((p) => p.id === id)?.real_name ?? null),
    channel: (id) => page.channels.find((c) => c.id === id)?.name ?? null,
  };
}

function context(surface, drafts = null, errors = {}) {
  return {
    surface,
    names: names(),
    people: ui.page.people,
    channels: ui.page.channels,
    drafts,
    errors,
    act: (spec, value) => post("/console/action", {
      surface: { ...spec, ...surface },
      value,
      answers: drafts && surface.view_id ? drafts.answers(viewById(surface.view_id)) : {},
    }),
    suggest: async (spec, query) => {
      const answer = await post("/console/options", { surface: { ...spec, ...surface }, query });
      return answer.answer;
    },
  };
}

function viewById(id) {
  const page = ui.page;
  if (page.home?.id === id) return page.home;
  return page.modal.stack.find((v) => v.id === id);
}

function draftsFor(viewId) {
  if (!ui.drafts.has(viewId)) ui.drafts.set(viewId, new Drafts());
  return ui.drafts.get(viewId);
}

// --- the sidebar ---------------------------------------------------------------------------

function drawSidebar() {
  const page = ui.page;
  $("#team-name").textContent = page.team;
  const conversations = page.conversations;
  const here = ui.where.kind === "channel" ? ui.where.id : page.dm;
  const channels = page.channels.map((channel) => {
    const count = (conversations[channel.id] ?? []).length;
    const unread = channel.id === here ? 0 : count - (ui.seen[channel.id] ?? 0);
    return el("li", {}, el("button", {
      class: `nav-item${ui.where.kind === "channel" && ui.where.id === channel.id ? " active" : ""}`,
      "data-channel": channel.id,
      onclick: () => go({ kind: "channel", id: channel.id }),
    }, [el("span", {}, [channel.private ? el("span", { class: "lock", "aria-hidden": "true" }) : "# ", channel.name]),
      unread > 0 ? el("span", { class: "badge", "aria-label": `${unread} new` }, String(unread)) : null]));
  });
  $("#channel-list").replaceChildren(...channels);
  const dmCount = (conversations[page.dm] ?? []).length;
  const dmUnread = ui.where.kind === "app" ? 0 : dmCount - (ui.seen[page.dm] ?? 0);
  $("#app-list").replaceChildren(el("li", {}, el("button", {
    class: `nav-item${ui.where.kind === "app" ? " active" : ""}`,
    onclick: () => go({ kind: "app", tab: "home" }),
  }, [page.app.name,
    dmUnread > 0 ? el("span", { class: "badge", "aria-label": `${dmUnread} new` }, String(dmUnread)) : null])));
  const me = $("#me");
  if (!me.options.length) {
    for (const person of page.people) {
      me.append(el("option", { value: person.id },
        `${person.real_name} (${person.owner ? "owner" : "member"})`));
    }
    me.addEventListener("change", () => switchPerson(me.value));
  }
  me.value = ui.me;
}

function switchPerson(id) {
  ui.me = id;
  ui.drafts.clear();
  ui.seen = {};
  ui.drawn = { modal: null, home: null, messages: null };
  refresh().then(drawTools);
  if (ui.where.kind === "app" && ui.where.tab === "home") post("/console/home", {});
}

function go(where) {
  ui.where = where;
  ui.drawn.messages = null;
  ui.drawn.home = null;
  if (where.kind === "app" && where.tab === "home") post("/console/home", {});
  draw();
  $("#composer-input").focus();
}

// --- the conversation ----------------------------------------------------------------------

function initials(name) {
  return name.split(/\s+/).map((word) => word[0]).join("").slice(0, 2).toUpperCase();
}

function timeOf(ts) {
  return new Date(parseFloat(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageNode(message, channel) {
  const page = ui.page;
  const fromApp = Boolean(message.bot_id) && !message.author;
  const author = message.author ?? (fromApp ? page.app.name : names().user(message.user) ?? message.user);
  const body = message.blocks?.length
    ? renderBlocks(message.blocks, context({ channel, ts: message.ts }))
    : el("div", { class: "bk-text-block" }, mrkdwn(message.text ?? "", names()));
  return el("li", { class: `message${message.ephemeral ? " ephemeral" : ""}`, "data-ts": message.ts }, [
    el("div", { class: `avatar${fromApp ? " app" : ""}`, "aria-hidden": "true" }, initials(author)),
    el("div", { class: "message-body" }, [
      el("div", { class: "message-meta" }, [
        el("strong", {}, author),
        fromApp ? el("span", { class: "app-badge" }, "APP") : null,
        el("time", {}, timeOf(message.ts)),
      ]),
      body,
      message.ephemeral ? el("div", { class: "ephemeral-note" }, "Only visible to you") : null,
    ]),
  ]);
}

function drawMessages(channel) {
  const messages = ui.page.conversations[channel] ?? [];
  ui.seen[channel] = messages.length;
  const key = `${ui.me}:${channel}:${JSON.stringify(messages.map((m) => [m.ts, m.text, m.blocks]))}`;
  if (key === ui.drawn.messages) return;
  ui.drawn.messages = key;
  const list = $("#messages");
  if (!messages.length) {
    list.replaceChildren(el("li", { class: "empty" }, "No messages yet. Type /crm help below."));
  } else {
    list.replaceChildren(...messages.map((m) => messageNode(m, channel)));
  }
  list.scrollTop = list.scrollHeight;
}

function drawHome() {
  const home = ui.page.home;
  const key = home ? `${ui.me}:${home.id}:${home.hash}` : `${ui.me}:none`;
  if (key === ui.drawn.home) return;
  ui.drawn.home = key;
  const node = $("#home");
  if (!home) {
    node.replaceChildren(el("p", { class: "empty" }, "Loading the app's Home…"));
    return;
  }
  node.replaceChildren(renderBlocks(home.blocks, context({ view_id: home.id }, draftsFor(home.id))));
}

function drawConversation() {
  const page = ui.page;
  const inApp = ui.where.kind === "app";
  const home = inApp && ui.where.tab === "home";
  const channel = inApp ? page.dm : ui.where.id;
  const channelInfo = page.channels.find((c) => c.id === channel);
  $("#conversation-title").textContent = inApp ? page.app.name
    : `${channelInfo?.private ? "" : "# "}${channelInfo?.name ?? channel}`;
  $("#app-tabs").hidden = !inApp;
  for (const tab of document.querySelectorAll("[data-app-tab]")) {
    tab.setAttribute("aria-selected", String(inApp && ui.where.tab === tab.dataset.appTab));
  }
  $("#home").hidden = !home;
  $("#messages").hidden = home;
  $("#composer").hidden = inApp;
  $("#composer-off").hidden = !inApp || home;
  $("#composer-input").placeholder = `Message #${channelInfo?.name ?? ""}`;
  if (home) drawHome();
  else drawMessages(channel);
}

// --- modals --------------------------------------------------------------------------------

function drawModal() {
  const { stack, errors: allErrors } = ui.page.modal;
  const layer = $("#modal-layer");
  if (!stack.length) {
    layer.hidden = true;
    layer.replaceChildren();
    ui.drawn.modal = null;
    return;
  }
  const view = stack.at(-1);
  const errors = allErrors[view.id] ?? {};
  const key = `${ui.me}:${view.id}:${view.hash}:${stack.length}:${JSON.stringify(errors)}`;
  if (key === ui.drawn.modal) return;
  ui.drawn.modal = key;
  for (const id of ui.drafts.keys()) {
    if (!stack.some((v) => v.id === id) && id !== ui.page.home?.id) ui.drafts.delete(id);
  }
  const drafts = draftsFor(view.id);
  const title = plainText(view.title);
  const submit = view.submit ? el("button", {
    type: "submit", class: "bk-button primary",
  }, plainText(view.submit)) : null;
  const form = el("form", {
    class: "modal",
    role: "dialog",
    "aria-modal": "true",
    "aria-label": title,
    onsubmit: async (event) => {
      event.preventDefault();
      if (submit) submit.disabled = true;
      await post("/console/submit", { view_id: view.id, answers: drafts.answers(view) });
      if (submit) submit.disabled = false;
    },
  }, [
    el("header", { class: "modal-head" }, [
      stack.length > 1 ? el("button", {
        type: "button", class: "icon", "aria-label": "Back",
        onclick: () => post("/console/close", { view_id: view.id }),
      }, "←") : null,
      el("h2", {}, title),
      el("button", {
        type: "button", class: "icon", "aria-label": "Close all",
        onclick: () => post("/console/close", { view_id: stack[0].id }),
      }, "✕"),
    ]),
    el("div", { class: "modal-body" }, renderBlocks(view.blocks, context({ view_id: view.id }, drafts, errors))),
    el("footer", { class: "modal-foot" }, [
      el("button", {
        type: "button", class: "bk-button",
        onclick: () => post("/console/close", { view_id: view.id }),
      }, plainText(view.close) || "Cancel"),
      submit,
    ]),
  ]);
  layer.replaceChildren(form);
  layer.hidden = false;
}

// --- the tools panel (outreach tool and the CRM emulators) ---------------------------------

let crms = [];
let crmTimer = null;
let toolShown = 0; // which drawing of the panel is current: a late answer must not draw

async function drawTools() {
  if (!crms.length) crms = await (await fetch("/console/crms")).json();
  const tabs = [{ id: "outreach", label: "Outreach tool" }, ...crms.map((c) => ({ id: c.kind, label: c.name }))];
  $("#tool-tabs").replaceChildren(...tabs.map((tab) => el("button", {
    role: "tab",
    "aria-selected": String(ui.tool === tab.id),
    onclick: () => { ui.tool = tab.id; drawTools(); },
  }, tab.label)));
  clearInterval(crmTimer);
  const shown = ++toolShown;
  const current = () => shown === toolShown;
  const panel = $("#tool-panel");
  if (ui.tool === "outreach") {
    await outreachPanel(panel, ui.me, post, current);
    return;
  }
  const crm = crms.find((c) => c.kind === ui.tool);
  const open = new Set();
  await crmPanel(panel, crm, open, current);
  crmTimer = setInterval(() => crmPanel(panel, crm, open, current), 1500);
}

// --- putting it together -------------------------------------------------------------------

function draw() {
  if (!ui.page) return;
  drawSidebar();
  drawConversation();
  drawModal();
}

function drawCommandHint() {
  const value = $("#composer-input").value;
  const hint = $("#command-hint");
  if (!value.startsWith("/") || value.includes(" ")) {
    hint.hidden = true;
    return;
  }
  const matches = Object.entries(ui.page.app.commands).filter(([command]) => command.startsWith(value));
  hint.replaceChildren(...matches.map(([command, usage]) =>
    el("div", {}, [el("strong", {}, command), " ", el("span", {}, usage)])));
  hint.hidden = !matches.length;
}

function wire() {
  $("#composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#composer-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    drawCommandHint();
    if (!text.startsWith("/")) {
      toast("The console sends slash commands only: try /crm help", "warning");
      return;
    }
    await post("/console/command", { channel: ui.where.id, text });
  });
  $("#composer-input").addEventListener("input", drawCommandHint);
  for (const tab of document.querySelectorAll("[data-app-tab]")) {
    tab.addEventListener("click", () => go({ kind: "app", tab: tab.dataset.appTab }));
  }
}

wire();
await refresh();
listen();
await drawTools();
