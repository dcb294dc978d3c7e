import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { signatureFor } from "../../src/http/WebhookSignature.js"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { startService } from "../support/ServiceProcess.js"
import { databaseAt } from "../process/support.js"
import { faultEnv, faultSecret, report } from "./support.js"

/**
 * A catalogue of hostile inputs sent to every operation of `/openapi.json`: hostile path ids and
 * query values, bodies nested thousands deep, NULs, huge and non-finite-looking numbers, wrong
 * types, broken JSON and UTF-8, forms, an oversized body. No answer is a 5xx. The requests that
 * are invalid whatever the endpoint (hostile ids, broken or oversized bodies) leave the database
 * byte for byte what it was (every table's rows hashed before and after); a hostile value in one
 * field may happen to be valid (" " is a display name), so those come after the comparison.
 */

const webhookSecret = "fault-suite-webhook-secret"
const maxBodyBytes = 65_536

interface Operation {
  readonly method: string
  readonly path: string
  readonly query: ReadonlyArray<string>
  readonly bodyFields: ReadonlyArray<string>
  readonly hasBody: boolean
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

const operationsOf = (document: unknown): ReadonlyArray<Operation> => {
  if (!isRecord(document) || !isRecord(document.paths)) return []
  const schemas = isRecord(document.components) && isRecord(document.components.schemas) ? document.components.schemas : {}
  const resolve = (schema: unknown): unknown => {
    if (isRecord(schema) && typeof schema.$ref === "string") return schemas[schema.$ref.split("/").pop() ?? ""]
    return schema
  }
  const operations: Array<Operation> = []
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isRecord(item)) continue
    for (const [method, operation] of Object.entries(item)) {
      if (!isRecord(operation)) continue
      const parameters = Array.isArray(operation.parameters) ? operation.parameters.filter(isRecord) : []
      const query = parameters.filter((p) => p.in === "query").map((p) => String(p.name))
      const requestBody = isRecord(operation.requestBody) ? operation.requestBody : undefined
      const content = requestBody !== undefined && isRecord(requestBody.content) ? requestBody.content : {}
      const json = isRecord(content["application/json"]) ? content["application/json"] : undefined
      const schema = resolve(json?.schema)
      const bodyFields = isRecord(schema) && isRecord(schema.properties) ? Object.keys(schema.properties) : []
      operations.push({ method: method.toUpperCase(), path, query, bodyFields, hasBody: requestBody !== undefined })
    }
  }
  return operations
}

