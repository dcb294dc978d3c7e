// The page's entry: asks for the secret once per tab, then refreshes every tile every 10 seconds.
import { call, secret, whenUnauthorized } from "./api.js"
import { drawRunsByHour, drawStageDurations } from "./charts.js"
import { loadConversations } from "./conversations.js"
import { $, age, fill, h, ms, pill } from "./dom.js"
import { loadExecutions, setUpExecutions } from "./executions.js"
import { setUpPlayer } from "./player.js"

const refreshEvery = 10_000

async function health() {
  const reply = await call("/pipeline/health", { auth: false })
  const report = reply.json ?? { status: "unhealthy" }
  const tile = $("#tile-health")
  $("[data-k=status]", tile).replaceChildren(pill(report.status))
  $("#overall").replaceWith(Object.assign(pill(report.status), { id: "overall" }))
  fill($("[data-k=details]", tile), [
    ["database", report.database],
    ["stream", report.stream],
    ["success rate", report.recent_success_rate === null || report.recent_success_rate === undefined ? "—" : `${Math.round(report.recent_success_rate * 100)} %`],
    ["avg run", ms(report.avg_duration_ms)]
  ])
  const queue = $("#tile-queue")
  $("[data-k=depth]", queue).textContent = String(report.queue_depth ?? "—")
  fill($("[data-k=details]", queue), [["oldest waiting", age(report.oldest_queued_age_seconds)], ["stuck", String(report.stuck_conversations ?? "—")]])
}

// /livez and /readyz may not exist on an older service: a 404 shows as "not offered".
async function probes() {
  const results = await Promise.all(["/livez", "/readyz", "/pipeline/health"].map(async (path) => {
    const response = await fetch(path, { cache: "no-store" }).catch(() => null)
    const status = response === null ? "unreachable" : response.status === 404 ? "not offered" : response.ok ? "ok" : `HTTP ${response.status}`
    return [path, h("span", { className: `probe ${status === "ok" ? "up" : status === "not offered" ? "absent" : "down"}` }, status)]
  }))
  fill($("#tile-probes [data-k=details]"), results)
}

async function day() {
  const reply = await call("/pipeline/stats/last-24h")
  if (reply.status !== 200) return
  const stats = reply.json
  const tile = $("#tile-day")
  $("[data-k=total]", tile).textContent = `${stats.total_executions} runs`
  fill($("[data-k=details]", tile), [
    ["success", String(stats.success_count)],
    ["partial", String(stats.partial_success_count)],
    ["failed", String(stats.failure_count)],
    ["p95", ms(stats.p95_duration_ms)],
    ["slowest stage", stats.slowest_stage ?? "—"]
  ])
}

async function charts() {
  const [hours, stages] = await Promise.all([call("/pipeline/stats/runs-by-hour"), call("/pipeline/stats/stage-durations")])
  if (hours.status === 200) drawRunsByHour(hours.json)
  if (stages.status === 200) drawStageDurations(stages.json)
}

async function refresh() {
  await Promise.all([health(), probes()])
  if (secret.get()) await Promise.all([day(), charts(), loadExecutions(), loadConversations()])
  $("#refreshed").textContent = `updated ${new Date().toLocaleTimeString([], { hourCycle: "h23" })}`
}

function askForSecret(refused = false) {
  $("#secret-error").hidden = !refused
  const dialog = $("#secret-dialog")
  if (!dialog.open) dialog.showModal()
}

whenUnauthorized(() => {
  secret.clear()
  askForSecret(true)
})

$("#secret-form").addEventListener("submit", () => {
  secret.set($("#secret").value)
  $("#secret").value = ""
  refresh()
})
$("#sign-out").addEventListener("click", () => {
  secret.clear()
  askForSecret()
})

setUpExecutions()
setUpPlayer()
if (!secret.get()) askForSecret()
refresh()
setInterval(refresh, refreshEvery)
