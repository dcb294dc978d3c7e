import { Layer } from "effect"
import { ConversationRepository } from "./conversation/ConversationRepository.js"
import { HealthService } from "./runs/Health.js"
import { MetricsScrape } from "./observability/Telemetry.js"
import { Readiness } from "./runs/Readiness.js"
import { ReadyPromptRepository } from "./prompt/ReadyPromptRepository.js"
import { StreamState } from "./runs/StreamState.js"
import { TaskSecret } from "./config/TaskSecret.js"
import { UserRepository } from "./player/UserRepository.js"
import { VoiceCallRepository } from "./conversation/VoiceCallRepository.js"

/**
 * Every service the HTTP handlers and the pipeline use, over the database and configuration
 * (they still need `DatabaseLive` and `AppConfig`). The one place to add a service: Main and the
 * tests' TestApp both build from this list. `StreamState` is provided once and shared, so the
 * stream that sets it and the health check that reads it see the same state.
 */
export const AppServices = Layer.mergeAll(
  UserRepository.Default,
  ConversationRepository.Default,
  ReadyPromptRepository.Default,
  HealthService.Default,
  TaskSecret.Default,
  VoiceCallRepository.Default,
  Readiness.Default,
  MetricsScrape.Default
).pipe(Layer.provideMerge(StreamState.Default))
