import { SqlClient } from "@effect/sql"
import pg from "pg"
import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { triggersOver } from "../../src/AppLayer.js"
import { DatabaseLive } from "../../src/db/Database.js"
import type { StagePlan } from "../../src/pipeline/PipelineStep.js"
import { type PipelineRun, type StageName, stageNames } from "../../src/pipeline/Stage.js"
import { PipelineRunner } from "../../src/queue/PipelineRunner.js"
import { freshDatabaseUrl, testEnv } from "../support/Db.js"
import { stagesActing } from "../support/FakeStages.js"

/**
 * One aftertalk instance for trigger tests: the real claim, leases, executions, orchestrator,
 * stream and tasks over a real PostgreSQL, with stages that do nothing but wait (or fail, or
 * hang) as the test asks. Intervals are short so the suite runs in seconds.
 */

/** What a fake stage does: wait this long and succeed, fail, or never finish. */
export type Behaviour = { readonly _tag: "ok"; readonly delayMs: number } | { readonly _tag: "fail" } | { readonly _tag: "hang" }

export const ok = (delayMs = 0): Behaviour => ({ _tag: "ok", delayMs })
export const fail: Behaviour = { _tag: "fail" }
export const hang: Behaviour = { _tag: "hang" }

export type Behaviours = Partial<Record<StageName, StageBehaviour>>

/** A stage's behaviour for every run, or decided per run (e.g. by conversation). */
export type StageBehaviour = Behaviour | ((run: PipelineRun) => Behaviour)

const act = (name: StageName, behaviour: Behaviour) =>
  behaviour._tag === "hang"
    ? Effect.never
    : behaviour._tag === "fail"
    ? Effect.fail(new Error(`${name} broke`))
    : Effect.sleep(Duration.millis(behaviour.delayMs))

/** The stages (by default all nine), each behaving as given (default: succeed at once). */
export const fakeSteps = (behaviours: Behaviours = {}, stages: ReadonlyArray<StageName> = stageNames) =>
  stagesActing((name, run) => {
    const given = behaviours[name] ?? ok()
    return act(name, typeof given === "function" ? given(run) : given)
  }, { stages })

/** Short intervals: a stale conversation is due after 300 ms, the stream polls every 50 ms. */
export const fastEnv: Record<string, string> = {
  STALE_AFTER: "300 millis",
  STREAM_POLL_INTERVAL: "50 millis",
  STREAM_CONCURRENCY: "4",
  LEASE_DURATION: "5 seconds",
  SHUTDOWN_GRACE: "5 seconds"
}

/**
 * Every trigger service of one instance on the database at `url`, composed as the application
 * composes them (`triggersOver`), its pipeline running `plan`; the stream loop is not started.
 */
export const instanceOver = (url: string, env: Record<string, string>, plan: StagePlan<never>) =>
  triggersOver(PipelineRunner.fromPlan(plan)).pipe(
    Layer.provideMerge(DatabaseLive),
    Layer.provide(testEnv({ ...fastEnv, ...env, DATABASE_URL: url }))
  )

/** Every trigger service of one instance on the database at `url`, its stages behaving as given. */
export const instanceLayer = (
  url: string,
  env: Record<string, string> = {},
  behaviours: Behaviours = {},
  stages: ReadonlyArray<StageName> = stageNames
) => instanceOver(url, env, fakeSteps(behaviours, stages))

/** A fresh database and one instance on it: each test starts with no conversations at all. */
export const freshInstance = (env: Record<string, string> = {}, behaviours: Behaviours = {}) =>
  Layer.unwrapScoped(Effect.map(Effect.tap(freshDatabaseUrl, withoutCommitFlush), (url) => instanceLayer(url, env, behaviours)))

/**
 * A throwaway test database need not wait for the disk at every commit: with synchronous_commit
 * off, the hundreds of small commits of the many-run tests stop queueing behind fsyncs (which
 * matters on a busy machine). Sessions opened afterwards get the setting.
 */
