import { Layer } from "effect"
import { AppServices } from "./AppServices.js"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { PipelineServices } from "./PipelineServices.js"
import { ConversationClaims } from "./queue/ConversationClaims.js"
import { DatabaseLive } from "./db/Database.js"
import { ExecutionHistory } from "./runs/ExecutionHistory.js"
import { ExecutionProgress } from "./runs/ExecutionProgress.js"
import { InactivityDecay } from "./player/InactivityDecay.js"
import { PipelineStats } from "./runs/PipelineStats.js"
import { RunTimeline } from "./runs/RunTimeline.js"
import { TaskRuns } from "./queue/TaskRuns.js"
import { ConversationStream } from "./queue/ConversationStream.js"
import { PipelineRunner } from "./queue/PipelineRunner.js"
import { Tasks } from "./queue/Tasks.js"

/**
 * The application without its edges: database, repositories, model providers, the pipeline and
 * the triggers' services. Main adds the HTTP server and starts the stream; the tests' TestApp
 * adds a test server. It still needs `AppConfig`.
 */
export const TriggerServices = Layer.mergeAll(ConversationStream.Default, Tasks.Default).pipe(
  Layer.provideMerge(Layer.mergeAll(ConversationClaims.Default, InactivityDecay.Default, TaskRuns.Default)),
  Layer.provideMerge(Layer.effect(PipelineRunner, PipelineOrchestrator))
)

/** What the pipeline endpoints read besides the executions: run progress, history and the last day's stats. */
export const PipelineReadModels = Layer.mergeAll(
  ExecutionProgress.Default,
  ExecutionHistory.Default,
  PipelineStats.Default,
  RunTimeline.Default
)

export const ApplicationLive = Layer.mergeAll(TriggerServices, PipelineReadModels).pipe(
  Layer.provideMerge(PipelineServices),
  Layer.provideMerge(AppServices),
  Layer.provideMerge(DatabaseLive)
)
