// Calls to the service. The bearer secret lives in sessionStorage: this tab only, gone when it closes.
const key = "aftertalk.secret"

export const secret = {
  get: () => sessionStorage.getItem(key),
  set: (value) => sessionStorage.setItem(key, value),
  clear: () => sessionStorage.removeItem(key)
}

let onUnauthorized = () => {}
export const whenUnauthorized = (handler) => { onUnauthorized = handler }

/** `{ status, json }` whatever the status; `json` is null when the body is not JSON. */
export async function call(path, { method = "GET", body, auth = true } = {}) {
  const headers = { accept: "application/json" }
  if (auth && secret.get()) headers.authorization = `Bearer ${secret.get()}`
  if (body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(path, { method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) })
  const json = await response.json().catch(() => null)
  if (auth && response.status === 401) onUnauthorized()
  return { status: response.status, json }
}

export const query = (params) => {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== "")
  return entries.length === 0 ? "" : "?" + new URLSearchParams(entries).toString()
}
