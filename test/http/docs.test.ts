import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp } from "../support/TestApp.js"

const Operation = Schema.Struct({ security: Schema.optional(Schema.Array(Schema.Unknown)) })
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
          "/conversations/{conversation_id}",
          "/pipeline/health",
          "/users/{user_id}",
          "/users/{user_id}/messages",
          "/users/{user_id}/prompt"
        ])
        expect(Object.keys(spec.paths["/users/{user_id}"]!).sort()).toEqual(["get", "put"])
        expect(spec.paths["/users/{user_id}"]!.put!.security).toEqual([{ bearer: [] }])
        expect(spec.paths["/pipeline/health"]!.get!.security ?? []).toEqual([])
        expect(reply.text).toContain("\"201\"")
        expect(reply.text).toContain("\"413\"")
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
