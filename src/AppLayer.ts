import { Layer } from "effect"
import { AppServices } from "./AppServices.js"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { PipelineServices } from "./PipelineServices.js"
import { ConversationClaims } from "./queue/ConversationClaims.js"
import { DatabaseLive } from "./db/Database.js"
import { ExecutionProgress } from "./runs/ExecutionProgress.js"
import { InactivityDecay } from "./player/InactivityDecay.js"
import { PipelineStats } from "./runs/PipelineStats.js"
import { TaskRuns } from "./queue/TaskRuns.js"
import { ConversationStream } from "./queue/ConversationStream.js"
import { ConversationLeases } from "./queue/ConversationLeases.js"
import { PipelineRunner } from "./queue/PipelineRunner.js"
import { PipelineRuns } from "./queue/PipelineRuns.js"
import { WorkerPool } from "./queue/WorkerPool.js"
import { Tasks } from "./queue/Tasks.js"

/**
 * The application without its edges: database, repositories, model providers, the pipeline and
 * the triggers' services. Main adds the HTTP server and starts the stream; the tests' TestApp
 * adds a test server. It still needs `AppConfig`.
 */
export const TriggerServices = Layer.mergeAll(ConversationStream.Default, Tasks.Default).pipe(
  Layer.provideMerge(Layer.mergeAll(ConversationClaims.Default, InactivityDecay.Default, TaskRuns.Default)),
  Layer.provideMerge(PipelineRuns.Default),
  Layer.provideMerge(Layer.mergeAll(ConversationLeases.Default, WorkerPool.Default)),
  Layer.provideMerge(Layer.effect(PipelineRunner, PipelineOrchestrator))
)

/** What the pipeline endpoints read besides the executions: run progress and the last day's stats. */
export const PipelineReadModels = Layer.mergeAll(ExecutionProgress.Default, PipelineStats.Default)

export const ApplicationLive = Layer.mergeAll(TriggerServices, PipelineReadModels).pipe(
  Layer.provideMerge(PipelineServices),
  Layer.provideMerge(AppServices),
  Layer.provideMerge(DatabaseLive)
)
