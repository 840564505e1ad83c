// Slack's text formats as DOM nodes (never as HTML strings, so message text cannot inject
// markup): mrkdwn's *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, <url|links>,
// <@U…> mentions, <#C…|channel> links, <!here>, :emoji: and the &amp; &lt; &gt; escapes.

import { el } from "./dom.js";

// Slack draws emoji as images; the console draws them as symbols the stock fonts have
// (DejaVu on Debian), coloured like Slack's, so pages and screenshots look the same anywhere.
const EMOJI = {
  white_check_mark: ["✔", "ok"], heavy_check_mark: ["✔", "ok"], ballot_box_with_check: ["✔", "ok"],
  warning: ["⚠", "warn"], x: ["✖", "bad"], no_entry: ["⊘", "bad"], no_entry_sign: ["⊘", "bad"],
  hourglass_flowing_sand: ["◔", "info"], hourglass: ["◔", "info"], electric_plug: ["⚡", "warn"],
  red_circle: ["●", "bad"], white_circle: ["○", "muted"], large_green_circle: ["●", "ok"],
  large_yellow_circle: ["●", "warn"], information_source: ["ℹ", "info"],
  grey_question: ["?", "muted"], question: ["?", "bad"], double_vertical_bar: ["‖", "info"],
  arrows_counterclockwise: ["⟳", "info"], repeat: ["⟳", "info"], arrow_right: ["➤", "info"],
  tada: ["★", "warn"], star: ["★", "warn"], sparkles: ["★", "warn"], gear: ["⚙", "muted"],
  email: ["✉", "info"], envelope: ["✉", "info"], pencil2: ["✎", "muted"], memo: ["✎", "muted"],
  heart: ["❤", "bad"], smile: ["☺", "warn"], slightly_smiling_face: ["☺", "warn"],
};

const INLINE = new RegExp(
  [
    "(`[^`\\n]+`)",                            // code
    "(<[^<>\\n]+>)",                           // links, mentions, channels, specials
    "((?<![\\w*])\\*[^*\\n]+\\*(?![\\w*]))",   // bold
    "((?<![\\w_])_[^_\\n]+_(?![\\w_]))",       // italic
    "((?<![\\w~])~[^~\\n]+~(?![\\w~]))",       // strike
    "(:[a-z0-9_+-]+:)",                        // emoji
  ].join("|"),
  "g",
);

export function unescape(text) {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

function emoji(name, whole) {
  const known = EMOJI[name];
  if (!known) return document.createTextNode(whole);
  const node = el("span", { class: `emoji ${known[1]}` }, known[0]);
  node.title = `:${name}:`;
  return node;
}

// Text with its :emoji: codes drawn, as nodes.
export function emojify(text) {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(/:([a-z0-9_+-]+):/g)) {
    out.append(text.slice(last, match.index), emoji(match[1], match[0]));
    last = match.index + match[0].length;
  }
  out.append(text.slice(last));
  return out;
}

// Text with its :emoji: codes as the symbols, for places that take a string.
export function emojiText(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name]?.[0] ?? whole);
}

function angle(inner, names) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return el("span", { class: "mention" }, `@${names.user(id) ?? label ?? id}`);
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return el("span", { class: "mention" }, `#${names.channel(id) ?? label ?? id}`);
  }
  if (target.startsWith("!")) {
    const special = target.slice(1).split("^")[0];
    return el("span", { class: "mention" }, label ?? `@${special}`);
  }
  const link = el("a", {}, unescape(label ?? target));
  link.href = unescape(target);
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

function inline(text, names) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(unescape(text.slice(last, match.index)));
    const [whole, code, link, bold, italic, strike, shortcode] = match;
    if (code) out.push(el("code", {}, unescape(code.slice(1, -1))));
    else if (link) out.push(angle(link.slice(1, -1), names));
    else if (bold) out.push(el("strong", {}, inline(bold.slice(1, -1), names)));
    else if (italic) out.push(el("em", {}, inline(italic.slice(1, -1), names)));
    else if (strike) out.push(el("s", {}, inline(strike.slice(1, -1), names)));
    else if (shortcode) out.push(emojify(shortcode));
    else out.push(whole);
    last = match.index + whole.length;
  }
  if (last < text.length) out.push(unescape(text.slice(last)));
  return out;
}

// `names` resolves ids for mentions: {user(id), channel(id)}, each returning a name or null.
export function mrkdwn(text, names) {
  const root = document.createDocumentFragment();
  const parts = text.split("```");
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      root.append(el("pre", {}, unescape(part.replace(/^\n/, ""))));
      return;
    }
    const lines = part.split("\n");
    lines.forEach((line, n) => {
      const quote = line.match(/^(&gt;|>)\s?(.*)$/);
      if (quote) root.append(el("blockquote", {}, inline(quote[2], names)));
      else {
        root.append(...inline(line, names));
        if (n < lines.length - 1) root.append(el("br"));
      }
    });
  });
  return root;
}

// A Block Kit text object (plain_text or mrkdwn) as nodes.
export function textObject(text, names) {
  if (!text) return document.createTextNode("");
  if (text.type === "mrkdwn") return mrkdwn(text.text, names);
  return text.emoji === false ? document.createTextNode(text.text) : emojify(text.text);
}

export function plainText(text) {
  if (!text) return "";
  return text.type === "mrkdwn" ? unescape(text.text) : emojiText(text.text);
}
