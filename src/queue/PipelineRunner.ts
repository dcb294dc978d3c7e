import { Context, type Effect, Layer } from "effect"
import { makeOrchestrator, type ProcessOptions } from "../pipeline/PipelineOrchestrator.js"
import type { PipelineFailed } from "../pipeline/PipelineErrors.js"
import type { PipelineReport } from "../pipeline/PipelineReport.js"
import type { StagePlan } from "../pipeline/PipelineStep.js"
import type { Claim } from "./ConversationLeases.js"

/**
 * What the stream and the tasks need from the pipeline: run a conversation they already claimed.
 * A port rather than the orchestrator itself, so the triggers do not depend on the nine stages
 * and their services, and tests can run the real claim and leases with fake stages. Main provides
 * it from the application's orchestrator (`Layer.effect(PipelineRunner, PipelineOrchestrator)`:
 * the orchestrator's `runClaimed` has this shape); `fromSteps` builds one for given stages.
 */
export interface PipelineRunnerShape {
  readonly runClaimed: (claim: Claim, options: ProcessOptions) => Effect.Effect<PipelineReport, PipelineFailed>
}

export class PipelineRunner extends Context.Tag("aftertalk/PipelineRunner")<PipelineRunner, PipelineRunnerShape>() {
  /** A runner over an orchestrator of these stages (tests, or before the application's exists). */
  static fromSteps = <R>(plan: StagePlan<R>) => Layer.scoped(PipelineRunner, makeOrchestrator(plan))
}
