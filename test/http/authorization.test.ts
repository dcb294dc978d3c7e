import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp, testTaskSecret } from "../support/TestApp.js"

/**
 * The bearer secret: only the `Bearer` scheme carries it (another scheme whose value happens to
 * end in the secret once passed, since the platform cuts "Bearer " off by length), and an address
 * that keeps failing is slowed down with 429 and Retry-After instead of being allowed to guess.
 */

const withAuthorization = (path: string, authorization: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(HttpClientRequest.get(path).pipe(HttpClientRequest.setHeader("authorization", authorization)))
    return { status: response.status, retryAfter: response.headers["retry-after"], json: yield* response.json }
  })

describe.skipIf(!postgresAvailable)("Authorization", () => {
  layer(TestApp({ AUTH_FAILURES_PER_MINUTE: "5" }), { excludeTestServices: true })((it) => {
    it.effect("the scheme must be Bearer, in any case; Basic or a scheme-less value is 401 even around the secret", () =>
      Effect.gen(function*() {
        const userId = randomUUID()
        expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
        const path = `/users/${userId}`
        expect((yield* withAuthorization(path, `bearer ${testTaskSecret}`)).status).toBe(200)
        expect((yield* withAuthorization(path, `BEARER ${testTaskSecret}`)).status).toBe(200)
        // "Basic " is one character shorter than "Bearer ": cut by length, the rest was the secret.
        expect((yield* withAuthorization(path, `Basic x${testTaskSecret}`)).status).toBe(401)
        expect((yield* withAuthorization(path, `Token ${testTaskSecret}`)).json).toMatchObject({ error: "unauthorized" })
      }))

    it.effect("a 401 storm from one address is slowed down: past the budget 429 with Retry-After, even for the right secret", () =>
      Effect.gen(function*() {
        const path = `/users/${randomUUID()}`
        const statuses: Array<number> = []
        for (let i = 0; i < 12; i++) statuses.push((yield* withAuthorization(path, `Bearer wrong-guess-${i}`)).status)
        console.log(`401 storm: ${statuses.join(" ")}`)
        // The first test spent 2 of the 5 failures this address may have a minute.
        expect(statuses.slice(0, 3)).toEqual([401, 401, 401])
        expect(statuses.slice(3)).toEqual(Array(9).fill(429))
        const throttled = yield* withAuthorization(path, `Bearer ${testTaskSecret}`)
        expect(throttled.status).toBe(429)
        expect(Number(throttled.retryAfter)).toBeGreaterThan(0)
        expect(throttled.json).toMatchObject({ error: "too_many_requests" })
      }))
  })
})
