import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Random } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { type Child, spawnService } from "../support/ServiceProcess.js"
import { databaseAt, eventually, executions, type ExecutionRow, withoutCommitFlush } from "../process/support.js"
import { faultEnv, figures, report, seedConversations } from "./support.js"

/**
 * Three instances share one database while 600 conversations run, and one of them is killed
 * with SIGKILL at random moments, again and again, and started anew. Whatever the moment,
 * nothing is lost, nothing is applied twice, a player never has two runs at once, and a
 * successful run is never repeated. Checked in the database: pipeline_executions, score_history,
 * the runs' intervals per player.
 */

const conversationCount = Number(process.env.FAULTS_CONVERSATIONS ?? "600")
const perPlayer = 3
const instances = 3
const maxKills = Number(process.env.FAULTS_KILLS ?? "8")

/**
 * Pairs of runs of one player that were running at the same time. A run ends at its completion,
 * or when its instance was killed: the row of a run whose process died stays open until its
 * conversation is claimed again, while the process was long gone.
 */
const overlapsAmong = (runs: ReadonlyArray<ExecutionRow>, killedAt: ReadonlyMap<string, number>) => {
  const end = (run: ExecutionRow) =>
    Math.min(run.completed_at?.getTime() ?? Infinity, killedAt.get(run.instance_id ?? "") ?? Infinity)
  let overlaps = 0
  const started = runs.filter((run) => run.started_at !== null)
  for (let i = 0; i < started.length; i++) {
    for (let j = i + 1; j < started.length; j++) {
      const a = started[i]
      const b = started[j]
      if (a === undefined || b === undefined || a.user_id !== b.user_id) continue
      const aStart = a.started_at?.getTime() ?? 0
      const bStart = b.started_at?.getTime() ?? 0
      if (aStart < end(b) && bStart < end(a)) overlaps++
    }
  }
  return overlaps
}

describe.skipIf(!postgresAvailable)("SIGKILL storm over three instances", () => {
  it.scopedLive(`${conversationCount} conversations, one of three instances killed at random moments: lost 0, applied twice 0`, () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      yield* Effect.provide(withoutCommitFlush, db)
      yield* Effect.provide(seedConversations(Math.ceil(conversationCount / perPlayer), perPlayer), db)

      const env = faultEnv(url)
      // Replacements are not waited for: the next kill may well hit an instance still starting.
      const launch = (slot: number, generation: number) => spawnService(`instance-${slot}`, { ...env, INSTANCE_ID: `fault-${slot}-${generation}` })
      const running: Array<Child & { readonly listening: Effect.Effect<string> }> = yield* Effect.forEach(Array.from({ length: instances }, (_, i) => i), (i) => launch(i, 0))
      const start = yield* Clock.currentTimeMillis
      let kills = 0
      // When each instance died: a run it left open ended then, whatever its row says.
      const killedAt = new Map<string, number>()
      const generations: Array<number> = Array.from({ length: instances }, () => 0)
      const processed = Effect.map(Effect.provide(figures, db), (f) => f.processed)
      yield* eventually("a first run done", processed, (n) => n > 0, "180 seconds")
      let lastSeen = yield* processed
      while (lastSeen < conversationCount && kills < maxKills) {
        // Kill while runs are going on: only once work moved since the last kill, then at a random moment.
        const seen = lastSeen
        lastSeen = yield* eventually("progress since the last kill", processed, (n) => n > seen || n === conversationCount, "180 seconds")
        yield* Effect.sleep(Duration.millis(yield* Random.nextIntBetween(200, 2_500)))
        const victim = yield* Random.nextIntBetween(0, instances)
        const target = running[victim]
        if (target === undefined) continue
        yield* target.kill("SIGKILL")
        yield* target.exited
        killedAt.set(`fault-${victim}-${generations[victim] ?? 0}`, yield* Clock.currentTimeMillis)
        kills++
        generations[victim] = kills
        running[victim] = yield* launch(victim, kills)
      }
      yield* eventually("every conversation processed", processed, (n) => n === conversationCount, "240 seconds").pipe(
        Effect.tapDefect(() => Effect.flatMap(Effect.provide(figures, db), (f) => report("sigkill (unfinished)", { ...f, kills })))
      )
      const tookMs = (yield* Clock.currentTimeMillis) - start
      for (const child of running) {
        // A replacement still starting has no SIGTERM handler yet: stop it once it listens.
        yield* child.listening
        yield* child.kill("SIGTERM")
        expect(yield* child.exited).toEqual({ code: 0, signal: null })
      }

      const runs = yield* Effect.provide(executions, db)
      const result = { ...(yield* Effect.provide(figures, db)), overlappingRuns: overlapsAmong(runs, killedAt) }
      yield* report("sigkill", { ...result, kills, seconds: (tookMs / 1000).toFixed(1) })
      expect(result).toMatchObject({
        conversations: conversationCount,
        lost: 0,
        appliedTwice: 0,
        overlappingRuns: 0,
        repeatedAfterSuccess: 0,
        leasesHeld: 0
      })
      expect(kills).toBeGreaterThan(0)
    }), 420_000)
})
