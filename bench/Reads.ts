import { HttpServer } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { execFile } from "node:child_process"
import { createServer } from "node:http"
import pg from "pg"
import { backfillEmbeddings } from "../src/memory/EmbeddingBackfill.js"
import { MemoryRepository } from "../src/memory/MemoryRepository.js"
import { parseVectorLiteral } from "../src/memory/VectorLiteral.js"
import { ConversationClaims } from "../src/queue/ConversationClaims.js"
import { Tasks } from "../src/queue/Tasks.js"
import { fakeModelServer } from "./FakeModelServer.js"
import { benchApp, benchDatabase, benchSecret, progress, summarize, timed } from "./Harness.js"
import { seed } from "./Pipeline.js"
import { cosineSimilarity } from "../src/model/offline/OfflineEmbedding.js"

interface LoadResult {
  readonly rps: number
  readonly p99: number
  readonly errors: number
  /** CPU (user + system) this process spent per request answered: the server runs in it. */
  readonly cpuPerRequestMs: number
}

/** `autocannon` in its own process (so it does not share the server's event loop), 16 connections. */
const load = (url: string, seconds: number) =>
  Effect.async<LoadResult, Error>((resume) => {
    const cpu = process.cpuUsage()
    execFile(
      process.execPath,
      ["node_modules/autocannon/autocannon.js", "-c", "16", "-d", String(seconds), "-j", "-H", `authorization=Bearer ${benchSecret}`, url],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) return resume(Effect.fail(error))
        const used = process.cpuUsage(cpu)
        const result: { requests: { average: number; total: number }; latency: { p99: number }; non2xx: number; errors: number } = JSON.parse(stdout)
        resume(Effect.succeed({
          rps: result.requests.average,
          p99: result.latency.p99,
          errors: result.non2xx + result.errors,
          cpuPerRequestMs: (used.user + used.system) / 1000 / Math.max(1, result.requests.total)
        }))
      }
    )
  })

/** The same read as GET /users/{id}/prompt, on plain `node:http` + `pg`: the baseline. */
const rawServer = (connectionString: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly close: () => Promise<void> }>((resume) => {
      const pool = new pg.Pool({ connectionString, max: 10 })
      const server = createServer((request, response) => {
        const match = /^\/users\/([0-9a-f-]{36})\/prompt\?platform=(text|voice)$/.exec(request.url ?? "")
        if (request.headers.authorization !== `Bearer ${benchSecret}` || match === null) {
          response.writeHead(404).end()
          return
        }
        pool.query(
          `SELECT user_id, platform, prompt_text, token_count, pipeline_version, created_at AS generated_at,
             generation_time_ms, conversation_id
           FROM ready_prompts WHERE user_id = $1 AND platform = $2 AND is_current`,
          [match[1], match[2]]
        ).then((result) => {
          const row = result.rows[0]
          response.writeHead(row === undefined ? 404 : 200, { "content-type": "application/json" })
          response.end(JSON.stringify({ ...row, source: "ready" }))
        }, () => response.writeHead(500).end())
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed({
          port: typeof address === "object" && address !== null ? address.port : 0,
          close: () => new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => void pool.end().then(done))
          })
        }))
      })
    }),
    (raw) => Effect.promise(raw.close)
  )

/** GET /users/{id}/prompt through the service against the raw baseline, same database and load. */
export const hotPath = Effect.gen(function*() {
  const db = yield* benchDatabase
  if (db.kind !== "postgres") return Option.none()
  return yield* Effect.gen(function*() {
    yield* progress("hot path: seeding 20 players with ready prompts")
    const ids = yield* seed(20)
    yield* (yield* Tasks).processConversations({ limit: 20 })
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    const path = `/users/${ids[0]}/prompt?platform=text`
    const raw = yield* rawServer(db.env.DATABASE_URL)
    yield* progress("hot path: autocannon against the service, then the raw server (10 s each)")
    yield* load(`http://127.0.0.1:${port}${path}`, 2)
    const service = yield* load(`http://127.0.0.1:${port}${path}`, 10)
    yield* load(`http://127.0.0.1:${raw.port}${path}`, 2)
    const baseline = yield* load(`http://127.0.0.1:${raw.port}${path}`, 10)
    return Option.some({ service, baseline })
  }).pipe(Effect.provide(benchApp({ ...db.env, STALE_AFTER: "1" })))
}).pipe(Effect.scoped)

const uuidOf = (n: number) => `00000000-0000-0000-0000-${n.toString(16).padStart(12, "0")}`

/**
 * Memory search over 100,000 dense 1,536-dimension facts of 1,000 players (100 each) plus one
 * player with 2,000: clustered unit vectors (one of 64 random centres plus two of 1,024 noise
 * vectors). p50/p95 of `MemoryRepository.search` (no embedding call) and recall@10 against a
 * brute-force ranking.
 */
