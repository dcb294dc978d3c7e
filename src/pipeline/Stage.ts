import { Data, Duration, Effect, type Option } from "effect"
import type { Chapter } from "../game/Chapters.js"
import type { EmotionalState } from "../game/Emotional.js"
import type { EngagementInput, EngagementState } from "../game/Engagement.js"
import type { Extraction, ExtractionOutcome } from "../game/ExtractionSchema.js"
import type { DailySummaryState } from "../game/DailySummary.js"
import type { LifeEvent } from "../game/LifeEventSchema.js"
import type { Metrics } from "../game/Metrics.js"
import { redactSecrets } from "../config/Redaction.js"
import type { CriticalStageName, RecoverableStageName, StageName } from "../game/StageNames.js"

export {
  type CriticalStageName,
  isCritical,
  type RecoverableStageName,
  type StageName,
  stageNames
} from "../game/StageNames.js"

/**
 * The contract every pipeline stage follows. A stage is a value, not a class: its name, a named
 * timeout, and `run`, whose type lists the services it needs and what it reads from the stages
 * before it. Every stage file has one shape: `criticalStage({ name, timeout, run })` or
 * `recoverableStage({ … })`; the constructor maps the stage's own failures into its typed error,
 * names the span and annotates the logs, so stage files only say what the stage does. Stages
 * must be idempotent per conversation: a re-run after a crash (or with force_reprocess) applies
 * nothing twice. A stage writes through repositories only (no SqlClient, no transaction of its own).
 */

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

/**
 * Rows of the conversation and the player that the run's one load of its inputs also found, so
 * that the stages need not read them again. What a stage writes from them is checked in its write
 * (a ledger row already there, a player changed since): what they say may be out of date, never
 * applied twice. Absent (a run built by hand, or a found row failing its schema), the stages
 * read them themselves.
 */
export interface RunFound {
  /** The extraction a previous run stored; none: the model is asked. */
  readonly extraction: Option.Option<Extraction>
  /** The summary a previous run stored for the conversation. */
  readonly summary: Option.Option<string>
  readonly bossAttempts: number
  /** The player's conversation rhythm as of this conversation (`player/ConversationRhythm.ts`). */
  readonly rhythm: EngagementInput
  /** Nikita's latest emotional state recorded by another of the player's conversations. */
  readonly emotionalBefore: Option.Option<EmotionalState & { readonly createdAt: Date }>
  /** The touchpoint this conversation already scheduled. */
  readonly touchpoint: Option.Option<{ readonly trigger: "gap" | "event" | "time"; readonly deliverAt: Date }>
  /** The player's other touchpoints, as the cooldowns read them. */
  readonly touchpointHistory: {
    readonly hasPending: boolean
    readonly lastDeliveredAt: Date | null
    readonly lastCreatedAt: Date | null
  }
  /** Nikita's day on the conversation's local date (empty: not generated yet), in slot order. */
  readonly lifeEvents: ReadonlyArray<LifeEvent>
  /** The player's daily summary of the conversation's local date, with its row's id. */
  readonly day: Option.Option<DailySummaryState & { readonly id: string }>
}

export interface PipelineRun {
  readonly executionId: string
  readonly conversation: PipelineConversation
  readonly user: PipelineUser
  readonly found?: RunFound | undefined
  /** The run's clock reading at start; stages use it instead of reading the clock again. */
  readonly startedAt: Date
  readonly forceReprocess: boolean
}

/** What each stage hands to the stages after it. */
export interface StageOutputs {
  readonly extraction: ExtractionOutcome
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

/** The critical stages' outputs: present for every stage after them, since the run stops otherwise. */
export type CriticalOutputs = Pick<StageOutputs, CriticalStageName>

/**
 * What a recoverable stage reads: the extraction, and whichever stages it waits for that
 * succeeded (`memory_update` may still be running beside it; a failure of it stops the run).
 */
export type EarlierOutputs = Pick<StageOutputs, "extraction"> & Partial<Omit<StageOutputs, "extraction">>

/** What critical stage `N` reads: nothing for the first, the extraction for the second. */
export type CriticalInput<N extends CriticalStageName> = N extends "extraction" ? Record<never, never>
  : Pick<StageOutputs, "extraction">

/** A stage reading `I` from the stages before it and handing on `StageOutputs[N]`. */
export interface Stage<N extends StageName, I, E, R> {
  readonly name: N
  readonly timeout: Duration.Duration
  readonly run: (run: PipelineRun, earlier: I) => Effect.Effect<StageOutputs[N], E, R>
}

export type CriticalStage<N extends CriticalStageName, R> = Stage<N, CriticalInput<N>, CriticalStageError, R>
export type RecoverableStage<N extends RecoverableStageName, R> = Stage<N, EarlierOutputs, RecoverableStageError, R>

interface StageSpec<N extends StageName, I, E, R> {
  readonly name: N
  readonly timeout: Duration.DurationInput
  /** The stage's work; any failure becomes the stage's typed error. */
  readonly run: (run: PipelineRun, earlier: I) => Effect.Effect<StageOutputs[N], E, R>
}

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

const instrument = <N extends StageName, E, R>(name: N, run: PipelineRun) => <A>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.annotateLogs({ stage: name, conversation_id: run.conversation.id, user_id: run.user.id }),
    Effect.withSpan(`stage.${name}`)
  )

/** A stage whose failure stops the run (its error type says so). */
export const criticalStage = <N extends CriticalStageName, E, R>(
  spec: StageSpec<N, CriticalInput<N>, E, R>
): CriticalStage<N, R> => ({
  name: spec.name,
  timeout: Duration.decode(spec.timeout),
  run: (run, earlier) =>
    spec.run(run, earlier).pipe(Effect.mapError(criticalFailure(spec.name)), instrument(spec.name, run))
})

/** A stage whose failure is recorded while the run goes on. */
export const recoverableStage = <N extends RecoverableStageName, E, R>(
  spec: StageSpec<N, EarlierOutputs, E, R>
): RecoverableStage<N, R> => ({
  name: spec.name,
  timeout: Duration.decode(spec.timeout),
  run: (run, earlier) =>
    spec.run(run, earlier).pipe(Effect.mapError(recoverableFailure(spec.name)), instrument(spec.name, run))
})
