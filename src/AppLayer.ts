import { Layer } from "effect"
import { AppServices } from "./AppServices.js"
import { PipelineOrchestrator } from "./pipeline/Pipeline.js"
import { PipelineServices } from "./PipelineServices.js"
import { ConversationClaims } from "./services/ConversationClaims.js"
import { DatabaseLive } from "./services/Database.js"
import { ExecutionProgress } from "./services/ExecutionProgress.js"
import { InactivityDecay } from "./services/InactivityDecay.js"
import { PipelineStats } from "./services/PipelineStats.js"
import { TaskRuns } from "./services/TaskRuns.js"
import { ConversationStream } from "./triggers/ConversationStream.js"
import { PipelineRunner } from "./triggers/PipelineRunner.js"
import { Tasks } from "./triggers/Tasks.js"

/**
 * The application without its edges: database, repositories, model providers, the pipeline and
 * the triggers' services. Main adds the HTTP server and starts the stream; the tests' TestApp
 * adds a test server. It still needs `AppConfig`.
 */
export const TriggerServices = Layer.mergeAll(ConversationStream.Default, Tasks.Default).pipe(
  Layer.provideMerge(Layer.mergeAll(ConversationClaims.Default, InactivityDecay.Default, TaskRuns.Default)),
  Layer.provideMerge(Layer.effect(PipelineRunner, PipelineOrchestrator))
)

/** What the pipeline endpoints read besides the executions: run progress and the last day's stats. */
export const PipelineReadModels = Layer.mergeAll(ExecutionProgress.Default, PipelineStats.Default)

export const ApplicationLive = Layer.mergeAll(TriggerServices, PipelineReadModels).pipe(
  Layer.provideMerge(PipelineServices),
  Layer.provideMerge(AppServices),
  Layer.provideMerge(DatabaseLive)
)
