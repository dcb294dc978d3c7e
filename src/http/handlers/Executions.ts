import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { ExecutionHistory, type ListedExecution, stageTimings } from "../../runs/ExecutionHistory.js"
import { RunTimeline } from "../../runs/RunTimeline.js"
import { Api } from "../Api.js"
import { NotFound } from "../Errors.js"
import { cursorOf } from "../Paging.js"
import { publicStageResults } from "./PipelineReplies.js"

const summaryOf = (execution: ListedExecution) => ({
  execution_id: execution.id,
  conversation_id: execution.conversation_id,
  user_id: execution.user_id,
  trigger: execution.trigger,
  status: execution.status,
  attempt: execution.attempt,
  stage_name: execution.current_stage,
  failed_stage: execution.failed_stage,
  error: execution.error,
  instance_id: execution.instance_id,
  created_at: execution.created_at,
  started_at: execution.started_at,
  completed_at: execution.completed_at,
  total_duration_ms: execution.total_duration_ms
})

export const ExecutionsLive = HttpApiBuilder.group(Api, "executions", (handlers) =>
  Effect.gen(function*() {
    const history = yield* ExecutionHistory
    const timeline = yield* RunTimeline
    return handlers
      .handle("listExecutions", ({ urlParams }) =>
        Effect.map(
          history.list({
            status: urlParams.status,
            trigger: urlParams.trigger,
            userId: urlParams.user_id,
            limit: urlParams.limit,
            before: urlParams.before
          }),
          (page) => ({ executions: page.executions.map(summaryOf), next_before: cursorOf(page.next) })
        ))
      .handle("getExecution", ({ path }) =>
        Effect.flatMap(
          history.get(path.execution_id),
          Option.match({
            onNone: () => Effect.fail(new NotFound({ message: `No pipeline execution ${path.execution_id}.` })),
            onSome: (execution) =>
              Effect.succeed({
                ...summaryOf(execution),
                stage_results: publicStageResults(execution.stage_results),
                stages: stageTimings(execution)
              })
          })
        ))
      .handle("runsByHour", () => timeline.runsByHour())
      .handle("stageDurations", () => timeline.stageDurations())
  }))
