// One player: their game state, the prompts the pipeline built, and what Nikita remembers.
import { call, query } from "./api.js"
import { $, ago, fill, h, pill } from "./dom.js"

let current = null

const metric = (label, value) => h("div", { className: "meter" },
  h("span", {}, label), h("span", { className: "track" }, h("span", { style: { width: `${Math.max(0, Math.min(100, value))}%` } })),
  h("span", { className: "num" }, value.toFixed(1)))

async function prompts(userId) {
  const boxes = await Promise.all(["text", "voice"].map(async (platform) => {
    const reply = await call(`/users/${userId}/prompt${query({ platform })}`)
    if (reply.status !== 200) return h("p", { className: "muted" }, `${platform}: none yet`)
    const prompt = reply.json
    return h("details", { "data-platform": platform },
      h("summary", {}, `${platform} · ${prompt.token_count} tokens · ${prompt.source} · ${ago(prompt.generated_at)}`),
      h("pre", {}, prompt.prompt_text))
  }))
  $("#player-prompts").replaceChildren(...boxes)
}

export async function lookUp(userId) {
  $("#player-id").value = userId
  const reply = await call(`/users/${encodeURIComponent(userId)}`)
  $("#player").hidden = false
  $("#memory-results").replaceChildren()
  if (reply.status !== 200) {
    current = null
    $("#player-state").replaceChildren(h("dd", { className: "error-text" }, reply.json?.message ?? `HTTP ${reply.status}`))
    $("#player-prompts").replaceChildren()
    return
  }
  const user = reply.json
  current = user.user_id
  fill($("#player-state"), [
    ["name", user.display_name ?? "—"],
    ["game", pill(user.game_status)],
    ["chapter", String(user.chapter)],
    ["score", user.relationship_score.toFixed(2)],
    ["engagement", user.engagement_state],
    ["conflict", `${user.conflict.zone} (${user.conflict.temperature.toFixed(0)})`],
    ["last contact", ago(user.last_interaction_at)]
  ])
  $("#player-state").append(...Object.entries(user.metrics).map(([name, value]) => metric(name, value)))
  await prompts(current)
}

async function search(text) {
  if (current === null) return
  const reply = await call(`/users/${current}/memory/search${query({ q: text, limit: 8 })}`)
  const results = reply.status === 200 ? reply.json.results : []
  $("#memory-results").replaceChildren(...(results.length === 0
    ? [h("li", { className: "muted" }, reply.status === 200 ? "Nothing found." : reply.json?.message ?? `HTTP ${reply.status}`)]
    : results.map((result) => h("li", {}, h("span", {}, result.fact), " ",
      h("small", { className: "muted" }, `${result.graph_type} · ${result.similarity.toFixed(2)}`)))))
}

export function setUpPlayer() {
  $("#player-form").addEventListener("submit", (event) => { event.preventDefault(); lookUp($("#player-id").value.trim()) })
  $("#memory-form").addEventListener("submit", (event) => { event.preventDefault(); search($("#memory-q").value) })
}
