import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { dataDirLock } from "../../src/db/DataDirLock.js"
import { stageNames } from "../../src/pipeline/Stage.js"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { cliEntry, runToExit } from "../support/ServiceProcess.js"

/**
 * The `aftertalk` command as an operator types it: `demo` fills an empty database and ends with
 * prompts built, `process` prints every stage, and a second process on a DATA_DIR in use stops at
 * once with one line naming the holder. Few processes, each short.
 */

const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "aftertalk-cli-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

describe.skipIf(!postgresAvailable)("aftertalk demo and process", () => {
  it.scopedLive("demo on an empty database ends with prompts built; process prints all nine stages", () =>
    Effect.gen(function*() {
      const env = { DATABASE_URL: yield* freshDatabaseUrl, TASK_SECRET: "cli-test-secret-0123456789" }
      // A mistake (an unknown conversation) is independent of the demo: the two run side by side.
      const [demo, missing] = yield* Effect.all([
        runToExit(env, "120 seconds", cliEntry("demo")),
        // Warnings, such as the offline provider's, are logs: silenced here.
        runToExit({ ...env, LOG_LEVEL: "error" }, "120 seconds", cliEntry("process", crypto.randomUUID()))
      ], { concurrency: 2 })
      expect(demo.code).toBe(0)
      expect(demo.stdout).toContain("prompts built for 3 of 3 players")
      expect(demo.stdout).toMatch(/Sam's text prompt \(\d+ tokens\)/)
      expect(demo.stdout).toContain("works as a nurse")
      // Results on stdout, logs on stderr: stdout has no log lines.
      expect(demo.stdout).not.toMatch(/"level":/)

      const conversationId = /^Sam\s+\S+\s+(\S+)\s+success$/m.exec(demo.stdout)?.[1]
      expect(conversationId).toMatch(/^[0-9a-f-]{36}$/)
      const again = yield* runToExit(env, "120 seconds", cliEntry("process", conversationId ?? "", "--force"))
      expect(again.code).toBe(0)
      for (const stage of stageNames) expect(again.stdout).toMatch(new RegExp(`^${stage}\\s+success\\s+\\d+`, "m"))
      expect(again.stdout).toMatch(/^success in \d+ ms/m)

      // A mistake is one line and exit code 1.
      expect(missing.code).toBe(1)
      expect(missing.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^aftertalk: no conversation /)])
    }), 300_000)
})

describe("the embedded database's lock", () => {
  it.scopedLive("a second process on a DATA_DIR in use exits 1 with one line naming the holder", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      // This test process holds the lock, as a running service would.
      yield* Layer.build(dataDirLock(dataDir))
      const second = yield* runToExit({ DATA_DIR: dataDir }, "60 seconds", cliEntry("migrate"))
      expect(second.code).toBe(1)
      const lines = second.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toBe(
        `aftertalk: DATA_DIR ${dataDir} is in use by pid ${process.pid} on ${hostname()} since ${
          /since (\S+);/.exec(lines[0] ?? "")?.[1]
        }; stop that process or use another DATA_DIR`
      )
      expect(second.stdout).not.toContain("PGlite")
    }), 90_000)

  it.scoped("a lock left by a process that is gone is taken over", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      // Pid 2^22 + 1 is above Linux's pid_max: no such process.
      yield* Effect.promise(() =>
        writeFile(join(dataDir, "aftertalk.lock"), JSON.stringify({ pid: 4_194_305, host: hostname(), since: "2026-01-01T00:00:00Z" }))
      )
      yield* Layer.build(dataDirLock(dataDir))
      const second = yield* Layer.build(dataDirLock(dataDir)).pipe(Effect.flip)
      expect(second.message).toContain(`pid ${process.pid}`)
    }))
})
