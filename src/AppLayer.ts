import { Layer } from "effect"
import { AppConfig } from "./config/AppConfig.js"
import { TaskSecret } from "./config/TaskSecret.js"
import { ConversationListing } from "./conversation/ConversationListing.js"
import { ConversationRepository } from "./conversation/ConversationRepository.js"
import { DatabaseLive } from "./db/Database.js"
import { MemoryRepository } from "./memory/MemoryRepository.js"
import { Embeddings } from "./model/Embeddings.js"
import { ConversationIntake } from "./pipeline/ConversationIntake.js"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { PromptInputs } from "./pipeline/PromptInputs.js"
import { UserRepository } from "./player/UserRepository.js"
import { ReadyPromptRepository } from "./prompt/ReadyPromptRepository.js"
import { ConversationClaims } from "./queue/ConversationClaims.js"
import { ConversationStream } from "./queue/ConversationStream.js"
import { PipelineRunner } from "./queue/PipelineRunner.js"
import { PipelineRuns } from "./queue/PipelineRuns.js"
import { WorkerPool } from "./queue/WorkerPool.js"
import { Tasks } from "./queue/Tasks.js"
import { ExecutionHistory } from "./runs/ExecutionHistory.js"
import { ExecutionProgress } from "./runs/ExecutionProgress.js"
import { ExecutionRepository } from "./runs/ExecutionRepository.js"
import { HealthService } from "./runs/Health.js"
import { PipelineStats } from "./runs/PipelineStats.js"
import { Readiness } from "./runs/Readiness.js"
import { MetricsScrape } from "./observability/Telemetry.js"
import { RunTimeline } from "./runs/RunTimeline.js"
import { StreamState } from "./runs/StreamState.js"

/**
 * The application without its edges: the services the HTTP handlers, the stream and the tasks
 * use, as one `Layer.mergeAll` of top-level layers over the database. Every service declares its
 * dependencies, so each `Default` brings what it needs, and a layer value met twice in one build
 * is built once (layers are memoized by reference, and a service's `Default` is one value): the
 * stream, the process-conversations task and the async trigger share one `WorkerPool`, the stream
 * and the health check one `StreamState`, both model providers one rate limiter, everything one
 * `AppConfig`. Two requirements stay open on purpose: the migrated database (`DatabaseLive`), the
 * ground every repository stands on, provided once here; and the queue's `PipelineRunner`, which
 * the application fills with its orchestrator. Main adds the HTTP server and starts the stream;
 * the tests' TestApp adds a test server.
 */

/**
 * The stream, the tasks and the run lifecycle (the HTTP triggers' too) over a pipeline runner,
 * with the claims, the one worker pool they share, and the state and configuration
 * `ConversationStreamLive` starts the stream with. The runner is the application's orchestrator
 * here and fake stages in the trigger tests (`PipelineRunner.fromPlan`), so those tests build the
 * queue as the application does.
 */
export const triggersOver = <E, R>(runner: Layer.Layer<PipelineRunner, E, R>) =>
  Layer.mergeAll(
    ConversationStream.Default,
    Tasks.Default,
    PipelineRuns.Default,
    ConversationClaims.Default,
    WorkerPool.Default,
    StreamState.Default,
    AppConfig.Default
  ).pipe(Layer.provide(runner))

/** The queue runs the application's pipeline: the orchestrator over the nine stages. */
const OrchestratorRunner = Layer.effect(PipelineRunner, PipelineOrchestrator).pipe(Layer.provide(PipelineOrchestrator.Default))

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
  Readiness.Default,
  MetricsScrape.Default,
  RunTimeline.Default,
  triggersOver(OrchestratorRunner)
).pipe(Layer.provideMerge(DatabaseLive))
