import { Layer } from "effect"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { ConflictRepository } from "./services/ConflictRepository.js"
import { ConversationLeases } from "./services/ConversationLeases.js"
import { ConversationSummaryRepository } from "./services/ConversationSummaryRepository.js"
import { DailySummaryRepository } from "./services/DailySummaryRepository.js"
import { Embeddings } from "./services/Embeddings.js"
import { EmotionalStateRepository } from "./services/EmotionalStateRepository.js"
import { ExecutionRepository } from "./services/ExecutionRepository.js"
import { ExtractionRepository } from "./services/ExtractionRepository.js"
import { GameStateRepository } from "./services/GameStateRepository.js"
import { Instance } from "./services/Instance.js"
import { LanguageModel } from "./services/LanguageModel.js"
import { LifeEventRepository } from "./services/LifeEventRepository.js"
import { MemoryRepository } from "./services/MemoryRepository.js"
import { PipelineInputs } from "./services/PipelineInputs.js"
import { PromptBuilder } from "./services/PromptBuilder.js"
import { ThoughtRepository } from "./services/ThoughtRepository.js"
import { ThreadRepository } from "./services/ThreadRepository.js"
import { TouchpointRepository } from "./services/TouchpointRepository.js"

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
  Layer.provideMerge(Layer.mergeAll(ConversationLeases.Default, ExecutionRepository.Default, PipelineInputs.Default)),
  Layer.provideMerge(Instance.Default)
)
