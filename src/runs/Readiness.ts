import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Effect, Ref, Schema } from "effect"
import { migrationsDirectory } from "../db/Migrations.js"

/**
 * The probes of an orchestrator or load balancer. Live: the process answers at all. Ready: the
 * database answers within a second, every migration this build ships is applied (an instance of
 * an older build would read tables it does not know), and the service is not shutting down (new
 * work should go elsewhere while runs in flight finish).
 */

export interface ReadinessReport {
  readonly ready: boolean
  readonly database: "ok" | "down"
  readonly migrations: "applied" | "pending" | "unknown"
  readonly shutting_down: boolean
}

const Applied = Schema.Struct({ latest: Schema.NullOr(Schema.Number) })

export class Readiness extends Effect.Service<Readiness>()("aftertalk/Readiness", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const fs = yield* FileSystem.FileSystem
    const stopping = yield* Ref.make(false)
    // The newest migration this build ships, read once: the files do not change while it runs.
    const shipped = Math.max(
      0,
      ...(yield* fs.readDirectory(migrationsDirectory).pipe(Effect.orElseSucceed(() => [])))
        .flatMap((file) => /^(\d+)_.*\.sql$/.exec(file)?.slice(1, 2) ?? [])
        .map(Number)
    )
    const decode = Schema.decodeUnknown(Schema.Array(Applied))

    const latestApplied = sql`SELECT max(migration_id) AS latest FROM aftertalk_migrations`.pipe(
      Effect.flatMap(decode),
      Effect.map((rows) => rows[0]?.latest ?? 0),
      Effect.disconnect,
      Effect.timeout("1 second")
    )

    const check = Effect.gen(function*() {
      const shuttingDown = yield* Ref.get(stopping)
      const latest = yield* Effect.option(latestApplied)
      const database = latest._tag === "Some" ? "ok" as const : "down" as const
      const migrations = latest._tag === "None" ? "unknown" as const : latest.value >= shipped ? "applied" as const : "pending" as const
      const report: ReadinessReport = {
        ready: !shuttingDown && migrations === "applied",
        database,
        migrations,
        shutting_down: shuttingDown
      }
      return report
    }).pipe(Effect.withSpan("Readiness.check"))

    /** From now on the service is not ready: called first when shutdown begins. */
    const markShuttingDown = Ref.set(stopping, true)

    return { check, markShuttingDown } as const
  }),
  dependencies: [NodeFileSystem.layer]
}) {}
