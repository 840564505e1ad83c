// Block Kit blocks and elements as DOM, working the way Slack's do: buttons and menus outside
// input blocks act at once (block_actions), inputs keep a draft until the modal is submitted
// (or act too with dispatch_action), external selects ask the app for their options.
//
// renderBlocks(blocks, ctx) with ctx = {
//   surface: {channel, ts} (a message) or {view_id} (a modal or App Home),
//   names: {user(id), channel(id)}, people: [...], channels: [...],
//   act(spec, value): a block_actions for the element at spec = {block, slot},
//   suggest(spec, query): Promise of the app's {options | option_groups},
//   drafts: {get(key), set(key, value)} for a view's inputs, or null in messages,
//   errors: {block_id: message} inline errors of the view,
// }

import { mrkdwn, plainText, textObject } from "./mrkdwn.js";
import { el } from "./dom.js";

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// The key a view's input is known by: its block_id, else its label (as the suite's fill()).
export function inputKey(block) {
  return block.block_id || block.label?.text;
}

function allOptions(element) {
  return [...(element.options ?? []), ...(element.option_groups ?? []).flatMap((g) => g.options)];
}

function optionNodes(element, selected) {
  const make = (option) =>
    el("option", { value: option.value, selected: selected.includes(option.value) }, plainText(option.text));
  if (element.option_groups) {
    return element.option_groups.map((group) =>
      el("optgroup", { label: plainText(group.label) }, group.options.map(make)));
  }
  return (element.options ?? []).map(make);
}

// --- elements ------------------------------------------------------------------------------

function button(element, ctx, spec) {
  const style = element.style ? ` ${element.style}` : "";
  return el("button", {
    type: "button",
    class: `bk-button${style}`,
    onclick: async () => {
      if (element.confirm && !window.confirm(plainText(element.confirm.text))) return;
      if (element.url) window.open(element.url, "_blank", "noopener");
      await ctx.act(spec, null);
    },
  }, plainText(element.text));
}

// Each input element: (element, ctx, spec, field) → node, where field = {id, initial,
// change(value)} and value is what the console's backend takes for that kind of element.

function textInput(element, ctx, spec, field) {
  const types = { email_text_input: "email", url_text_input: "url", number_input: "number" };
  const attrs = {
    id: field.id,
    class: "bk-text",
    placeholder: plainText(element.placeholder),
    value: field.initial ?? "",
    maxlength: element.max_length,
    oninput: (event) => field.change(event.target.value === "" ? null : event.target.value, false),
    onkeydown: (event) => {
      if (event.key === "Enter" && !element.multiline) {
        event.preventDefault();
        field.change(event.target.value === "" ? null : event.target.value, true);
      }
    },
  };
  if (element.multiline) return el("textarea", { ...attrs, rows: 3 }, field.initial ?? "");
  return el("input", { type: types[element.type] ?? "text", ...attrs });
}

function staticSelect(element, ctx, spec, field) {
  const multi = element.type.startsWith("multi_");
  const selected = [].concat(field.initial ?? []);
  const placeholder = multi ? [] : [el("option", { value: "" }, plainText(element.placeholder) || "Select…")];
  return el("select", {
    id: field.id,
    class: "bk-select",
    multiple: multi,
    onchange: (event) => {
      const values = [...event.target.selectedOptions].map((o) => o.value).filter(Boolean);
      field.change(multi ? values : values[0] ?? null, true);
    },
  }, [...placeholder, ...optionNodes(element, selected)]);
}

function choices(element, ctx, spec, field) {
  const multi = element.type === "checkboxes";
  const chosen = new Set([].concat(field.initial ?? []));
  const name = nextId("choice");
  const box = el("div", { class: "bk-choices", role: multi ? "group" : "radiogroup", id: field.id });
  for (const option of element.options ?? []) {
    const input = el("input", {
      type: multi ? "checkbox" : "radio",
      name,
      value: option.value,
      checked: chosen.has(option.value),
      onchange: () => {
        const picked = [...box.querySelectorAll("input:checked")].map((i) => i.value);
        field.change(multi ? picked : picked[0] ?? null, true);
      },
    });
    const description = option.description
      ? el("small", {}, textObject(option.description, ctx.names)) : null;
    box.append(el("label", { class: "bk-choice" }, [input, el("span", {}, [textObject(option.text, ctx.names), description])]));
  }
  return box;
}

