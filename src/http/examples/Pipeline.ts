import { stageNames } from "../../game/StageNames.js"
import { exampleConversationId, exampleExecutionId, exampleUserId } from "./Ids.js"

const stageResults = Object.fromEntries(stageNames.map((stage) => [stage, { success: true, duration_ms: 40, error: null }]))

export const processRequestExample = { force_reprocess: false, timeout_seconds: 30 }

export const runSucceededExample = {
  status: "success",
  conversation_id: exampleConversationId,
  pipeline_execution_id: exampleExecutionId,
  started_at: "2025-01-31T18:45:00.020Z",
  completed_at: "2025-01-31T18:45:00.870Z",
  total_duration_ms: 850,
  stage_results: stageResults,
  error: null,
  completion_status: Object.fromEntries(stageNames.map((stage) => [stage, "success"])),
  prompt_ready: true
}

export const runQueuedExample = {
  execution_id: exampleExecutionId,
  status: "queued",
  check_status_url: `/pipeline/status/${exampleExecutionId}`
}

export const runStatusExample = {
  execution_id: exampleExecutionId,
  conversation_id: exampleConversationId,
  status: "processing",
  progress_percent: 44,
  stage_name: "emotional",
  started_at: "2025-01-31T18:45:00.020Z",
  completed_at: null,
  estimated_completion_at: "2025-01-31T18:45:01.000Z",
  stage_results: Object.fromEntries(stageNames.slice(0, 3).map((stage) => [stage, { success: true, duration_ms: 40, error: null }])),
  trigger: "http_async",
  attempt: 1,
  failed_stage: null,
  error: null
}

export const statsExample = {
  window_start: "2025-01-30T19:00:00.000Z",
  window_end: "2025-01-31T19:00:00.000Z",
  total_executions: 120,
  success_count: 114,
  partial_success_count: 4,
  failure_count: 2,
  failures_by_stage: Object.fromEntries(stageNames.map((stage) => [stage, stage === "extraction" ? 2 : stage === "touchpoint" ? 4 : 0])),
  avg_duration_ms: 870,
  p95_duration_ms: 1640,
  avg_duration_ms_by_stage: Object.fromEntries(stageNames.map((stage) => [stage, stage === "extraction" ? 420 : 50])),
  slowest_stage: "extraction"
}

export const healthExample = {
  status: "healthy",
  recent_success_rate: 0.98,
  avg_duration_ms: 870,
  stuck_conversations: 0,
  queue_depth: 3,
  oldest_queued_age_seconds: 12,
  database: "ok",
  stream: "running",
  checked_at: "2025-01-31T19:00:00.000Z"
}

export const processConversationsExample = {
  status: "ok",
  detected: 3,
  processed: 2,
  partial: 1,
  failed: 0,
  skipped: 0,
  execution_ids: [exampleExecutionId]
}

export const decayExample = { status: "ok", processed: 40, decayed: 6, game_overs: 0 }

export const voiceWebhookRequestExample = {
  type: "post_call_transcription",
  event_timestamp: 1738349100,
  data: {
    agent_id: "agent_nikita",
    conversation_id: "conv_01jh7x2k9f",
    status: "done",
    transcript: [
      { role: "agent", message: "Hey you. How was the shift?", time_in_call_secs: 0 },
      { role: "user", message: "Long, but Miso was waiting at the door.", time_in_call_secs: 3.2 }
    ],
    metadata: { start_time_unix_secs: 1738348980, call_duration_secs: 95 },
    conversation_initiation_client_data: { dynamic_variables: { user_id: exampleUserId } }
  }
}

export const voiceWebhookReplyExample = { status: "accepted", conversation_id: exampleConversationId }
