// The side panel: the outreach tool (sample contacts into a sequence, then email events and
// replies, posted signed to the app's /outreach/events) and each CRM emulator's demo
// credentials, records and latest calls.

import { el } from "./dom.js";

function answerLine(answer) {
  if (!answer) return "";
  const rejected = (answer.rejected ?? []).map((r) => `#${r.index}: ${r.error}`).join("; ");
  return `HTTP ${answer.status}: ${answer.accepted ?? 0} accepted, ${answer.duplicates ?? 0} duplicates`
    + (rejected ? `, rejected ${rejected}` : "");
}

// --- the outreach tool ---------------------------------------------------------------------

let lastAnswer = null;
// What the person chose, kept when the panel is drawn again: drawing must not undo a choice.
const chosen = { sequence: null, unchecked: new Set(), events: new Map() };

// `current()` says whether this drawing is still wanted once the answer is in.
export async function outreachPanel(panel, me, post, current) {
  const state = await (await fetch(`/console/outreach?user=${encodeURIComponent(me)}`)).json();
  if (!current()) return;
  const redraw = () => outreachPanel(panel, me, post, current);
  const name = el("input", {
    id: "sequence-name",
    value: chosen.sequence ?? state.sequences.at(-1)?.name ?? "Senior Backend Q4",
    oninput: (event) => { chosen.sequence = event.target.value; },
  });
  const samples = state.samples.map((c) => el("label", { class: "sample" }, [
    el("input", {
      type: "checkbox",
      value: c.email,
      checked: !chosen.unchecked.has(c.email),
      onchange: (event) => chosen.unchecked[event.target.checked ? "delete" : "add"](c.email),
    }),
    el("span", {}, [
      el("strong", {}, `${c.first_name} ${c.last_name}`), ` · ${c.title}, ${c.company}`,
      el("small", {}, c.email + (c.email === "jane@example.com" ? " (already in every CRM)" : "")),
    ]),
  ]));
  const add = el("button", {
    type: "button",
    class: "bk-button primary",
    onclick: async () => {
      const emails = samples.map((s) => s.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      lastAnswer = await post("/console/outreach/add", { sequence: name.value, emails });
      await redraw();
    },
  }, "Add to sequence");
  panel.dataset.crm = "";
  panel.replaceChildren(
    el("h2", {}, "Outreach tool"),
    el("p", { class: "muted" }, "Plays the email tool: posts signed events to the app's /outreach/events, as the sequence owner (you)."),
    el("label", { class: "field", for: "sequence-name" }, "Sequence"),
    name,
    el("fieldset", { class: "samples" }, [el("legend", {}, "Sample contacts"), ...samples]),
    add,
    el("p", { class: "answer", role: "status" }, answerLine(lastAnswer)),
    ...state.sequences.map((sequence) => sequenceTable(sequence, state.events, post, redraw)),
  );
}

function sequenceTable(sequence, events, post, redraw) {
  const rows = sequence.contacts.map((contact) => {
    const key = `${sequence.id}/${contact.email}`;
    const choice = el("select", {
      "aria-label": `Event for ${contact.email}`,
      onchange: (event) => chosen.events.set(key, event.target.value),
    }, events.map((label) => el("option", { value: label, selected: chosen.events.get(key) === label }, label)));
    return el("tr", {}, [
      el("td", {}, [
        el("strong", {}, `${contact.first_name} ${contact.last_name}`),
        el("small", {}, contact.email),
        el("small", {}, `last: ${contact.last_event}`),
      ]),
      el("td", { class: "send" }, [choice, el("button", {
        type: "button",
        class: "bk-button",
        "aria-label": `Send for ${contact.email}`,
        onclick: async () => {
          lastAnswer = await post("/console/outreach/send", {
            sequence_id: sequence.id, email: contact.email, event: choice.value,
          });
          await redraw();
        },
      }, "Send")]),
    ]);
  });
  return el("section", { class: "sequence" }, [
    el("h3", {}, sequence.name),
    el("small", { class: "muted" }, `id ${sequence.id}`),
    el("table", {}, el("tbody", {}, rows)),
  ]);
}

// --- a CRM emulator ------------------------------------------------------------------------

// A record as a few lines: its names, emails, stages, notes... first, then the rest, without
// the nested ids and flags that only a program reads.
const SALIENT = /name|title|email|status|stage|content|subject|job|description|body|note|tag/i;
const NOISE = /(^|\.)(\w*Id|id|isPrimary|orderIn\w*|type|createdAt|updatedAt)$|\]\.type$/;
const FIELDS_SHOWN = 9;