function pickerChoices(element, ctx) {
  if (element.type.includes("users")) {
    return ctx.people.map((p) => ({ value: p.id, label: p.real_name }));
  }
  const include = element.filter?.include ?? ["public", "private", "im", "mpim"];
  const kinds = element.type.includes("channels") ? ["public"] : include;
  return ctx.channels
    .filter((c) => kinds.includes(c.private ? "private" : "public"))
    .map((c) => ({ value: c.id, label: `${c.private ? "(private) " : "#"}${c.name}` }));
}

function picker(element, ctx, spec, field) {
  const multi = element.type.startsWith("multi_");
  const selected = [].concat(field.initial ?? []);
  const options = pickerChoices(element, ctx).map((c) =>
    el("option", { value: c.value, selected: selected.includes(c.value) }, c.label));
  const placeholder = multi ? [] : [el("option", { value: "" }, plainText(element.placeholder) || "Select…")];
  return el("select", {
    id: field.id,
    class: "bk-select",
    multiple: multi,
    size: multi ? Math.min(options.length, 5) : undefined,
    onchange: (event) => {
      const values = [...event.target.selectedOptions].map((o) => o.value).filter(Boolean);
      field.change(multi ? values : values[0] ?? null, true);
    },
  }, [...placeholder, ...options]);
}

function externalSelect(element, ctx, spec, field) {
  const list = el("ul", { class: "bk-menu", role: "listbox", hidden: true });
  const input = el("input", {
    id: field.id,
    class: "bk-text",
    role: "combobox",
    placeholder: plainText(element.placeholder) || "Search…",
    value: field.initial ? plainText(field.initial.text) : "",
    "aria-expanded": "false",
  });
  let timer = null;
  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); };
  const load = async () => {
    if (input.value.length < (element.min_query_length ?? 3)) return close();
    const answer = await ctx.suggest(spec, input.value);
    const groups = answer?.option_groups ?? [{ options: answer?.options ?? [] }];
    list.replaceChildren();
    for (const group of groups) {
      if (group.label) list.append(el("li", { class: "bk-menu-group" }, plainText(group.label)));
      for (const option of group.options) {
        list.append(el("li", {
          role: "option",
          class: "bk-menu-option",
          onmousedown: (event) => {
            event.preventDefault();
            input.value = plainText(option.text);
            close();
            field.change(option, true);
          },
        }, plainText(option.text)));
      }
    }
    if (!list.children.length) list.append(el("li", { class: "bk-menu-empty" }, "No results"));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  input.addEventListener("focus", load);
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(load, 200); });
  input.addEventListener("blur", close);
  return el("div", { class: "bk-external" }, [input, list]);
}

function datePicker(element, ctx, spec, field) {
  return el("input", {
    id: field.id,
    class: "bk-text",
    type: element.type === "timepicker" ? "time" : "date",
    value: field.initial ?? "",
    onchange: (event) => field.change(event.target.value || null, true),
  });
}

const INPUTS = {
  plain_text_input: textInput,
  email_text_input: textInput,
  url_text_input: textInput,
  number_input: textInput,
  static_select: staticSelect,
  multi_static_select: staticSelect,
  radio_buttons: choices,
  checkboxes: choices,
  external_select: externalSelect,
  users_select: picker,
  multi_users_select: picker,
  conversations_select: picker,
  multi_conversations_select: picker,
  channels_select: picker,
  multi_channels_select: picker,
  datepicker: datePicker,
  timepicker: datePicker,
};

const INITIAL = {
  plain_text_input: (e) => e.initial_value,
  email_text_input: (e) => e.initial_value,
  url_text_input: (e) => e.initial_value,
  number_input: (e) => e.initial_value,
  static_select: (e) => e.initial_option?.value,
  multi_static_select: (e) => e.initial_options?.map((o) => o.value),
  radio_buttons: (e) => e.initial_option?.value,
  checkboxes: (e) => e.initial_options?.map((o) => o.value),
  external_select: (e) => e.initial_option,
  users_select: (e) => e.initial_user,
  multi_users_select: (e) => e.initial_users,
  conversations_select: (e) => e.initial_conversation,
  multi_conversations_select: (e) => e.initial_conversations,
  channels_select: (e) => e.initial_channel,
  multi_channels_select: (e) => e.initial_channels,
  datepicker: (e) => e.initial_date,
  timepicker: (e) => e.initial_time,
};

