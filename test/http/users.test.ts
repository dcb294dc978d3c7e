import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { postgresAvailable } from "../support/Db.js"
import { apiClient, send, TestApp } from "../support/TestApp.js"

describe.skipIf(!postgresAvailable)("users", () => {
  layer(TestApp({ MAX_BODY_BYTES: "2048" }), { excludeTestServices: true })((it) => {
    it.effect("PUT creates the user (201) with the game's starting state, then updates it (200)", () =>
      Effect.gen(function*() {
        const userId = randomUUID()
        const created = yield* send("PUT", `/users/${userId}`, { body: { display_name: "Alex", timezone: "europe/paris" } })
        expect(created.status).toBe(201)
        expect(created.json).toMatchObject({
          user_id: userId,
          display_name: "Alex",
          timezone: "Europe/Paris",
          game_status: "active",
          chapter: 1,
          relationship_score: 50,
          metrics: { intimacy: 50, passion: 50, trust: 50, secureness: 50 },
          engagement_state: "calibrating",
          boss_attempts: 0,
          emotional_state: { arousal: 0.5, valence: 0.5, dominance: 0.5, intimacy: 0.5 },
          conflict: { temperature: 0, zone: "calm" },
          last_interaction_at: null
        })
        expect(created.text).toMatch(/"created_at":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"/)

        // Fields left out keep their value.
        const updated = yield* send("PUT", `/users/${userId}`, { body: { display_name: "Alexandra" } })
        expect(updated.status).toBe(200)
        expect(updated.json).toMatchObject({ user_id: userId, display_name: "Alexandra", timezone: "Europe/Paris" })

        const client = yield* apiClient
        const read = yield* client.users.getUser({ path: { user_id: userId } })
        expect(read.display_name).toBe("Alexandra")
        expect(read.created_at).toBeInstanceOf(Date)
      }))

    it.effect("a new user without a zone lives in UTC", () =>
      Effect.gen(function*() {
        const reply = yield* send("PUT", `/users/${randomUUID()}`, { body: {} })
        expect(reply.status).toBe(201)
        expect(reply.json).toMatchObject({ timezone: "UTC", display_name: null })
      }))

    it.effect("401 without a secret and with a wrong one, before anything else is looked at", () =>
      Effect.gen(function*() {
        const userId = randomUUID()
        const missing = yield* send("GET", `/users/${userId}`, { secret: null })
        expect(missing.status).toBe(401)
        expect(missing.json).toMatchObject({ error: "unauthorized", message: expect.stringContaining("Authorization") })

        const wrong = yield* send("PUT", `/users/${userId}`, { secret: "not-the-secret", body: { timezone: "UTC" } })
        expect(wrong.status).toBe(401)
        expect(wrong.json).toMatchObject({ error: "unauthorized" })
        // Nothing was created by the refused request.
        expect((yield* send("GET", `/users/${userId}`)).status).toBe(404)

        const prefixOfSecret = yield* send("GET", `/users/${userId}`, { secret: "aftertalk-test" })
        expect(prefixOfSecret.status).toBe(401)
      }))

    it.effect("400 invalid_request for malformed JSON, naming the problem", () =>
      Effect.gen(function*() {
        const reply = yield* send("PUT", `/users/${randomUUID()}`, { raw: "{\"display_name\": " })
        expect(reply.status).toBe(400)
        expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("not valid JSON") })
      }))

    it.effect("400 invalid_request for a form body instead of JSON", () =>
      Effect.gen(function*() {
        const userId = randomUUID()
        const form = yield* send("PUT", `/users/${userId}`, {
          raw: "--x\r\nContent-Disposition: form-data; name=\"timezone\"\r\n\r\nUTC\r\n--x--\r\n",
          contentType: "multipart/form-data; boundary=x"
        })
        expect(form.status).toBe(400)
        expect(form.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("JSON") })
        const urlencoded = yield* send("PUT", `/users/${userId}`, { raw: "timezone=UTC", contentType: "application/x-www-form-urlencoded" })
        expect(urlencoded.status).toBe(400)
        expect((yield* send("GET", `/users/${userId}`)).status).toBe(404)
      }))

    it.effect("400 invalid_request for a schema violation, naming the field", () =>
      Effect.gen(function*() {
        const reply = yield* send("PUT", `/users/${randomUUID()}`, { body: { display_name: 42 } })
        expect(reply.status).toBe(400)
        expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("display_name") })
        expect(reply.json).toHaveProperty("issues")
      }))

    it.effect("400 for an unknown time zone", () =>
      Effect.gen(function*() {
        const reply = yield* send("PUT", `/users/${randomUUID()}`, { body: { timezone: "Mars/Olympus_Mons" } })
        expect(reply.status).toBe(400)
        expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("timezone") })
        expect(reply.text).toContain("Mars/Olympus_Mons")
      }))

    it.effect("400 for an id that is not a UUID", () =>
      Effect.gen(function*() {
        const reply = yield* send("GET", "/users/not-a-uuid")
        expect(reply.status).toBe(400)
        expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("user_id") })
      }))

    it.effect("404 not_found for an unknown user and an unknown route", () =>
      Effect.gen(function*() {
        const user = yield* send("GET", `/users/${randomUUID()}`)
        expect(user.status).toBe(404)
        expect(user.json).toMatchObject({ error: "not_found", message: expect.stringContaining("PUT /users/") })

        const route = yield* send("GET", "/no/such/route")
        expect(route.status).toBe(404)
        expect(route.json).toMatchObject({ error: "not_found", message: expect.stringContaining("/no/such/route") })
      }))

    it.effect("413 payload_too_large for a body over MAX_BODY_BYTES, and nothing is stored", () =>
      Effect.gen(function*() {
        const userId = randomUUID()
        const reply = yield* send("PUT", `/users/${userId}`, { body: { display_name: "x".repeat(3000) } })
        expect(reply.status).toBe(413)
        expect(reply.json).toMatchObject({ error: "payload_too_large", max_body_bytes: 2048 })
        expect((yield* send("GET", `/users/${userId}`)).status).toBe(404)
      }))
  })
})
