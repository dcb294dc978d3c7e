import { Layer } from "effect"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { ConflictRepository } from "./player/ConflictRepository.js"
import { ConversationSummaryRepository } from "./conversation/ConversationSummaryRepository.js"
import { DailySummaryRepository } from "./conversation/DailySummaryRepository.js"
import { Embeddings } from "./model/Embeddings.js"
import { EmotionalStateRepository } from "./nikita/EmotionalStateRepository.js"
import { ExecutionRepository } from "./runs/ExecutionRepository.js"
import { ExtractionRepository } from "./conversation/ExtractionRepository.js"
import { GameStateRepository } from "./player/GameStateRepository.js"
import { Instance } from "./config/Instance.js"
import { LanguageModel } from "./model/LanguageModel.js"
import { LifeEventRepository } from "./nikita/LifeEventRepository.js"
import { MemoryRepository } from "./memory/MemoryRepository.js"
import { PipelineInputs } from "./pipeline/PipelineInputs.js"
import { PromptBuilder } from "./prompt/PromptBuilder.js"
import { ThoughtRepository } from "./memory/ThoughtRepository.js"
import { ThreadRepository } from "./memory/ThreadRepository.js"
import { TouchpointRepository } from "./nikita/TouchpointRepository.js"

/**
 * The model providers (one shared rate limiter) and the repositories the nine stages use. They
 * need the database, configuration and the AppServices (users, prompts).
 */
export const ModelServices = Layer.mergeAll(LanguageModel.Default, Embeddings.Default)

const Repositories = Layer.mergeAll(
  ExtractionRepository.Default,
  MemoryRepository.Default,
  ThreadRepository.Default,
  ThoughtRepository.Default,
  LifeEventRepository.Default,
  EmotionalStateRepository.Default,
  GameStateRepository.Default,
  ConflictRepository.Default,
  TouchpointRepository.Default,
  ConversationSummaryRepository.Default,
  DailySummaryRepository.Default
)

export const StageServices = PromptBuilder.Default.pipe(
  Layer.provideMerge(Repositories),
  Layer.provideMerge(ModelServices)
)

/** The orchestrator with everything its stages need, plus the run bookkeeping it uses. */
export const PipelineServices = PipelineOrchestrator.Default.pipe(
  Layer.provideMerge(StageServices),
  Layer.provideMerge(Layer.mergeAll(ExecutionRepository.Default, PipelineInputs.Default)),
  Layer.provideMerge(Instance.Default)
)