const deepArray = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`
const deepObject = (levels: number) => `${"{\"a\":".repeat(levels)}1${"}".repeat(levels)}`

const hostileValues: ReadonlyArray<unknown> = [
  "a\u0000b", "", " ", "x".repeat(20_000), 1e308, -1, 9007199254740993, 0.5, true, [], {}, [[[]]],
  "2025-02-30T00:00:00Z", "../../etc/passwd", "'; DROP TABLE users;--", "💥\u202e"
]

/** Raw bodies whatever the operation: broken, deep, huge, odd. */
const rawBodies: ReadonlyArray<readonly [string, string | Buffer, string]> = [
  ["deep array", deepArray(3_000), "application/json"],
  ["deep object", deepObject(3_000), "application/json"],
  ["broken json", "{\"a\":", "application/json"],
  ["not json", "hello", "application/json"],
  ["invalid utf-8", Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), "application/json"],
  ["json string", "\"just a string\"", "application/json"],
  ["json number", "1e400", "application/json"],
  ["json array", "[1,2,3]", "application/json"],
  ["nul key", "{\"a\\u0000\":1}", "application/json"],
  ["over the limit", `{"a":"${"x".repeat(maxBodyBytes + 10)}"}`, "application/json"],
  ["form", "a=1&b=2", "application/x-www-form-urlencoded"],
  ["multipart", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n", "multipart/form-data; boundary=x"],
  ["text", "hello", "text/plain"]
]

const hostileIds = [randomUUID(), "not-a-uuid", "%00", "..%2F..%2Fusers", "x".repeat(600), "%27%20OR%201%3D1--", "%F0%9F%92%A5"]
const hostileQueryValues = ["%00", "-1", "1e309", "%27%3B%20DROP%20TABLE%20users%3B--", "x".repeat(3000), "%5B%5D", "2025-13-45"]

const fillPath = (path: string, id: string) => path.replace(/\{[^}]+\}/g, id)

/** Every table's rows, hashed: equal before and after means nothing was written. */
const databaseFingerprint = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql<{ name: string }>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
  const parts: Array<string> = []
  for (const { name } of tables) {
    const rows = yield* sql<{ digest: string | null; n: number }>`
      SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest, count(*)::int AS n FROM ${sql(name)} t`
    parts.push(`${name}:${rows[0]?.n}:${rows[0]?.digest}`)
  }
  return parts
}).pipe(Effect.orDie)

describe.skipIf(!postgresAvailable)("hostile input on every endpoint", () => {
  it.scopedLive("no 5xx from any of them, and the database unchanged", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      const service = yield* startService(
        "instance",
        faultEnv(url, { ELEVENLABS_WEBHOOK_SECRET: webhookSecret, MAX_BODY_BYTES: String(maxBodyBytes), AUTH_FAILURES_PER_MINUTE: "1000000" }),
        { readyWithin: "120 seconds" }
      )
      const openapi = yield* service.send("GET", "/openapi.json")
      const operations = operationsOf(openapi.json)
      expect(operations.length).toBeGreaterThan(10)
      const before = yield* Effect.provide(databaseFingerprint, db)

      const requests: Array<{ readonly label: string; readonly method: string; readonly path: string; readonly body?: string | Buffer; readonly contentType?: string }> = []
      const fieldRequests: typeof requests = []
      for (const op of operations) {
        if (op.path.includes("{")) {
          for (const id of hostileIds.slice(1)) requests.push({ label: `${op.method} ${op.path} id`, method: op.method, path: fillPath(op.path, id) })
        }
        const path = fillPath(op.path, randomUUID())
        for (const name of op.query) {
          for (const value of hostileQueryValues) requests.push({ label: `${op.method} ${op.path} ?${name}`, method: op.method, path: `${path}?${name}=${value}` })
        }
        // An operation without a body ignores whatever is sent (POST /tasks/decay runs anyway).
        if (op.method === "GET" || !op.hasBody) continue
        for (const [name, body, contentType] of rawBodies) requests.push({ label: `${op.method} ${op.path} ${name}`, method: op.method, path, body, contentType })
        for (const field of op.bodyFields) {
          for (const value of hostileValues) {
            fieldRequests.push({ label: `${op.method} ${op.path} .${field}`, method: op.method, path, body: JSON.stringify({ [field]: value }), contentType: "application/json" })
          }
        }
        if (op.bodyFields.length > 0) {
          const allHostile = Object.fromEntries(op.bodyFields.map((field) => [field, "a\u0000b"]))
          fieldRequests.push({ label: `${op.method} ${op.path} all fields NUL`, method: op.method, path, body: JSON.stringify(allHostile), contentType: "application/json" })
        }
      }

      const send = (request: (typeof requests)[number]) =>
        Effect.tryPromise(async () => {
          const headers: Record<string, string> = { authorization: `Bearer ${faultSecret}` }
          if (request.contentType !== undefined) headers["content-type"] = request.contentType
          if (request.path.startsWith("/voice/webhook") && request.body !== undefined) {
            headers["elevenlabs-signature"] = signatureFor(webhookSecret, Math.floor(Date.now() / 1000), request.body)
          }
          const init: RequestInit = { method: request.method, headers }
          if (request.body !== undefined) init.body = request.body
          const response = await fetch(`${service.url}${request.path}`, init)
          await response.arrayBuffer()
          return { label: request.label, path: request.path, status: response.status }
        }).pipe(Effect.orDie)

      const invalidAnswers = yield* Effect.forEach(requests, send, { concurrency: 4 })
      const after = yield* Effect.provide(databaseFingerprint, db)
      const answers = [...invalidAnswers, ...(yield* Effect.forEach(fieldRequests, send, { concurrency: 4 }))]
      const byStatus = new Map<number, number>()
      for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1)
      const serverErrors = answers.filter((answer) => answer.status >= 500)
      yield* report("hostile catalogue", {
        operations: operations.length,
        requests: answers.length,
        statuses: [...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}x${n}`).join(","),
        fiveXX: serverErrors.length,
        invalidAccepted: invalidAnswers.filter((answer) => answer.status < 400).map((answer) => answer.label).join("|"),
        databaseUnchanged: JSON.stringify(before) === JSON.stringify(after)
      })
      expect(serverErrors.map((answer) => `${answer.status} ${answer.label} ${answer.path.slice(0, 80)}`)).toEqual([])
      expect(after).toEqual(before)
      expect(yield* service.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    }), 240_000)
})
