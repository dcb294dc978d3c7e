import { Effect } from "effect"
import { conflict } from "./stages/Conflict.js"
import { emotional } from "./stages/Emotional.js"
import { extraction } from "./stages/Extraction.js"
import { gameState } from "./stages/GameState.js"
import { lifeSim } from "./stages/LifeSim.js"
import { memoryUpdate } from "./stages/MemoryUpdate.js"
import { promptBuilder } from "./stages/PromptBuilder.js"
import { summary } from "./stages/Summary.js"
import { touchpoint } from "./stages/Touchpoint.js"
import { makeOrchestrator } from "./PipelineOrchestrator.js"
import { type StagePlan, step } from "./PipelineStep.js"

/** The unified pipeline: DOMAIN.md's nine stages, in order. */
export const pipelinePlan = {
  extraction,
  memoryUpdate,
  recoverable: [
    step(lifeSim),
    step(emotional),
    step(gameState),
    step(conflict),
    step(touchpoint),
    step(summary),
    step(promptBuilder)
  ]
}

/** Everything the nine stages need, as the orchestrator's requirement. */
export type PipelineRequirements = typeof pipelinePlan extends StagePlan<infer R> ? R : never

export class PipelineOrchestrator extends Effect.Service<PipelineOrchestrator>()("aftertalk/PipelineOrchestrator", {
  scoped: makeOrchestrator<PipelineRequirements>(pipelinePlan)
}) {}
