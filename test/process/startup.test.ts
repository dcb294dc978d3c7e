import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseLive } from "../../src/db/Database.js"
import { Migrations } from "../../src/db/Migrations.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "../support/Db.js"
import { expectedTables, tables, vectorSize } from "../support/MigratedSchema.js"
import { builtEntry, devEntry, type Entry, runToExit, startService } from "../support/ServiceProcess.js"

/**
 * `npm start` as an operator runs it: no DATABASE_URL (the embedded database under DATA_DIR), no
 * secrets, nothing configured. It must come up and answer its health probe, and a malformed
 * setting must stop it with one line an operator can act on.
 */

describe("the service as a process", () => {
  const startsEmbedded = (entry: Entry) =>
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "aftertalk-embedded-"))),
        (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
      )
      const service = yield* startService("embedded", { DATA_DIR: join(dataDir, "data") }, { readyWithin: "90 seconds", entry })

      const health = yield* service.send("GET", "/pipeline/health")
      expect(health.status).toBe(200)
      expect(health.json).toMatchObject({ status: "healthy", database: "ok", stream: "running", queue_depth: 0 })
      // The probes an orchestrator uses: alive, and ready (database up, migrations applied).
      expect((yield* service.send("GET", "/livez")).status).toBe(200)
      const ready = yield* service.send("GET", "/readyz")
      expect(ready.status).toBe(200)
      expect(ready.json).toMatchObject({ ready: true, database: "ok", migrations: "applied", shutting_down: false })
      // The embedded database lives where DATA_DIR says, not in the working directory.
      expect((yield* Effect.promise(() => readdir(join(dataDir, "data")))).length).toBeGreaterThan(0)
      // The dashboard's files are found (the build copies them next to the compiled code).
      expect((yield* service.send("GET", "/dashboard")).status).toBe(200)
      // Without TASK_SECRET the API still refuses strangers.
      expect((yield* service.send("GET", `/users/${crypto.randomUUID()}`)).status).toBe(401)

      const exit = yield* service.stop("SIGTERM")
      expect(exit).toEqual({ code: 0, signal: null })
      // Not a TTY: every line the service wrote is one JSON object.
      const lines = (yield* service.stdout).split("\n").filter((line) => line !== "")
      expect(lines.length).toBeGreaterThan(0)
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()

      // The service migrated its PGlite (pgvector included) at start-up; opened again, as its
      // next start would, every table is there with vectors of the configured size and the
      // migrations apply nothing. (The suite's one PGlite initialisation: each costs seconds of CPU.)
      const reopened = yield* Effect.gen(function*() {
        const { applied } = yield* Migrations
        return { applied, names: yield* tables, dims: yield* vectorSize }
      }).pipe(Effect.provide(DatabaseLive.pipe(Layer.provide(testEnv({ DATA_DIR: join(dataDir, "data") })))))
      expect(reopened).toEqual({ applied: [], names: expectedTables, dims: 1536 })
    })

  it.scopedLive("the built service (node dist/Main.js serve, what npm start runs) starts on the embedded database with nothing configured and answers its probes", () =>
    startsEmbedded(builtEntry), 120_000)

  // From the sources (`npm run dev`, no command = serve): the entry runs the same command line and
  // configuration. The embedded start above is not repeated from the sources: it runs the same
  // code, and the db tests run the sources' migrations and dashboard files.
  it.live("stops with one line naming a malformed setting, exit code 1 and no stack trace (from the sources)", () =>
    Effect.gen(function*() {
      const result = yield* runToExit({ DATA_DIR: "memory://", STALE_AFTER: "soon" }, "45 seconds", devEntry)

      expect(result.code).toBe(1)
      const lines = result.stderr.split("\n").filter((line) => line.trim() !== "")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("STALE_AFTER")
      expect(lines[0]).toContain(`"soon"`)
      expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/^\s+at /m)
      // It stopped before doing anything: no database opened, nothing listening.
      expect(result.stdout).not.toMatch(/Listening on|PGlite/)
    }), 60_000)

  it.scopedLive.skipIf(!postgresAvailable)(
    "stops with one line naming both vector sizes when EMBEDDING_DIMENSIONS differs from the database's",
    () =>
      Effect.gen(function*() {
        // The test databases are created with 1536 dimensions.
        const url = yield* freshDatabaseUrl
        const result = yield* runToExit({ DATABASE_URL: url, EMBEDDING_DIMENSIONS: "768" })

        expect(result.code).toBe(1)
        const lines = result.stderr.split("\n").filter((line) => line.trim() !== "")
        expect(lines).toHaveLength(1)
        expect(lines[0]).toContain("EMBEDDING_DIMENSIONS is 768")
        expect(lines[0]).toContain("1536")
        expect(result.stdout).not.toMatch(/Listening on/)
      }),
    60_000
  )
})
