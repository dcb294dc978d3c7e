import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Shared pieces of the fault suite (`npm run test:faults`): seeding work straight into the
 * database, and the figures every case prints and checks, read from the database itself.
 */

export const faultSecret = "aftertalk-fault-suite-secret"

/** An instance on PostgreSQL and the offline model, quick to find work and to reclaim a dead one's. */
export const faultEnv = (databaseUrl: string, extra: Readonly<Record<string, string>> = {}) => ({
  DATABASE_URL: databaseUrl,
  TASK_SECRET: faultSecret,
  STALE_AFTER: "1 second",
  STREAM_POLL_INTERVAL: "200 millis",
  LEASE_DURATION: "6 seconds",
  MAX_ATTEMPTS: "20",
  SHUTDOWN_GRACE: "5 seconds",
  ...extra
})

export { seedConversations } from "../support/SeedConversations.js"

export interface Figures {
  readonly conversations: number
  readonly processed: number
  /** Conversations not processed at the end. */
  readonly lost: number
  /** Conversations whose score changed more than once. */
  readonly appliedTwice: number
  /** Pairs of runs of one player whose intervals overlap. */
  readonly overlappingRuns: number
  /** Runs that started after a successful run of the same conversation had ended. */
  readonly repeatedAfterSuccess: number
  readonly executions: number
  /** Runs closed as failed: those a dead instance left open, closed when their work was claimed again. */
  readonly failedRuns: number
  readonly leasesHeld: number
}

const one = <A>(rows: ReadonlyArray<A>, fallback: A) => rows[0] ?? fallback

/** What the database says about the runs, after the fact. */
export const figures = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const counts = one(
    yield* sql<{ conversations: number; processed: number; executions: number; failed_runs: number; leases: number }>`
      SELECT (SELECT count(*) FROM conversations)::int AS conversations,
             (SELECT count(*) FROM conversations WHERE status = 'processed')::int AS processed,
             (SELECT count(*) FROM pipeline_executions)::int AS executions,
             (SELECT count(*) FROM pipeline_executions WHERE status = 'failed')::int AS failed_runs,
             ((SELECT count(*) FROM conversations WHERE lease_owner IS NOT NULL) +
              (SELECT count(*) FROM users WHERE pipeline_lease_owner IS NOT NULL))::int AS leases`,
    { conversations: -1, processed: -1, executions: -1, failed_runs: -1, leases: -1 }
  )
  const twice = one(
    yield* sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT conversation_id FROM score_history WHERE conversation_id IS NOT NULL
        GROUP BY conversation_id HAVING count(*) > 1) t`,
    { n: -1 }
  )
  const overlapping = one(
    yield* sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pipeline_executions a JOIN pipeline_executions b
        ON a.user_id = b.user_id AND a.id < b.id
      WHERE a.started_at IS NOT NULL AND b.started_at IS NOT NULL
        AND a.started_at < COALESCE(b.completed_at, 'infinity') AND b.started_at < COALESCE(a.completed_at, 'infinity')`,
    { n: -1 }
  )
  const repeated = one(
    yield* sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pipeline_executions a JOIN pipeline_executions b
        ON a.conversation_id = b.conversation_id AND a.id <> b.id
      WHERE a.status IN ('success', 'partial_success') AND b.started_at >= a.completed_at`,
    { n: -1 }
  )
  return {
    conversations: counts.conversations,
    processed: counts.processed,
    lost: counts.conversations - counts.processed,
    appliedTwice: twice.n,
    overlappingRuns: overlapping.n,
    repeatedAfterSuccess: repeated.n,
    executions: counts.executions,
    failedRuns: counts.failed_runs,
    leasesHeld: counts.leases
  } satisfies Figures
}).pipe(Effect.orDie)

/** One line of figures per case, so that the suite's output reads as a report. */
export const report = (name: string, values: Readonly<Record<string, unknown>>) =>
  Effect.sync(() => {
    const text = Object.entries(values).map(([key, value]) => `${key}=${String(value)}`).join(" ")
    console.log(`[faults] ${name}: ${text}`)
  })
