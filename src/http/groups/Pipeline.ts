import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Authorization } from "../Authorization.js"
import { Disabled, NotFound } from "../Errors.js"
import { requestBodyNotRequired } from "../OptionalBody.js"
import { ConversationPath } from "./Conversations.js"
import { ExecutionPath, ExecutionStatusResponse, PipelineStatsResponse } from "./PipelineMonitoring.js"
import { ProcessPayload, RunConflict, RunFailed, RunPartiallySucceeded, RunQueued, RunSucceeded } from "./PipelineRun.js"
import { operationDocs } from "../OperationDocs.js"
import { processRequestExample, runQueuedExample, runStatusExample, runSucceededExample, statsExample } from "../examples/Pipeline.js"

/** Running the pipeline on demand, following a run, and the last day's numbers. */
export class PipelineApi extends HttpApiGroup.make("pipeline")
  .add(
    HttpApiEndpoint.post("process", "/pipeline/process/:conversation_id")
      .setPath(ConversationPath)
      .setPayload(ProcessPayload)
      .addSuccess(RunSucceeded)
      .addSuccess(RunPartiallySucceeded, { status: 202 })
      .addError(RunFailed)
      .addError(NotFound)
      .addError(RunConflict)
      .addError(Disabled)
      .annotate(OpenApi.Description, "Runs the pipeline on the conversation now and answers its outcome")
      .annotateContext(operationDocs({
        summary: "Process a conversation now and wait",
        example: runSucceededExample,
        requestExample: processRequestExample,
        transform: requestBodyNotRequired
      }))
  )
  .add(
    HttpApiEndpoint.post("processAsync", "/pipeline/process/:conversation_id/async")
      .setPath(ConversationPath)
      .setPayload(ProcessPayload)
      .addSuccess(RunQueued, { status: 202 })
      .addError(NotFound)
      .addError(RunConflict)
      .addError(Disabled)
      .annotate(OpenApi.Description, "Claims the conversation and runs it in the background; poll check_status_url")
      .annotateContext(operationDocs({
        summary: "Process a conversation in the background",
        example: runQueuedExample,
        requestExample: processRequestExample,
        transform: requestBodyNotRequired
      }))
  )
  .add(
    HttpApiEndpoint.get("status", "/pipeline/status/:execution_id")
      .setPath(ExecutionPath)
      .addSuccess(ExecutionStatusResponse)
      .addError(NotFound)
      .annotateContext(operationDocs({ summary: "Follow a run: status, progress and stage", example: runStatusExample }))
  )
  .add(
    HttpApiEndpoint.get("stats", "/pipeline/stats/last-24h")
      .addSuccess(PipelineStatsResponse)
      .annotateContext(operationDocs({ summary: "The last 24 hours of runs in numbers", example: statsExample }))
  )
  .middleware(Authorization)
{}
