import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Writable } from "node:stream"
import { loggingLayer } from "../../src/observability/Logging.js"

/**
 * The log as a collector reads it: one entry per line. A player's message can hold a newline and
 * text that looks like a log entry; it must stay inside its own line, in both formats.
 */

const capture = () => {
  const chunks: Array<string> = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"))
      done()
    }
  })
  return { out, lines: () => chunks.join("").split("\n").filter((line) => line !== "") }
}

const forged = `hello\n{"time":"2026-01-01T00:00:00.000Z","level":"error","msg":"forged"}\r\nERROR forged too`

const logSome = Effect.gen(function*() {
  yield* Effect.logInfo(`message: ${forged}`).pipe(Effect.annotateLogs({ content: forged, execution_id: "e-1", stage: "extraction" }))
  yield* Effect.logDebug("hidden below info")
  yield* Effect.logWarning("second").pipe(Effect.annotateLogs({ user_id: "u-1" }))
  yield* Effect.logError("third", new Error(`boom\nwith a second line`))
})

describe("logs", () => {
  it.effect("JSON: every line parses, annotations are top-level keys, a forged newline stays in its line", () =>
    Effect.gen(function*() {
      const { lines, out } = capture()
      yield* logSome.pipe(Effect.provide(loggingLayer({ format: "json", level: "info", out })))

      expect(lines()).toHaveLength(3)
      const entries: Array<Record<string, unknown>> = lines().map((line) => JSON.parse(line))
      expect(entries.map((entry) => entry["level"])).toEqual(["info", "warn", "error"])
      expect(entries[0]).toMatchObject({ msg: `message: ${forged}`, content: forged, execution_id: "e-1", stage: "extraction" })
      expect(entries[1]).toMatchObject({ msg: "second", user_id: "u-1" })
      expect(entries.some((entry) => entry["msg"] === "forged")).toBe(false)
    }))

  it.effect("pretty: one line per entry, control characters escaped, LOG_LEVEL=debug shows debug lines", () =>
    Effect.gen(function*() {
      const { lines, out } = capture()
      yield* logSome.pipe(Effect.provide(loggingLayer({ format: "pretty", level: "debug", out })))

      expect(lines()).toHaveLength(4)
      expect(lines()[0]).toMatch(/^\S+ INFO +message: hello\\n\{"time"/)
      expect(lines()[0]).toContain(" execution_id=e-1")
      expect(lines()[0]).toContain(" stage=extraction")
      expect(lines()[1]).toMatch(/DEBUG +hidden below info$/)
      expect(lines().filter((line) => line.includes("forged"))).toHaveLength(1)
    }))
})