export const memorySearch = Effect.gen(function*() {
  const db = yield* benchDatabase
  return yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const memory = yield* MemoryRepository
    yield* progress("search: generating 102,000 facts (about a minute)")
    yield* sql`INSERT INTO users (id) SELECT ${sql.literal("('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid")} FROM generate_series(1, 1001) g`
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT setseed(0.5)`
      yield* sql`CREATE TEMP TABLE centers ON COMMIT DROP AS
        SELECT c, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 1536) WHERE c >= 0)::vector AS v FROM generate_series(0, 63) c`
      yield* sql`CREATE TEMP TABLE noise ON COMMIT DROP AS
        SELECT n, (SELECT array_agg((random() - 0.5) * 0.6) FROM generate_series(1, 1536) WHERE n >= 0)::vector AS v FROM generate_series(0, 1023) n`
      yield* sql`
        INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, embedding)
        SELECT ${sql.literal("('00000000-0000-0000-0000-' || lpad(to_hex(CASE WHEN g > 100000 THEN 1001 ELSE 1 + g % 1000 END), 12, '0'))::uuid")},
          'fact ' || g, 'fact ' || g, 'user', l2_normalize(c.v + a.v + b.v)
        FROM generate_series(1, 102000) g
        JOIN centers c ON c.c = (g * 7919) % 64 JOIN noise a ON a.n = (g * 31) % 1024 JOIN noise b ON b.n = (g * 17 + 5) % 1021`
    }))
    yield* sql`VACUUM ANALYZE memory_facts`.pipe(Effect.ignore)
    const measure = (label: string, player: (i: number) => number) =>
      Effect.gen(function*() {
        yield* progress(`search: ${label}`)
        const queries = yield* sql<{ user_id: string; q: string }>`
          SELECT f.user_id, l2_normalize(f.embedding + g.embedding)::text AS q
          FROM unnest(${sql.literal(`ARRAY[${Array.from({ length: 200 }, (_, i) => `'${uuidOf(player(i))}'`).join(",")}]::uuid[]`)}) WITH ORDINALITY AS p(user_id, k)
          CROSS JOIN LATERAL (SELECT user_id, embedding FROM memory_facts WHERE user_id = p.user_id AND is_active ORDER BY fact OFFSET (p.k % 50) LIMIT 1) f
          CROSS JOIN LATERAL (SELECT embedding FROM memory_facts WHERE user_id = p.user_id AND is_active ORDER BY fact OFFSET (p.k * 7 % 90) LIMIT 1) g`
        const parsed = queries.map((row) => ({ userId: row.user_id, vector: Option.getOrThrow(parseVectorLiteral(row.q)) }))
        const samples = yield* Effect.forEach(parsed, (query) =>
          timed(memory.search({ userId: query.userId, embedding: query.vector, limit: 10 })))
        // Recall against a brute-force ranking of the player's facts, on 20 of the queries.
        let found = 0
        let expected = 0
        const stored = new Map<string, ReadonlyArray<{ readonly id: string; readonly vector: ReadonlyArray<number> }>>()
        for (const [i, query] of parsed.slice(0, 20).entries()) {
          const facts = stored.get(query.userId) ?? (yield* sql<{ id: string; e: string }>`
            SELECT id, embedding::text AS e FROM memory_facts WHERE user_id = ${query.userId} AND is_active AND embedding IS NOT NULL`
          ).map((row) => ({ id: row.id, vector: Option.getOrThrow(parseVectorLiteral(row.e)) }))
          stored.set(query.userId, facts)
          const ranked = facts.map((fact) => ({ id: fact.id, s: cosineSimilarity(fact.vector, query.vector) }))
            .sort((a, b) => b.s - a.s)
          const tenth = ranked[9]?.s ?? -1
          const got = samples[i]?.[1] ?? []
          const similarity = new Map(ranked.map((row) => [row.id, row.s]))
          found += got.filter((fact) => (similarity.get(fact.id) ?? -2) >= tenth - 1e-6).length
          expected += Math.min(10, ranked.length)
        }
        return { latency: summarize(samples.map(([t]) => t)), recall: found / expected }
      })
    const many = yield* measure("100 facts each of 1,000 players", (i) => 1 + ((i * 37) % 1000))
    const one = yield* measure("2,000 facts of one player", () => 1001)
    return { many, one }
  }).pipe(Effect.provide(benchApp(db.env)))
}).pipe(Effect.scoped)

/** `claimDue(limit 8)` with 50,000 due conversations (one open conversation per player). */
export const claimAt50k = Effect.gen(function*() {
  const db = yield* benchDatabase
  return yield* Effect.gen(function*() {
    yield* progress("claim: 50,000 due conversations")
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, 50000)`
    yield* sql`
      INSERT INTO conversations (user_id, platform, status, message_count, started_at, last_message_at)
      SELECT u.id, 'text', 'active', 6, now() - interval '2 hours', now() - interval '1 hour' - random() * interval '1 hour'
      FROM users u`
    yield* sql`ANALYZE`
    const claims = yield* ConversationClaims
    const samples = yield* Effect.forEach(Array.from({ length: 40 }), () => timed(claims.claimDue({ limit: 8 })))
    return { claim: summarize(samples.map(([t]) => t)), claimed: samples.reduce((n, [, c]) => n + c.length, 0) }
  }).pipe(Effect.provide(benchApp({ ...db.env, STALE_AFTER: "15 minutes" })))
}).pipe(Effect.scoped)

/** The embedding backfill of 10,000 facts through the real SDK: requests sent and time. */
export const backfill = Effect.gen(function*() {
  const db = yield* benchDatabase
  const fake = yield* fakeModelServer({ delayMs: 0 })
  return yield* Effect.gen(function*() {
    yield* progress("backfill: 10,000 facts without an embedding")
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, 100)`
    yield* sql`
      INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type)
      SELECT u.id, 'The player mentioned thing ' || g || ' about ' || u.id, 'fact ' || g, 'user'
      FROM users u, generate_series(1, 100) g`
    fake.reset()
    const [elapsed, report] = yield* timed(backfillEmbeddings())
    return { elapsed, embedded: report.embedded, requests: fake.counts().embeddings }
  }).pipe(Effect.provide(benchApp({ ...db.env, OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: fake.url, OPENAI_RPM: "1000000", OPENAI_TPM: "1000000000" })))
}).pipe(Effect.scoped)