export const withoutCommitFlush = (url: string) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<{ name: string }>("SELECT current_database() AS name")
      const name = rows[0]?.name
      if (name !== undefined) await client.query(`ALTER DATABASE ${client.escapeIdentifier(name)} SET synchronous_commit = off`)
    } finally {
      await client.end()
    }
  })

/**
 * One fresh database shared by the tests of a file (`layer(SharedDatabase.fresh)`), for tests that
 * build instances with different settings on it; each test starts with `resetDatabase`.
 */
export class SharedDatabase extends Context.Tag("test/SharedDatabase")<SharedDatabase, { readonly url: string }>() {
  static fresh = Layer.scoped(
    SharedDatabase,
    Effect.tap(freshDatabaseUrl, withoutCommitFlush).pipe(Effect.map((url) => ({ url })))
  )
}

/** Empties the shared database before an instance (whose stream would claim leftovers) starts on it. */
export const resetSharedDatabase = Effect.flatMap(SharedDatabase, ({ url }) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query("DELETE FROM users; DELETE FROM task_runs")
    } finally {
      await client.end()
    }
  }))

/**
 * Empties the database between the tests of a file that share one: deleting the players cascades
 * to everything else (DELETE rather than TRUNCATE, which costs a second on fifteen tables).
 */
export const resetDatabase = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.all([sql`DELETE FROM users`, sql`DELETE FROM task_runs`], { discard: true })).pipe(Effect.orDie)

/**
 * `players` new players with `perPlayer` queued text conversations each (one statement: the
 * many-conversation tests would otherwise spend seconds inserting). Conversations start a minute
 * apart, oldest first; returns them with their player.
 */
export const seedQueued = (players: number, perPlayer: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ id: string; user_id: string }>`
      WITH players AS (
        INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, ${players}) RETURNING id
      ), metrics AS (
        INSERT INTO user_metrics (user_id) SELECT id FROM players
      )
      INSERT INTO conversations (user_id, platform, status, started_at, last_message_at)
      SELECT p.id, 'text', 'queued', now() - n * interval '1 minute', now() - n * interval '1 minute'
      FROM players p CROSS JOIN generate_series(1, ${perPlayer}) n
      RETURNING id, user_id`).pipe(Effect.orDie)

/** Polls `read` every 25 ms until `done` holds, failing the test after `within`. */
export const eventually = <A, E, R>(
  read: Effect.Effect<A, E, R>,
  done: (value: A) => boolean,
  within: Duration.DurationInput = "10 seconds"
) =>
  read.pipe(
    Effect.filterOrFail(done, () => "not yet" as const),
    Effect.retry(Schedule.spaced("25 millis")),
    Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`condition not reached within ${Duration.format(Duration.decode(within))}`) }),
    Effect.orDie
  )

export interface ConversationState {
  readonly status: string
  readonly processing_attempts: number
  readonly lease_owner: string | null
  readonly last_error: string | null
  readonly retry_in_s: number | null
  readonly user_lease_owner: string | null
}

export const conversationState = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<ConversationState>`
      SELECT c.status, c.processing_attempts, c.lease_owner, c.last_error,
             extract(epoch FROM c.next_attempt_at - now())::float8 AS retry_in_s,
             u.pipeline_lease_owner AS user_lease_owner
      FROM conversations c JOIN users u ON u.id = c.user_id WHERE c.id = ${id}`).pipe(
    Effect.orDie,
    Effect.flatMap((rows) => (rows[0] === undefined ? Effect.dieMessage(`no conversation ${id}`) : Effect.succeed(rows[0])))
  )

export const executionsOf = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ status: string; trigger: string; error: string | null; attempt: number }>`
      SELECT status, trigger, error, attempt FROM pipeline_executions
      WHERE conversation_id = ${conversationId} ORDER BY created_at`).pipe(Effect.orDie)
