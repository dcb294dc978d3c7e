import { Layer } from "effect"
import { AppConfig } from "./config/AppConfig.js"
import { Instance } from "./config/Instance.js"
import { TaskSecret } from "./config/TaskSecret.js"
import { ConversationListing } from "./conversation/ConversationListing.js"
import { ConversationRepository } from "./conversation/ConversationRepository.js"
import { ConversationSummaryRepository } from "./conversation/ConversationSummaryRepository.js"
import { DailySummaryRepository } from "./conversation/DailySummaryRepository.js"
import { ExtractionRepository } from "./conversation/ExtractionRepository.js"
import { DatabaseLive } from "./db/Database.js"
import { MemoryRepository } from "./memory/MemoryRepository.js"
import { NotesRepository } from "./memory/NotesRepository.js"
import { Embeddings } from "./model/Embeddings.js"
import { LanguageModel } from "./model/LanguageModel.js"
import { EmotionalStateRepository } from "./nikita/EmotionalStateRepository.js"
import { LifeEventRepository } from "./nikita/LifeEventRepository.js"
import { TouchpointRepository } from "./nikita/TouchpointRepository.js"
import { ConversationIntake } from "./pipeline/ConversationIntake.js"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { PipelineInputs } from "./pipeline/PipelineInputs.js"
import { PromptInputs } from "./pipeline/PromptInputs.js"
import { ConflictRepository } from "./player/ConflictRepository.js"
import { GameStateRepository } from "./player/GameStateRepository.js"
import { InactivityDecay } from "./player/InactivityDecay.js"
import { UserRepository } from "./player/UserRepository.js"
import { ReadyPromptRepository } from "./prompt/ReadyPromptRepository.js"
import { ConversationClaims } from "./queue/ConversationClaims.js"
import { ConversationLeases } from "./queue/ConversationLeases.js"
import { ConversationStream } from "./queue/ConversationStream.js"
import { PipelineRunner } from "./queue/PipelineRunner.js"
import { TaskRuns } from "./queue/TaskRuns.js"
import { Tasks } from "./queue/Tasks.js"
import { ExecutionHistory } from "./runs/ExecutionHistory.js"
import { ExecutionProgress } from "./runs/ExecutionProgress.js"
import { ExecutionRepository } from "./runs/ExecutionRepository.js"
import { HealthService } from "./runs/Health.js"
import { PipelineStats } from "./runs/PipelineStats.js"
import { RunTimeline } from "./runs/RunTimeline.js"
import { StreamState } from "./runs/StreamState.js"

/**
 * The application without its edges: the services the HTTP handlers, the stream and the tasks
 * use, as one `Layer.mergeAll` of top-level layers over the database. Each service's `Default`
 * brings its own dependencies, and a layer value met twice in one build is built once (layers are
 * memoized by reference): the stream and the health check share one `StreamState`, both model
 * providers one rate limiter, everything one `AppConfig`. The migrated database (`DatabaseLive`)
 * is the ground every repository stands on, provided once. Main adds the HTTP server and starts
 * the stream; the tests' TestApp adds a test server.
 */

// The queue's services and the orchestrator do not declare their dependencies yet: they get them
// here. Once they do, these lines shrink to their `Default`s.
const QueueGround = Layer.mergeAll(AppConfig.Default, Instance.Default, StreamState.Default, InactivityDecay.Default)
const Leases = ConversationLeases.Default.pipe(Layer.provide(QueueGround))
const Claims = ConversationClaims.Default.pipe(Layer.provide(QueueGround))
const Runs = TaskRuns.Default.pipe(Layer.provide(QueueGround))

/** What the nine stages use. */
const StageServices = Layer.mergeAll(
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
)

/** What running one claimed conversation needs besides its stages: leases, executions, the run's inputs. */
const RunGround = Layer.mergeAll(Leases, ExecutionRepository.Default, PipelineInputs.Default, QueueGround)

const Orchestrator = PipelineOrchestrator.Default.pipe(Layer.provide(Layer.mergeAll(StageServices, RunGround)))

/**
 * The stream and the tasks, with the claims and leases they use, over a pipeline runner: the
 * application's orchestrator here, fake stages in the trigger tests (`PipelineRunner.fromSteps`).
 */
export const triggersOver = <E, R>(runner: Layer.Layer<PipelineRunner, E, R>) =>
  Layer.mergeAll(ConversationStream.Default, Tasks.Default).pipe(
    Layer.provideMerge(Layer.mergeAll(Claims, Runs, RunGround, runner.pipe(Layer.provide(RunGround))))
  )

const Triggers = triggersOver(Layer.effect(PipelineRunner, PipelineOrchestrator).pipe(Layer.provide(Orchestrator)))

export const ApplicationLive = Layer.mergeAll(
  AppConfig.Default,
  StreamState.Default,
  TaskSecret.Default,
  UserRepository.Default,
  ConversationRepository.Default,
  ConversationListing.Default,
  ConversationIntake.Default,
  MemoryRepository.Default,
  Embeddings.Default,
  ReadyPromptRepository.Default,
  PromptInputs.Default,
  HealthService.Default,
  ExecutionRepository.Default,
  ExecutionProgress.Default,
  ExecutionHistory.Default,
  PipelineStats.Default,
  RunTimeline.Default,
  Orchestrator,
  Claims,
  Triggers
).pipe(Layer.provideMerge(DatabaseLive))
