import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { DEFAULT_TASK_LIMIT } from "../../queue/Tasks.js"
import { Authorization } from "../Authorization.js"
import { Disabled } from "../Errors.js"
import { optionalBody, requestBodyNotRequired } from "../OptionalBody.js"
import { operationDocs } from "../OperationDocs.js"
import { decayExample, processConversationsExample } from "../examples/Pipeline.js"

/** The cron-style tasks (API.md, Tasks): each runs to the end before it answers. */

export const ProcessConversationsPayload = optionalBody(Schema.Struct({
  limit: Schema.optionalWith(
    Schema.Number.pipe(Schema.int(), Schema.between(1, 1000)).annotations({
      description: `The most conversations claimed by this call (1..1000, ${DEFAULT_TASK_LIMIT} when absent)`
    }),
    { default: () => DEFAULT_TASK_LIMIT }
  )
}))

const Count = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

export const ProcessConversationsResponse = Schema.Struct({
  status: Schema.Literal("ok"),
  detected: Count,
  processed: Count,
  partial: Count,
  failed: Count,
  skipped: Count,
  execution_ids: Schema.Array(Schema.UUID)
}).annotations({
  identifier: "ProcessConversationsResult",
  description: "Disjoint counts adding up to `detected` (conversations claimed)"
})

export const DecayResponse = Schema.Struct({
  status: Schema.Literal("ok"),
  processed: Count,
  decayed: Count,
  game_overs: Count
}).annotations({ identifier: "DecayResult" })

export class TasksApi extends HttpApiGroup.make("tasks")
  .add(
    HttpApiEndpoint.post("processConversations", "/tasks/process-conversations")
      .setPayload(ProcessConversationsPayload)
      .addSuccess(ProcessConversationsResponse)
      .addError(Disabled)
      .annotate(OpenApi.Description, "Claims stale and queued conversations (as the stream does) and runs them")
      .annotateContext(operationDocs({
        summary: "Process due conversations (cron)",
        example: processConversationsExample,
        requestExample: { limit: 50 },
        transform: requestBodyNotRequired
      }))
  )
  .add(
    HttpApiEndpoint.post("decay", "/tasks/decay")
      .addSuccess(DecayResponse)
      .annotate(
        OpenApi.Description,
        "Applies inactivity decay once per hour owed. Runs even with UNIFIED_PIPELINE_ENABLED=false: decay is the game's clock, not pipeline processing"
      )
      .annotateContext(operationDocs({ summary: "Apply inactivity decay (cron)", example: decayExample }))
  )
  .middleware(Authorization)
{}
