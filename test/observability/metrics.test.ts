import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { postgresAvailable } from "../support/Db.js"
import { openAiError } from "../support/FakeOpenAi.js"
import { type Reply, send, testTaskSecret } from "../support/TestApp.js"
import { answerExtraction, converse, newPlayer, nightShiftTalk, PipelineApp, scriptExtraction } from "../http/pipelineSupport.js"

/**
 * `GET /metrics` as Prometheus scrapes it: text exposition format, behind the bearer secret, and
 * counting what happened: runs by status and trigger, stage durations, model requests, HTTP
 * requests by route template (never by raw path).
 */

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** A strict reader of the text format: every line is a comment or `name{labels} value`. */
const parsePrometheus = (text: string): ReadonlyArray<Sample> =>
  text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).map((line) => {
    const found = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.e+-]+|NaN|\+Inf|-Inf))$/.exec(line)
    if (found === null) throw new Error(`not Prometheus text: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (found[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (key !== undefined && value !== undefined) labels[key] = value
    }
    return { name: found[1] ?? "", labels, value: Number(found[3]) }
  })

const valueOf = (samples: ReadonlyArray<Sample>, name: string, labels: Record<string, string>) =>
  samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0)

const scrape = Effect.gen(function*() {
  const reply: Reply = yield* send("GET", "/metrics", { secret: testTaskSecret })
  expect(reply.status).toBe(200)
  expect(reply.contentType).toContain("text/plain")
  return parsePrometheus(reply.text)
})

describe.skipIf(!postgresAvailable)("GET /metrics", () => {
  layer(PipelineApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("is Prometheus text behind the bearer secret and counts the runs made, by status and trigger", () =>
      Effect.gen(function*() {
        expect((yield* send("GET", "/metrics", { secret: "" })).status).toBe(401)
        expect((yield* send("GET", "/metrics", { secret: "wrong" })).status).toBe(401)
        // Counters live in the process and other files' runs may share it: compare before and after.
        const before = yield* scrape

        yield* scriptExtraction()
        for (let run = 0; run < 2; run++) {
          const conversationId = yield* converse(yield* newPlayer, nightShiftTalk)
          expect((yield* send("POST", `/pipeline/process/${conversationId}`)).status).toBe(200)
        }
        yield* answerExtraction(() => openAiError(400, { message: "scripted refusal" }))
        const failing = yield* converse(yield* newPlayer, nightShiftTalk)
        expect((yield* send("POST", `/pipeline/process/${failing}`)).status).toBe(500)

        const after = yield* scrape
        const delta = (name: string, labels: Record<string, string>) =>
          valueOf(after, name, labels) - valueOf(before, name, labels)
        expect(delta("aftertalk_pipeline_runs_total", { status: "success", trigger: "http_sync" })).toBe(2)
        expect(delta("aftertalk_pipeline_runs_total", { status: "failed", trigger: "http_sync" })).toBe(1)
        expect(delta("aftertalk_stage_duration_seconds_count", { stage: "prompt_builder", outcome: "success" })).toBe(2)
        expect(delta("aftertalk_stage_duration_seconds_count", { stage: "extraction", outcome: "failed" })).toBe(1)
        expect(delta("aftertalk_claims_total", { kind: "named" })).toBe(3)
        expect(delta("aftertalk_model_requests_total", { operation: "chat.completions", outcome: "ModelRejected" })).toBe(1)
        expect(delta("aftertalk_model_requests_total", { operation: "chat.completions", outcome: "success" })).toBeGreaterThan(0)
        expect(delta("aftertalk_model_tokens_total", { operation: "chat.completions" })).toBeGreaterThanOrEqual(0)
        // HTTP requests by route template: the three players' ids are one series.
        expect(delta("aftertalk_http_requests_total", { route: "/pipeline/process/{conversation_id}", status: "200" })).toBe(2)
        expect(after.some((sample) => Object.values(sample.labels).some((value) => value.includes(failing)))).toBe(false)
        expect(after.some((sample) => sample.name === "aftertalk_queue_depth")).toBe(true)
      }))
  })
})
