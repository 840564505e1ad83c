// DOM nodes from data, never from HTML strings (text the app or a person typed cannot inject
// markup): el("button", {class: "x", onclick: f, disabled: true}, ["text", otherNode]).

const PROPERTIES = new Set(["checked", "selected", "multiple", "value", "disabled", "open", "size"]);

export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of [].concat(children)) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}
