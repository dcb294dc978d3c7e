import { Effect } from "effect"
import { ConversationSummaryRepository } from "../conversation/ConversationSummaryRepository.js"
import { DailySummaryRepository } from "../conversation/DailySummaryRepository.js"
import { ExtractionRepository } from "../conversation/ExtractionRepository.js"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import { NotesRepository } from "../memory/NotesRepository.js"
import { Embeddings } from "../model/Embeddings.js"
import { LanguageModel } from "../model/LanguageModel.js"
import { EmotionalStateRepository } from "../nikita/EmotionalStateRepository.js"
import { LifeEventRepository } from "../nikita/LifeEventRepository.js"
import { TouchpointRepository } from "../nikita/TouchpointRepository.js"
import { ConflictRepository } from "../player/ConflictRepository.js"
import { GameStateRepository } from "../player/GameStateRepository.js"
import { ReadyPromptRepository } from "../prompt/ReadyPromptRepository.js"
import { ExecutionRepository } from "../runs/ExecutionRepository.js"
import { conflict } from "./stages/Conflict.js"
import { emotional } from "./stages/Emotional.js"
import { extraction } from "./stages/Extraction.js"
import { gameState } from "./stages/GameState.js"
import { lifeSim } from "./stages/LifeSim.js"
import { memoryUpdate } from "./stages/MemoryUpdate.js"
import { promptBuilder } from "./stages/PromptBuilder.js"
import { summary } from "./stages/Summary.js"
import { touchpoint } from "./stages/Touchpoint.js"
import { PipelineInputs } from "./PipelineInputs.js"
import { makeOrchestrator } from "./PipelineOrchestrator.js"
import { type StageDependencies, type StagePlan, step } from "./PipelineStep.js"
import { PromptInputs } from "./PromptInputs.js"

/**
 * What each stage waits for (besides `extraction`, which every stage waits for): what it reads
 * from earlier stages. `game_state` also waits for `memory_update` so that a run stopped by a
 * failed memory update has changed no score. Six levels: extraction; memory_update ‖ life_sim;
 * emotional ‖ game_state ‖ touchpoint; conflict; summary; prompt_builder (it reads everything).
 */
export const pipelineDependencies: StageDependencies = {
  memory_update: ["extraction"],
  life_sim: ["extraction"],
  emotional: ["life_sim"],
  game_state: ["memory_update"],
  conflict: ["game_state"],
  touchpoint: ["life_sim"],
  summary: ["game_state", "conflict"],
  prompt_builder: ["memory_update", "life_sim", "emotional", "game_state", "conflict", "touchpoint", "summary"]
}

/** The unified pipeline: DOMAIN.md's nine stages, run as `pipelineDependencies` allows. */
export const pipelinePlan = {
  after: pipelineDependencies,
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
  scoped: makeOrchestrator<PipelineRequirements>(pipelinePlan),
  dependencies: [
    ExecutionRepository.Default,
    PipelineInputs.Default,
    // What the nine stages use.
    ExtractionRepository.Default,
    MemoryRepository.Default,
    NotesRepository.Default,
    LifeEventRepository.Default,
    EmotionalStateRepository.Default,
    GameStateRepository.Default,
    ConflictRepository.Default,
    TouchpointRepository.Default,
    ConversationSummaryRepository.Default,
    DailySummaryRepository.Default,
    ReadyPromptRepository.Default,
    PromptInputs.Default,
    LanguageModel.Default,
    Embeddings.Default
  ]
}) {}
