import { HttpClient, HttpClientRequest } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { randomUUID } from "node:crypto"
import { promptRequestOf } from "../../src/http/PromptRoute.js"
import { encodeLivePrompt } from "../../src/prompt/PromptLive.js"
import { ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import { postgresAvailable } from "../support/Db.js"
import { livePrompt } from "../support/LivePromptFixture.js"
import { send, TestApp, testTaskSecret } from "../support/TestApp.js"

/**
 * The hot read's own route (PromptRoute.ts) answers `GET /users/{id}/prompt` exactly as the API's
 * handler does: the same request with one more query parameter goes to the API instead, and both
 * answers must match in status, headers and body, byte for byte. Requests the route does not
 * take (bad id, bad platform, no or wrong secret) are the API's, with the contract's errors.
 */

/** Status, headers (but the date) and body, as a client receives them. */
const exchange = (path: string, authorization: string | null = `Bearer ${testTaskSecret}`) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const request = HttpClientRequest.get(path)
    const response = yield* client.execute(authorization === null ? request : HttpClientRequest.setHeader(request, "authorization", authorization))
    const { date: _date, ...headers } = response.headers
    return { status: response.status, headers, body: yield* response.text }
  })

/** The same request answered by the route and by the API. */
const both = (path: string, authorization?: string | null) =>
  Effect.gen(function*() {
    const viaApi = `${path}${path.includes("?") ? "&" : "?"}via=api`
    expect(Option.isSome(promptRequestOf("GET", path))).toBe(true)
    expect(Option.isNone(promptRequestOf("GET", viaApi))).toBe(true)
    return { route: yield* exchange(path, authorization), api: yield* exchange(viaApi, authorization) }
  })

const live = livePrompt()

const newUser = Effect.gen(function*() {
  const userId = randomUUID()
  expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
  return userId
})

const build = (userId: string, platform: "text" | "voice", snapshot: unknown, text: string) =>
  Effect.flatMap(ReadyPromptRepository, (prompts) =>
    prompts.setCurrent({
      user_id: userId,
      platform,
      prompt_text: text,
      token_count: 5,
      pipeline_version: "test-1",
      generation_time_ms: 3,
      conversation_id: null,
      context_snapshot: snapshot
    }))

describe.skipIf(!postgresAvailable)("the hot read's route", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("a prompt is answered 200 as the API answers it, for each platform, the default one and an upper-case id", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        yield* build(userId, "text", { sections: ["identity"] }, "a text prompt \"quoted\" ✓")
        yield* build(userId, "voice", { live: encodeLivePrompt({ ...live, platform: "voice" }) }, "a voice prompt")
        for (const path of [`/users/${userId}/prompt?platform=text`, `/users/${userId}/prompt?platform=voice`, `/users/${userId}/prompt`, `/users/${userId.toUpperCase()}/prompt`]) {
          const { route, api } = yield* both(path)
          expect(route.status).toBe(200)
          expect(route).toEqual(api)
          // Again, now from the kept rendering and its kept body.
          expect(yield* exchange(path)).toEqual(route)
        }
        const text = JSON.parse((yield* exchange(`/users/${userId}/prompt`)).body)
        expect(text).toMatchObject({ user_id: userId, platform: "text", prompt_text: "a text prompt \"quoted\" ✓", source: "ready" })
      }))

    it.effect("404 not_found for a player without a prompt and for an unknown player, as the API answers it", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        for (const path of [`/users/${userId}/prompt?platform=voice`, `/users/${randomUUID()}/prompt`]) {
          const { route, api } = yield* both(path)
          expect(route.status).toBe(404)
          expect(route).toEqual(api)
          expect(JSON.parse(route.body)).toMatchObject({ error: "not_found", message: expect.stringContaining("prompt") })
        }
      }))

    it.effect("a missing or wrong secret is 401 and a malformed id or platform 400, with the contract's error bodies", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        yield* build(userId, "text", {}, "a text prompt")
        const path = `/users/${userId}/prompt?platform=text`
        for (const authorization of [null, "Bearer wrong-secret", `Basic ${testTaskSecret}`]) {
          const refused = yield* exchange(path, authorization)
          expect(refused.status).toBe(401)
          expect(JSON.parse(refused.body)).toMatchObject({ error: "unauthorized", message: expect.any(String) })
        }
        for (const bad of [`/users/not-a-uuid/prompt`, `/users/${userId}/prompt?platform=fax`, `/users/${userId}/prompt?platform=`]) {
          expect(Option.isNone(promptRequestOf("GET", bad))).toBe(true)
          const refused = yield* exchange(bad)
          expect(refused.status).toBe(400)
          expect(JSON.parse(refused.body)).toMatchObject({ error: "invalid_request", message: expect.any(String) })
        }
      }))

    it.effect("every read asks the database: a new prompt, a new score or a removed prompt shows in the next answer", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const sql = yield* SqlClient.SqlClient
        const read = Effect.map(exchange(`/users/${userId}/prompt`), (reply) => ({ status: reply.status, json: JSON.parse(reply.body) }))
        yield* build(userId, "text", { live: encodeLivePrompt(live) }, "unused")
        const first = yield* read
        expect(first.json.prompt_text).toContain("Chapter 2 of 5")
        expect((yield* read).json).toEqual(first.json)

        yield* build(userId, "text", { live: encodeLivePrompt({ ...live, chapter: 3 }) }, "unused")
        expect((yield* read).json.prompt_text).toContain("Chapter 3 of 5")

        const before = (yield* read).json.prompt_text
        yield* sql`UPDATE users SET relationship_score = 5 WHERE id = ${userId}`
        expect((yield* read).json.prompt_text).not.toBe(before)

        yield* sql`UPDATE ready_prompts SET is_current = false WHERE user_id = ${userId}`
        expect((yield* read).status).toBe(404)
      }))
  })
})
