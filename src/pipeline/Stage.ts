import { Data, Duration, type Effect, type Option } from "effect"
import type { Chapter } from "../game/Chapters.js"
import type { EmotionalState } from "../game/Emotional.js"
import type { EngagementState } from "../game/Engagement.js"
import type { Extraction } from "../game/ExtractionSchema.js"
import type { LifeEvent } from "../game/LifeEventSchema.js"
import type { Metrics } from "../game/Metrics.js"
import { redactSecrets } from "../config/Redaction.js"

/**
 * The contract every pipeline stage follows. A stage is a value, not a class: its name, whether a
 * failure stops the run, a named timeout, and `run`, whose type lists the services it needs.
 * Stages read what earlier stages produced from `outputs` and must be idempotent per
 * conversation: a re-run after a crash (or with force_reprocess) applies nothing twice.
 */

export const stageNames = [
  "extraction",
  "memory_update",
  "life_sim",
  "emotional",
  "game_state",
  "conflict",
  "touchpoint",
  "summary",
  "prompt_builder"
] as const
export type StageName = (typeof stageNames)[number]

export type CriticalStageName = "extraction" | "memory_update"
export const isCritical = (stage: StageName): stage is CriticalStageName =>
  stage === "extraction" || stage === "memory_update"

/** A failure of `extraction` or `memory_update`: the run stops and the conversation is retried later. */
export class CriticalStageError extends Data.TaggedError("CriticalStageError")<{
  readonly stage: CriticalStageName
  readonly message: string
  readonly cause?: unknown
}> {}

/** A failure of any other stage: retried once, then recorded while the run goes on. */
export class RecoverableStageError extends Data.TaggedError("RecoverableStageError")<{
  readonly stage: RecoverableStageName
  readonly message: string
  readonly cause?: unknown
}> {}

export type RecoverableStageName = Exclude<StageName, CriticalStageName>

/** The conversation being processed, as loaded when the run starts. */
export interface PipelineConversation {
  readonly id: string
  readonly userId: string
  readonly platform: "text" | "voice"
  readonly startedAt: Date
  readonly lastMessageAt: Date
  readonly messages: ReadonlyArray<{ readonly role: "user" | "nikita"; readonly content: string; readonly sentAt: Date }>
}

/** The player's state when the run starts (before this conversation is applied). */
export interface PipelineUser {
  readonly id: string
  readonly timezone: string
  readonly gameStatus: "active" | "boss_fight" | "game_over" | "won"
  readonly chapter: Chapter
  readonly relationshipScore: number
  readonly metrics: Metrics
  readonly engagementState: EngagementState
  readonly vulnerabilityExchanges: number
  /** The interaction before this conversation: used for gaps and time since last contact. */
  readonly previousInteractionAt: Option.Option<Date>
  readonly conflictTemperature: number
  readonly conflictUpdatedAt: Option.Option<Date>
  readonly conflictCriticalSince: Option.Option<Date>
  readonly createdAt: Date
}

export interface PipelineRun {
  readonly executionId: string
  readonly conversation: PipelineConversation
  readonly user: PipelineUser
  /** The run's clock reading at start; stages use it instead of reading the clock again. */
  readonly startedAt: Date
  readonly forceReprocess: boolean
}

/** What each stage hands to the stages after it. */
export interface StageOutputs {
  readonly extraction: Extraction
  readonly memory_update: {
    readonly inserted: number
    readonly superseded: number
    readonly unchanged: number
    readonly withoutEmbedding: number
  }
  readonly life_sim: ReadonlyArray<LifeEvent>
  readonly emotional: EmotionalState
  readonly game_state: {
    readonly applied: boolean
    readonly scoreBefore: number
    readonly scoreAfter: number
    readonly metrics: Metrics
    readonly chapter: Chapter
    readonly gameStatus: PipelineUser["gameStatus"]
    readonly events: ReadonlyArray<string>
  }
  readonly conflict: {
    readonly temperature: number
    readonly zone: "calm" | "warm" | "hot" | "critical"
    readonly events: ReadonlyArray<string>
  }
  readonly touchpoint: Option.Option<{ readonly trigger: "gap" | "event" | "time"; readonly deliverAt: Date }>
  readonly summary: { readonly summary: string }
  readonly prompt_builder: {
    readonly text: { readonly tokenCount: number }
    readonly voice: { readonly tokenCount: number }
  }
}

export interface Stage<N extends StageName, E, R> {
  readonly name: N
  readonly critical: boolean
  readonly timeout: Duration.Duration
  readonly run: (run: PipelineRun, outputs: Partial<StageOutputs>) => Effect.Effect<StageOutputs[N], E, R>
}

interface StageSpec<N extends StageName, E, R> {
  readonly name: N
  readonly timeout: Duration.DurationInput
  readonly run: Stage<N, E, R>["run"]
}

/** A stage whose failure stops the run (its error type says so). */
export const criticalStage = <N extends CriticalStageName, R>(
  spec: StageSpec<N, CriticalStageError, R>
): Stage<N, CriticalStageError, R> => ({ ...spec, critical: true, timeout: Duration.decode(spec.timeout) })

/** A stage whose failure is recorded while the run goes on. */
export const recoverableStage = <N extends RecoverableStageName, R>(
  spec: StageSpec<N, RecoverableStageError, R>
): Stage<N, RecoverableStageError, R> => ({ ...spec, critical: false, timeout: Duration.decode(spec.timeout) })

// A stage's error becomes `last_error`, a stage result and a log line: never with a secret in it.
const describe = (cause: unknown): string =>
  redactSecrets(
    cause instanceof Error
      ? cause.message
      : typeof cause === "object" && cause !== null && "message" in cause
      ? String(cause.message)
      : String(cause)
  )

/** Maps any failure of a critical stage's own work (model, database) into its typed error. */
export const criticalFailure = (stage: CriticalStageName) => (cause: unknown) =>
  new CriticalStageError({ stage, message: describe(cause), cause })

/** Maps any failure of a recoverable stage's own work into its typed error. */
export const recoverableFailure = (stage: RecoverableStageName) => (cause: unknown) =>
  new RecoverableStageError({ stage, message: describe(cause), cause })
