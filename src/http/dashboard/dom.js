// Elements are built with textContent only: nothing the API returns is ever parsed as HTML.
export const $ = (selector, root = document) => root.querySelector(selector)

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (name === "className") element.className = value
    else if (name === "onClick") element.addEventListener("click", value)
    else if (name === "style") Object.assign(element.style, value)
    else element.setAttribute(name, value === true ? "" : String(value))
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null).map((child) =>
    typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child))
  return element
}

export const pill = (status) => h("span", { className: `pill ${status}` }, String(status).replace("_", " "))

/** A definition list from [label, value] pairs. */
export function fill(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value ?? "—")]))
}

export const shortId = (id) => (id ? id.slice(0, 8) : "—")

export function ms(value) {
  if (value === null || value === undefined) return "—"
  return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s` : `${Math.round(value)} ms`
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) return "—"
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

export const ago = (iso) => (iso ? `${age((Date.now() - Date.parse(iso)) / 1000)} ago` : "—")

export const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }) : "—")
