import { stageNames } from "../../game/StageNames.js"
import { exampleConversationId, exampleExecutionId, exampleUserId } from "./Ids.js"

const durations = [412, 96, 35, 8, 22, 9, 14, 180, 51]

const summary = {
  execution_id: exampleExecutionId,
  conversation_id: exampleConversationId,
  user_id: exampleUserId,
  trigger: "stream",
  status: "success",
  attempt: 1,
  stage_name: null,
  failed_stage: null,
  error: null,
  instance_id: "web-1/4312/k3x9",
  created_at: "2025-01-31T18:45:00.000Z",
  started_at: "2025-01-31T18:45:00.020Z",
  completed_at: "2025-01-31T18:45:00.870Z",
  total_duration_ms: 850
}

export const executionListExample = {
  executions: [summary],
  next_before: "MjAyNS0wMS0zMVQxODo0NTowMC4wMDAxMjNafDlkOGM3YjZhLTVmNGUtNGQzYy04YjJhLTFmMGU5ZDhjN2I2YQ"
}

/** Where each stage starts: after every stage before it. */
const offsets = durations.map((_, i) => durations.slice(0, i).reduce((sum, ms) => sum + ms, 0))

export const executionExample = {
  ...summary,
  stage_results: Object.fromEntries(stageNames.map((stage, i) => [stage, { success: true, duration_ms: durations[i], error: null }])),
  stages: stageNames.map((stage, i) => ({ stage, status: "success", offset_ms: offsets[i], duration_ms: durations[i], error: null }))
}

export const runsByHourExample = {
  window_start: "2025-01-30T19:00:00.000Z",
  window_end: "2025-01-31T19:00:00.000Z",
  hours: [
    { hour: "2025-01-31T17:00:00.000Z", queued: 0, processing: 0, success: 41, partial_success: 2, failed: 1 },
    { hour: "2025-01-31T18:00:00.000Z", queued: 3, processing: 1, success: 37, partial_success: 0, failed: 0 }
  ]
}

export const stageDurationsExample = {
  window_start: "2025-01-30T19:00:00.000Z",
  window_end: "2025-01-31T19:00:00.000Z",
  stages: stageNames.map((stage, i) => ({
    stage,
    runs: 82,
    failures: stage === "touchpoint" ? 2 : 0,
    p50_ms: durations[i],
    p95_ms: (durations[i] ?? 0) * 3
  }))
}
