import { Context, Layer } from "effect"
import { PipelineInputs } from "../pipeline/PipelineInputs.js"
import { makeOrchestrator, type PipelineShape } from "../pipeline/PipelineOrchestrator.js"
import type { StagePlan } from "../pipeline/PipelineStep.js"
import { ExecutionRepository } from "../runs/ExecutionRepository.js"

/**
 * What the queue needs from the pipeline: run the stages for an execution it created. A port
 * rather than the orchestrator itself, so the run lifecycle does not depend on the nine stages
 * and their services, and tests run the real claim, leases and lifecycle with fake stages. The
 * application provides it from its orchestrator (`Layer.effect(PipelineRunner, PipelineOrchestrator)`);
 * `fromPlan` builds one for given stages.
 */
export class PipelineRunner extends Context.Tag("aftertalk/PipelineRunner")<PipelineRunner, PipelineShape>() {
  /** A runner over these stages (tests, or before the application's exists); the stages' services stay open. */
  static fromPlan = <R>(plan: StagePlan<R>) =>
    Layer.effect(PipelineRunner, makeOrchestrator(plan)).pipe(Layer.provide([ExecutionRepository.Default, PipelineInputs.Default]))
}