function leaves(value, path = "", out = []) {
  if (value === null || value === undefined || value === "" || value === false) return out;
  if (Array.isArray(value) && value.every((item) => item && typeof item === "object" && "value" in item)) {
    if (value.length) out.push([path, value.map((item) => item.value).join(", ")]);
  } else if (Array.isArray(value)) {
    value.slice(0, 3).forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  } else if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) leaves(item, path ? `${path}.${key}` : key, out);
  } else {
    out.push([path, String(value)]);
  }
  return out;
}

function recordCard(record) {
  const all = leaves(record).filter(([key]) => key === "id" || !NOISE.test(key));
  const shown = [...all.filter(([k]) => SALIENT.test(k)), ...all.filter(([k]) => !SALIENT.test(k))]
    .slice(0, FIELDS_SHOWN);
  return el("li", { class: "record", title: JSON.stringify(record, null, 2) },
    el("dl", {}, shown.flatMap(([key, value]) => [
      el("dt", {}, key),
      el("dd", {}, value.length > 90 ? `${value.slice(0, 90)}…` : value),
    ])));
}

function credentials(crm) {
  return el("dl", { class: "credentials" }, Object.entries(crm.credentials).flatMap(([label, value]) => [
    el("dt", {}, label),
    el("dd", {}, [
      el("code", { "data-credential": label }, value),
      el("button", {
        type: "button", class: "copy", "aria-label": `Copy ${label}`,
        onclick: () => navigator.clipboard?.writeText(value),
      }, "Copy"),
    ]),
  ]));
}

let drawnCrm = null;

export async function crmPanel(panel, crm, open, current) {
  const response = await fetch(`/console/crms/${crm.kind}`);
  if (!response.ok) return;
  const text = await response.text();
  if (!current()) return;
  if (text === drawnCrm && panel.dataset.crm === crm.kind) return;
  drawnCrm = text;
  panel.dataset.crm = crm.kind;
  const data = JSON.parse(text);
  const collections = Object.entries(data.records).filter(([, rows]) => Array.isArray(rows));
  const sections = collections.map(([name, rows]) => {
    const details = el("details", { open: rows.length && (open.has(name) || !open.has(`-${name}`)) }, [
      el("summary", {}, `${name} (${rows.length})`),
      el("ul", { class: "records" }, [...rows].reverse().map(recordCard)),
    ]);
    details.addEventListener("toggle", () => {
      open.delete(details.open ? `-${name}` : name);
      open.add(details.open ? name : `-${name}`);
    });
    return details;
  });
  const calls = data.calls.map((call) => el("li", { class: call.status >= 400 || !call.status ? "failed" : "" },
    `${call.method} ${call.route} → ${call.status || call.fault || "no answer"}`));
  panel.replaceChildren(
    el("h2", {}, `${data.name} emulator`),
    el("p", { class: "muted" }, data.origin),
    el("h3", {}, "Connect with"),
    credentials(data),
    el("h3", {}, "Records (newest first)"),
    ...sections,
    el("h3", {}, `Calls from the app (${data.call_count})`),
    el("ol", { class: "calls" }, calls.length ? calls : el("li", { class: "muted" }, "None yet")),
  );
}
