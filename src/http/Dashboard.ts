import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { createHash } from "node:crypto"

/**
 * `GET /dashboard`: one self-contained page for operators (no auth, no external assets). It polls
 * `/pipeline/health` every 10 s; the last day's stats need the TASK_SECRET, which the operator
 * types in and the page keeps in memory only (never stored, never put in a URL). Values are
 * written with `textContent`, and a Content-Security-Policy allows only this page's own script,
 * so nothing an API returns can run as code.
 */

const script = `
const $ = (id) => document.getElementById(id)
const show = (target, data) => {
  target.replaceChildren()
  for (const [key, value] of Object.entries(data)) {
    const row = target.insertRow()
    row.insertCell().textContent = key
    row.insertCell().textContent = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)
  }
}
const load = async (path, target, headers) => {
  try {
    const response = await fetch(path, { headers, cache: "no-store" })
    show(target, { http_status: response.status, ...(await response.json()) })
  } catch (error) {
    show(target, { error: String(error) })
  }
}
const health = () => load("/pipeline/health", $("health"), {})
let secret = ""
$("stats-form").addEventListener("submit", (event) => {
  event.preventDefault()
  secret = $("secret").value
  $("secret").value = ""
  load("/pipeline/stats/last-24h", $("stats"), { authorization: "Bearer " + secret })
})
health()
setInterval(health, 10000)
`

const scriptHash = createHash("sha256").update(script).digest("base64")

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aftertalk dashboard</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
td { border-bottom: 1px solid #ddd; padding: .25rem .75rem .25rem 0; vertical-align: top; }
td:first-child { color: #555; }
</style>
</head>
<body>
<h1>aftertalk</h1>
<h2>Pipeline health <small>(every 10 s)</small></h2>
<table id="health"></table>
<h2>Last 24 hours</h2>
<form id="stats-form">
<label>TASK_SECRET <input id="secret" type="password" autocomplete="off" required></label>
<button type="submit">Load stats</button>
</form>
<table id="stats"></table>
<script>${script}</script>
</body>
</html>`

const securityHeaders = {
  "content-security-policy":
    `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'`,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
}

/** The page, served next to the API (like /docs), outside the OpenAPI document. */
export const DashboardLive = HttpApiBuilder.Router.use((router) =>
  router.get("/dashboard", Effect.succeed(HttpServerResponse.html(page).pipe(HttpServerResponse.setHeaders(securityHeaders))))
)
