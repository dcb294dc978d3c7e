import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp } from "../support/TestApp.js"

const Operation = Schema.Struct({ security: Schema.optional(Schema.Array(Schema.Unknown)) })
const Properties = Schema.Struct({ properties: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
const JsonContent = Schema.Struct({ content: Schema.Struct({ "application/json": Schema.Struct({ schema: Schema.Unknown }) }) })
const ProcessSpec = Schema.Struct({
  paths: Schema.Struct({
    "/pipeline/process/{conversation_id}": Schema.Struct({
      post: Schema.Struct({
        responses: Schema.Record({ key: Schema.String, value: JsonContent }),
        requestBody: Schema.Struct({ required: Schema.Boolean })
      })
    })
  }),
  components: Schema.Struct({ schemas: Schema.Struct({ PipelineSuccess: Properties, RunFailed: Properties }) })
})
const Media = Schema.Struct({ schema: Schema.optional(Schema.Unknown), example: Schema.optional(Schema.Unknown) })
const Content = Schema.Struct({ content: Schema.optional(Schema.Record({ key: Schema.String, value: Media })) })
const DocumentedOperation = Schema.Struct({
  summary: Schema.optional(Schema.String),
  parameters: Schema.optional(Schema.Array(Schema.Unknown)),
  requestBody: Schema.optional(Schema.Struct({ content: Schema.Record({ key: Schema.String, value: Media }) })),
  responses: Schema.Record({ key: Schema.String, value: Content })
})
const DocumentedSpec = Schema.Struct({
  paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: DocumentedOperation }) })
})
const Spec = Schema.Struct({ paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Operation }) }) })

describe.skipIf(!postgresAvailable)("documentation", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("/openapi.json lists every path, without a secret, with the bearer scheme on private ones", () =>
      Effect.gen(function*() {
        const reply = yield* send("GET", "/openapi.json", { secret: null })
        expect(reply.status).toBe(200)
        expect(reply.contentType).toContain("application/json")
        expect(reply.json).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: "aftertalk" } })
        const spec = yield* Schema.decodeUnknown(Spec)(reply.json)
        expect(Object.keys(spec.paths).sort()).toEqual([
          "/conversations",
          "/conversations/{conversation_id}",
          "/conversations/{conversation_id}/retry",
          "/pipeline/executions",
          "/pipeline/executions/{execution_id}",
          "/pipeline/health",
          "/pipeline/process/{conversation_id}",
          "/pipeline/process/{conversation_id}/async",
          "/pipeline/stats/last-24h",
          "/pipeline/stats/runs-by-hour",
          "/pipeline/stats/stage-durations",
          "/pipeline/status/{execution_id}",
          "/tasks/decay",
          "/tasks/process-conversations",
          "/users/{user_id}",
          "/users/{user_id}/memory/search",
          "/users/{user_id}/messages",
          "/users/{user_id}/prompt",
          "/voice/webhook"
        ])
        expect(Object.keys(spec.paths["/users/{user_id}"]!).sort()).toEqual(["get", "put"])
        expect(spec.paths["/users/{user_id}"]!.put!.security).toEqual([{ bearer: [] }])
        expect(spec.paths["/pipeline/health"]!.get!.security ?? []).toEqual([])
        // Signed instead of authorized; memory search needs the secret like every user endpoint.
        expect(spec.paths["/voice/webhook"]!.post!.security ?? []).toEqual([])
        expect(spec.paths["/users/{user_id}/memory/search"]!.get!.security).toEqual([{ bearer: [] }])
        expect(reply.text).toContain("\"201\"")
        expect(reply.text).toContain("\"413\"")
      }))

    it.effect("the pipeline run's 200, 202 and 500 bodies are each documented with their fields", () =>
      Effect.gen(function*() {
        const reply = yield* send("GET", "/openapi.json", { secret: null })
        const spec = yield* Schema.decodeUnknown(ProcessSpec)(reply.json)
        const operation = spec.paths["/pipeline/process/{conversation_id}"].post
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "202", "400", "404", "409", "500", "503"]))
        const schemaOf = (status: string) => operation.responses[status]?.content["application/json"].schema
        expect(schemaOf("200")).toEqual({ $ref: "#/components/schemas/PipelineSuccess" })
        expect(JSON.stringify(schemaOf("500"))).toContain("#/components/schemas/RunFailed")
        const partial = yield* Schema.decodeUnknown(Properties)(schemaOf("202"))
        const fields = (properties: Record<string, unknown>) => Object.keys(properties).sort()
        expect(fields(spec.components.schemas.PipelineSuccess.properties)).toEqual(expect.arrayContaining(
          ["status", "conversation_id", "pipeline_execution_id", "started_at", "completed_at", "total_duration_ms", "stage_results", "error"]
        ))
        expect(fields(partial.properties)).toEqual(expect.arrayContaining(
          ["status", "error", "failed_stage", "failed_stages", "reason", "completion_status", "prompt_ready", "stage_results", "total_duration_ms"]
        ))
        expect(fields(spec.components.schemas.RunFailed.properties)).toEqual(expect.arrayContaining(
          ["status", "error", "failed_stage", "reason", "fallback_action", "conversation_id", "pipeline_execution_id", "stage_started_at", "failed_at", "duration_ms"]
        ))
        expect(operation.requestBody.required).toBe(false)
      }))

    it.effect("every operation has a summary and an example answer; every 400 is the envelope clients really get", () =>
      Effect.gen(function*() {
        const reply = yield* send("GET", "/openapi.json", { secret: null })
        const spec = yield* Schema.decodeUnknown(DocumentedSpec)(reply.json)
        const undocumented: Array<string> = []
        for (const [path, operations] of Object.entries(spec.paths)) {
          for (const [method, operation] of Object.entries(operations)) {
            const success = Object.entries(operation.responses).find(([status]) => status.startsWith("2"))?.[1]
            const example = success?.content?.["application/json"]?.example
            if ((operation.summary ?? "").length === 0 || example === undefined) undocumented.push(`${method} ${path}`)
            const badRequest = operation.responses["400"]?.content?.["application/json"]?.schema
            if (badRequest !== undefined) expect(badRequest, `${method} ${path}`).toEqual({ $ref: "#/components/schemas/InvalidRequest" })
            if (operation.requestBody !== undefined) {
              expect(operation.requestBody.content["application/json"]?.example, `${method} ${path}`).toBeDefined()
            }
          }
        }
        expect(undocumented).toEqual([])
        expect(reply.text).not.toContain("HttpApiDecodeError")
        // The webhook's signature header is declared (the handler checks it, so the platform does not).
        expect(spec.paths["/voice/webhook"]?.["post"]?.parameters).toEqual(expect.arrayContaining([
          expect.objectContaining({ name: "ElevenLabs-Signature", in: "header", required: true })
        ]))
      }))

    it.effect("/docs serves the API reference as HTML without a secret", () =>
      Effect.gen(function*() {
        const reply = yield* send("GET", "/docs", { secret: null })
        expect(reply.status).toBe(200)
        expect(reply.contentType).toContain("text/html")
        expect(reply.text).toContain("<html")
        expect(reply.text).toContain("/users/{user_id}/messages")
      }))
  })
})
