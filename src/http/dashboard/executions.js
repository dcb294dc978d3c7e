// Recent executions, newest first, paged with next_before; a selected run shows its stage waterfall.
import { call, query } from "./api.js"
import { drawWaterfall } from "./charts.js"
import { $, clock, h, ms, pill, shortId } from "./dom.js"
import { lookUp } from "./player.js"

let nextBefore = null
let selected = null

function row(execution) {
  const tr = h("tr", { "data-execution": execution.execution_id, className: execution.execution_id === selected ? "selected" : "" },
    h("td", { title: execution.created_at }, clock(execution.created_at)),
    h("td", {}, pill(execution.status)),
    h("td", {}, execution.trigger),
    h("td", { className: "mono", title: execution.conversation_id }, shortId(execution.conversation_id)),
    h("td", { className: "mono link", title: execution.user_id, onClick: (event) => { event.stopPropagation(); lookUp(execution.user_id) } },
      shortId(execution.user_id)),
    h("td", { className: "num" }, ms(execution.total_duration_ms)),
    h("td", { className: "error-text", title: execution.error ?? "" },
      execution.failed_stage ? h("b", {}, `${execution.failed_stage}: `) : null, execution.error ?? ""))
  tr.addEventListener("click", () => select(execution.execution_id))
  return tr
}

export async function loadExecutions({ more = false } = {}) {
  const status = $("#exec-status").value
  const reply = await call(`/pipeline/executions${query({ status, limit: 15, before: more ? nextBefore : null })}`)
  if (reply.status !== 200) return
  const body = $("#executions tbody")
  const rows = reply.json.executions.map(row)
  if (more) body.append(...rows)
  else body.replaceChildren(...rows)
  if (!more && rows.length === 0) body.append(h("tr", {}, h("td", { colspan: 7, className: "muted" }, "No runs yet.")))
  nextBefore = reply.json.next_before
  $("#exec-more").hidden = nextBefore === null
  if (selected === null && reply.json.executions[0]) await select(reply.json.executions[0].execution_id)
}

export async function select(executionId) {
  selected = executionId
  for (const tr of document.querySelectorAll("#executions tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.execution === executionId)
  }
  const reply = await call(`/pipeline/executions/${executionId}`)
  if (reply.status !== 200) return
  const run = reply.json
  const card = $("#execution-detail")
  $("[data-k=hint]", card).replaceChildren(
    pill(run.status), " ", h("span", { className: "mono" }, shortId(run.execution_id)),
    ` · attempt ${run.attempt} · ${run.trigger} · ${ms(run.total_duration_ms)}`)
  drawWaterfall(run.stages)
  $("#waterfall tbody").replaceChildren(...run.stages.map((stage) =>
    h("tr", { "data-stage": stage.stage, className: `stage-${stage.status}` },
      h("td", {}, stage.stage),
      h("td", {}, pill(stage.status)),
      h("td", { className: "num" }, ms(stage.duration_ms)),
      h("td", { className: "error-text" }, stage.error ?? ""))))
}

export function setUpExecutions() {
  $("#exec-status").addEventListener("change", () => loadExecutions())
  $("#exec-more").addEventListener("click", () => loadExecutions({ more: true }))
}
