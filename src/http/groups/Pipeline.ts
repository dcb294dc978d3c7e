import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Authorization } from "../Authorization.js"
import { Disabled, NotFound } from "../Errors.js"
import { requestBodyNotRequired } from "../OptionalBody.js"
import { ConversationPath } from "./Conversations.js"
import { ExecutionPath, ExecutionStatusResponse, PipelineStatsResponse } from "./PipelineMonitoring.js"
import { ProcessPayload, RunConflict, RunFailed, RunPartiallySucceeded, RunQueued, RunSucceeded } from "./PipelineRun.js"

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
      .annotate(OpenApi.Transform, requestBodyNotRequired)
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
      .annotate(OpenApi.Transform, requestBodyNotRequired)
  )
  .add(
    HttpApiEndpoint.get("status", "/pipeline/status/:execution_id")
      .setPath(ExecutionPath)
      .addSuccess(ExecutionStatusResponse)
      .addError(NotFound)
  )
  .add(
    HttpApiEndpoint.get("stats", "/pipeline/stats/last-24h")
      .addSuccess(PipelineStatsResponse)
  )
  .middleware(Authorization)
{}
