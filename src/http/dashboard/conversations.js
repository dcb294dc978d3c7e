// Failed conversations and stuck ones, each with its last error; a failed one can be put back in the queue.
import { call, query } from "./api.js"
import { $, ago, h, pill, shortId } from "./dom.js"
import { lookUp } from "./player.js"

async function retry(conversationId, button) {
  button.disabled = true
  const reply = await call(`/conversations/${conversationId}/retry`, { method: "POST" })
  const cell = button.parentElement
  cell.replaceChildren(reply.status === 202 ? pill("queued") : h("span", { className: "error-text" }, reply.json?.message ?? `HTTP ${reply.status}`))
}

function row(conversation, stuck) {
  return h("tr", { "data-conversation": conversation.conversation_id },
    h("td", { className: "mono", title: conversation.conversation_id }, shortId(conversation.conversation_id)),
    h("td", { className: "mono link", title: conversation.user_id, onClick: () => lookUp(conversation.user_id) }, shortId(conversation.user_id)),
    h("td", {}, pill(stuck ? "stuck" : conversation.status)),
    h("td", { className: "num" }, conversation.processing_attempts),
    h("td", { title: conversation.updated_at }, ago(conversation.updated_at)),
    h("td", { className: "error-text" }, conversation.last_error ?? ""),
    h("td", {}, stuck ? "" : h("button", { type: "button", className: "small", onClick: (event) => retry(conversation.conversation_id, event.currentTarget) }, "Retry")))
}

export async function loadConversations() {
  const [failed, stuck] = await Promise.all([
    call(`/conversations${query({ status: "failed", limit: 25 })}`),
    call(`/conversations${query({ status: "stuck", limit: 25 })}`)
  ])
  if (failed.status !== 200 || stuck.status !== 200) return
  const rows = [...stuck.json.conversations.map((c) => row(c, true)), ...failed.json.conversations.map((c) => row(c, false))]
  $("#conversations tbody").replaceChildren(...rows)
  $("#conversations-empty").hidden = rows.length > 0
}