// An element used outside an input block: it acts on change.
function interactive(element, ctx, spec) {
  if (element.type === "button") return button(element, ctx, spec);
  if (element.type === "image") return image(element);
  if (element.type === "overflow") return overflow(element, ctx, spec);
  const make = INPUTS[element.type];
  if (!make) return unsupported(element.type);
  const field = {
    id: nextId("el"),
    initial: INITIAL[element.type]?.(element),
    change: (value, done) => { if (done) ctx.act(spec, value); },
  };
  return make(element, ctx, spec, field);
}

function overflow(element, ctx, spec) {
  return el("select", {
    class: "bk-overflow",
    "aria-label": "More actions",
    onchange: (event) => { if (event.target.value) ctx.act(spec, event.target.value); },
  }, [el("option", { value: "" }, "⋯"), ...optionNodes(element, [])]);
}

function image(element) {
  return el("img", { class: "bk-image", src: element.image_url, alt: element.alt_text });
}

function unsupported(type) {
  return el("span", { class: "bk-unsupported" }, `[${type}]`);
}

// --- blocks --------------------------------------------------------------------------------

function section(block, ctx, index) {
  const body = el("div", { class: "bk-section-body" });
  if (block.text) body.append(el("div", { class: "bk-text-block" }, textObject(block.text, ctx.names)));
  if (block.fields) {
    body.append(el("div", { class: "bk-fields" },
      block.fields.map((f) => el("div", { class: "bk-field" }, textObject(f, ctx.names)))));
  }
  const accessory = block.accessory
    ? el("div", { class: "bk-accessory" }, interactive(block.accessory, ctx, { block: index, slot: "accessory" }))
    : null;
  return el("div", { class: "bk-section" }, [body, accessory]);
}

function input(block, ctx, index) {
  const element = block.element;
  const key = inputKey(block);
  const draftKey = `${key}/${element.action_id ?? ""}`;
  const spec = { block: index, slot: "element" };
  const drafts = ctx.drafts;
  const field = {
    id: nextId("input"),
    initial: drafts?.has(draftKey) ? drafts.get(draftKey) : INITIAL[element.type]?.(element),
    change: (value, done) => {
      drafts?.set(draftKey, key, value);
      if (done && block.dispatch_action) ctx.act(spec, value);
    },
  };
  const make = INPUTS[element.type];
  const control = make ? make(element, ctx, spec, field) : unsupported(element.type);
  const optional = block.optional ? el("span", { class: "bk-optional" }, " (optional)") : null;
  const error = block.block_id && ctx.errors?.[block.block_id];
  return el("div", { class: `bk-input${error ? " has-error" : ""}` }, [
    el("label", { class: "bk-label", for: field.id }, [plainText(block.label), optional]),
    control,
    block.hint ? el("div", { class: "bk-hint" }, plainText(block.hint)) : null,
    error ? el("div", { class: "bk-error", role: "alert" }, error) : null,
  ]);
}

function actions(block, ctx, index) {
  return el("div", { class: "bk-actions" },
    block.elements.map((element, slot) => interactive(element, ctx, { block: index, slot })));
}

function context(block, ctx) {
  return el("div", { class: "bk-context" }, block.elements.map((element) =>
    element.type === "image" ? image(element) : el("span", {}, textObject(element, ctx.names))));
}

function richText(block, ctx) {
  const text = (block.elements ?? [])
    .flatMap((part) => part.elements ?? [])
    .map((leaf) => leaf.text ?? (leaf.user_id ? `<@${leaf.user_id}>` : ""))
    .join("");
  return el("div", { class: "bk-text-block" }, mrkdwn(text, ctx.names));
}

const BLOCKS = {
  section,
  input,
  actions,
  context,
  rich_text: richText,
  divider: () => el("hr", { class: "bk-divider" }),
  header: (block) => el("h3", { class: "bk-header" }, plainText(block.text)),
  image: (block) => el("figure", { class: "bk-image-block" }, [
    block.title ? el("figcaption", {}, plainText(block.title)) : null,
    image(block),
  ]),
};

export function renderBlocks(blocks, ctx) {
  const root = document.createDocumentFragment();
  blocks.forEach((block, index) => {
    const make = BLOCKS[block.type];
    root.append(make ? make(block, ctx, index) : unsupported(block.type));
  });
  return root;
}
