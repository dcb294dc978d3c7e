import { SqlClient, SqlSchema } from "@effect/sql"
import { Data, DateTime, Duration, Effect, Option, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { StreamState, type StreamStatus } from "./StreamState.js"

/**
 * The pipeline's health, as `GET /pipeline/health` reports it. The rules:
 *
 * - `recent_success_rate`: over the last 100 finished runs (newest first by creation); `success`
 *   and `partial_success` count as successes, since a partial run still stored the critical
 *   stages' results. Null when nothing has finished yet. `avg_duration_ms` is over the same runs.
 * - `stuck_conversations`: `processing` conversations whose last sign of life (their last update
 *   or the end of their lease, whichever is later) is older than STUCK_AFTER. A live run renews
 *   its lease; a crashed one's lease expires and the conversation is claimed again well before
 *   STUCK_AFTER, so one still counted here means recovery is not happening.
 * - `queue_depth`: conversations waiting to be claimed: every `queued` one (including retries
 *   whose backoff has not elapsed) plus `active` text conversations silent for STALE_AFTER.
 *   `oldest_queued_age_seconds` is how long the oldest of them has been claimable (a queued one
 *   since its `next_attempt_at`, else since it was queued; a stale one since it went stale), 0 when
 *   none is claimable yet, null when the queue is empty.
 * - `database`: a `SELECT 1` and the queries above within `checkBudget`; any failure or timeout
 *   is `down`, the answer is `unhealthy` and the numbers are null or 0.
 * - `unhealthy` when the database is down; `degraded` when the success rate is under 0.9, any
 *   conversation is stuck, or the stream is not running although the pipeline is enabled.
 */

export const HealthStatus = Schema.Literal("healthy", "degraded", "unhealthy")
export type HealthStatus = typeof HealthStatus.Type

export interface HealthReport {
  readonly status: HealthStatus
  readonly recent_success_rate: number | null
  readonly avg_duration_ms: number | null
  readonly stuck_conversations: number
  readonly queue_depth: number
  readonly oldest_queued_age_seconds: number | null
  readonly database: "ok" | "down"
  readonly stream: StreamStatus
  readonly checked_at: Date
}

/** How long the whole database check may take before the database counts as down. */
export const checkBudget = Duration.seconds(2)

/** The success rate under which the pipeline counts as degraded. */
export const minimumSuccessRate = 0.9

class CheckTimeout extends Data.TaggedError("CheckTimeout") {}

const Waiting = Schema.Struct({ depth: Schema.Number, oldest_age_seconds: Schema.NullOr(Schema.Number) })

export class HealthService extends Effect.Service<HealthService>()("aftertalk/HealthService", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* AppConfig
    const streamState = yield* StreamState
    const stuckSeconds = Duration.toSeconds(config.stuckAfter)
    const staleSeconds = Duration.toSeconds(config.staleAfter)

    const probe = sql`SELECT 1`

    const recentRuns = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ finished: Schema.Number, succeeded: Schema.Number, avg_duration_ms: Schema.NullOr(Schema.Number) }),
      execute: () =>
        sql`
          SELECT count(*) AS finished,
            count(*) FILTER (WHERE status IN ('success', 'partial_success')) AS succeeded,
            avg(total_duration_ms)::float8 AS avg_duration_ms
          FROM (
            SELECT status, total_duration_ms FROM pipeline_executions
            WHERE status IN ('success', 'partial_success', 'failed')
            ORDER BY created_at DESC LIMIT 100
          ) recent`
    })

    const stuck = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ stuck: Schema.Number }),
      execute: () =>
        sql`
          SELECT count(*) AS stuck FROM conversations
          WHERE status = 'processing'
            AND GREATEST(updated_at, lease_expires_at) < now() - make_interval(secs => ${stuckSeconds})`
    })

    const queued = SqlSchema.single({
      Request: Schema.Void,
      Result: Waiting,
      execute: () =>
        sql`
          SELECT count(*) AS depth,
            GREATEST(0, EXTRACT(EPOCH FROM now() - min(COALESCE(next_attempt_at, updated_at))))::float8 AS oldest_age_seconds
          FROM conversations WHERE status = 'queued'`
    })

    const stale = SqlSchema.single({
      Request: Schema.Void,
      Result: Waiting,
      execute: () =>
        sql`
          SELECT count(*) AS depth,
            EXTRACT(EPOCH FROM now() - (min(last_message_at) + make_interval(secs => ${staleSeconds})))::float8
              AS oldest_age_seconds
          FROM conversations
          WHERE status = 'active' AND platform = 'text'
            AND last_message_at < now() - make_interval(secs => ${staleSeconds})`
    })

    const measure = Effect.gen(function*() {
      yield* probe
      const [runs, stuckCount, queue, silent] = yield* Effect.all(
        [recentRuns(undefined), stuck(undefined), queued(undefined), stale(undefined)],
        { concurrency: "unbounded" }
      )
      const ages = [queue, silent].flatMap((w) => (w.depth > 0 && w.oldest_age_seconds !== null ? [w.oldest_age_seconds] : []))
      return {
        recent_success_rate: runs.finished > 0 ? runs.succeeded / runs.finished : null,
        avg_duration_ms: runs.avg_duration_ms === null ? null : Math.round(runs.avg_duration_ms),
        stuck_conversations: stuckCount.stuck,
        queue_depth: queue.depth + silent.depth,
        oldest_queued_age_seconds: ages.length > 0 ? Math.round(Math.max(...ages)) : null
      }
    }).pipe(
      Effect.catchTag("ParseError", Effect.die),
      // Disconnected so that a hung connection attempt cannot hold the answer past the budget.
      Effect.disconnect,
      Effect.timeoutFail({ duration: checkBudget, onTimeout: () => new CheckTimeout() })
    )

    /** The full health report; never fails: an unreachable database is part of the answer. */
    const check = Effect.fn("HealthService.check")(function*(): Effect.fn.Return<HealthReport> {
      const stream = yield* streamState.get
      const measured = yield* measure.pipe(
        Effect.tapError((error) => Effect.logWarning("health check: database unreachable", error)),
        Effect.option
      )
      const checked_at = DateTime.toDate(yield* DateTime.now)
      return Option.match(measured, {
        onNone: (): HealthReport => ({
          status: "unhealthy",
          recent_success_rate: null,
          avg_duration_ms: null,
          stuck_conversations: 0,
          queue_depth: 0,
          oldest_queued_age_seconds: null,
          database: "down",
          stream,
          checked_at
        }),
        onSome: (numbers): HealthReport => {
          const degraded = (numbers.recent_success_rate !== null && numbers.recent_success_rate < minimumSuccessRate) ||
            numbers.stuck_conversations > 0 ||
            (config.pipelineEnabled && stream !== "running")
          return { status: degraded ? "degraded" : "healthy", ...numbers, database: "ok", stream, checked_at }
        }
      })
    })

    return { check } as const
  }),
  dependencies: [AppConfig.Default, StreamState.Default]
}) {}
