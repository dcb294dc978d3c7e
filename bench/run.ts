// npm run bench: speed figures of aftertalk's hot paths, printed with the ratios that matter.
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Console, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { ConversationClaims } from "../src/queue/ConversationClaims.js"
import { ConversationIntake } from "../src/pipeline/ConversationIntake.js"
import { Embeddings } from "../src/model/Embeddings.js"
import { MemoryRepository } from "../src/memory/MemoryRepository.js"
import { UserRepository } from "../src/player/UserRepository.js"
import { Tasks } from "../src/queue/Tasks.js"
import { benchApp, benchDatabase, benchSecret, line, ms, summarize, timed } from "./Harness.js"

const lines = [
  "Hi Nikita! I just got back from my shift at the hospital, I work as a nurse.",
  "I love hiking in the mountains on weekends, it clears my head.",
  "My sister Anna is visiting next week and I am a bit nervous about it.",
  "Do you like music? I have been learning the guitar for a year.",
  "Sorry I was short with you yesterday, work was rough.",
  "I feel like I can really talk to you about anything."
]

/** Players with one quiet conversation each, ready to be claimed. */
const seed = (players: number) =>
  Effect.gen(function*() {
    const users = yield* UserRepository
    const conversations = yield* ConversationIntake
    const ids: Array<string> = []
    for (let i = 0; i < players; i++) {
      const id = randomUUID()
      ids.push(id)
      yield* users.upsert(id, { display_name: `Player ${i}`, timezone: "Europe/Berlin" })
      for (const [n, content] of lines.entries()) {
        yield* conversations.appendMessage(id, { platform: "text", role: n % 3 === 1 ? "nikita" : "user", content })
      }
    }
    return ids
  })

/** Conversations per second through the whole pipeline (offline model), at a given concurrency. */
const pipelineThroughput = (concurrency: number, players: number) =>
  Effect.gen(function*() {
    const db = yield* benchDatabase
    const env = { ...db.env, STREAM_CONCURRENCY: String(concurrency), STALE_AFTER: "1", PIPELINE_TIMEOUT: "120 seconds" }
    return yield* Effect.gen(function*() {
      const ids = yield* seed(players)
      const tasks = yield* Tasks
      const [elapsed, result] = yield* timed(tasks.processConversations({ limit: players }))
      return { kind: db.kind, elapsed, processed: result.processed + result.partial, ids }
    }).pipe(Effect.provide(benchApp(env)))
  }).pipe(Effect.scoped)

const getPrompt = (id: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    timed(client.pipe(HttpClient.filterStatusOk).execute(
      HttpClientRequest.get(`/users/${id}/prompt?platform=text`).pipe(HttpClientRequest.bearerToken(benchSecret))
    ).pipe(Effect.flatMap((response) => response.json))))

/**
 * The chat runtime's hot path, GET /users/{id}/prompt over HTTP: the pre-built prompt (flag on)
 * against the prompt built on demand from the current state (flag off), on the same data.
 */
const promptReads = Effect.gen(function*() {
  const db = yield* benchDatabase
  const players = 20
  const ready = yield* Effect.gen(function*() {
    const ids = yield* seed(players)
    yield* (yield* Tasks).processConversations({ limit: players })
    yield* Effect.forEach(ids, getPrompt, { concurrency: 4 }) // warm-up
    const sequential = yield* Effect.forEach(Array.from({ length: 400 }, (_, i) => ids[i % players] ?? ""), getPrompt)
    const requests = 2_000
    const [wall] = yield* timed(Effect.forEach(Array.from({ length: requests }, (_, i) => ids[i % players] ?? ""), getPrompt, { concurrency: 16 }))
    return { ids, latency: summarize(sequential.map(([t]) => t)), rps: requests / (wall / 1000) }
  }).pipe(Effect.provide(benchApp({ ...db.env, STALE_AFTER: "1" })))
  // The same database, a second app with the pipeline off (PGlite keeps nothing between apps).
  const onDemand = db.kind === "postgres"
    ? yield* Effect.gen(function*() {
      yield* Effect.forEach(ready.ids, getPrompt, { concurrency: 4 })
      const sequential = yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => ready.ids[i % players] ?? ""), getPrompt)
      return summarize(sequential.map(([t]) => t))
    }).pipe(Effect.provide(benchApp({ ...db.env, UNIFIED_PIPELINE_ENABLED: "false" })))
    : undefined
  return { kind: db.kind, ready: ready.latency, rps: ready.rps, onDemand }
}).pipe(Effect.scoped)

/** The claim under a backlog: many finished conversations, a few due ones. */
const claimUnderBacklog = Effect.gen(function*() {
  const db = yield* benchDatabase
  return yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const backlog = db.kind === "postgres" ? 50_000 : 10_000
    yield* sql`
      INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, ${backlog / 10})`
    yield* sql`
      INSERT INTO conversations (user_id, platform, status, message_count, started_at, last_message_at, processed_at)
      SELECT u.id, 'text', 'processed', 6, now() - interval '2 days', now() - interval '2 days', now() - interval '1 day'
      FROM users u, generate_series(1, 10)`
    yield* sql`
      INSERT INTO conversations (user_id, platform, status, message_count, started_at, last_message_at)
      SELECT id, 'text', 'active', 6, now() - interval '1 hour', now() - interval '1 hour'
      FROM users ORDER BY id LIMIT 400`
    yield* sql`ANALYZE`
    const claims = yield* ConversationClaims
    const samples = yield* Effect.forEach(Array.from({ length: 40 }), () => timed(claims.claimDue({ limit: 8 })))
    const claimed = samples.reduce((n, [, c]) => n + c.length, 0)
    return { kind: db.kind, backlog, claim: summarize(samples.map(([t]) => t)), claimed }
  }).pipe(Effect.provide(benchApp({ ...db.env, STALE_AFTER: "15 minutes" })))
}).pipe(Effect.scoped)

/** Memory search (HNSW, cosine) over one player's many facts. */
const memorySearch = Effect.gen(function*() {
  const db = yield* benchDatabase
  return yield* Effect.gen(function*() {
    const users = yield* UserRepository
    const memory = yield* MemoryRepository
    const embeddings = yield* Embeddings
    const userId = randomUUID()
    yield* users.upsert(userId, {})
    const conversations = yield* ConversationIntake
    const opened = yield* conversations.appendMessage(userId, { platform: "text", role: "user", content: lines[0] ?? "hi" })
    if (opened._tag === "None") return yield* Effect.dieMessage("the bench player vanished")
    const conversationId = opened.value.conversation_id
    const topics = ["hiking", "guitar", "nursing", "cooking", "running", "painting", "chess", "travel", "coffee", "books"]
    const facts = Array.from({ length: 2_000 }, (_, i) => `User mentioned fact ${i} about ${topics[i % topics.length]} and ${topics[(i * 7) % topics.length]} number ${i}`)
    const vectors = yield* embeddings.embedMany(facts)
    for (let i = 0; i < facts.length; i += 200) {
      yield* memory.addFacts({
        userId,
        conversationId,
        facts: facts.slice(i, i + 200).map((text, j) => ({ text, graphType: "user" as const, embedding: vectors[i + j]! }))
      }).pipe(Effect.orDie)
    }
    const queries = Array.from({ length: 100 }, (_, i) => `what does the player say about ${topics[i % topics.length]}`)
    const samples = yield* Effect.forEach(queries, (query) => timed(memory.searchText({ userId, query, limit: 10 })))
    return { kind: db.kind, facts: facts.length, search: summarize(samples.map(([t]) => t)) }
  }).pipe(Effect.provide(benchApp(db.env)))
}).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  yield* Console.log("aftertalk benchmarks (offline model provider; figures vary with the machine)\n")

  const serial = yield* pipelineThroughput(1, 24)
  const parallel = yield* pipelineThroughput(8, 24)
  const rate = (r: typeof serial) => r.processed / (r.elapsed / 1000)
  yield* Console.log(`pipeline throughput (${serial.kind}, ${serial.processed} conversations, all nine stages)`)
  yield* line("STREAM_CONCURRENCY=1", `${rate(serial).toFixed(1)} conversations/s`)
  yield* line("STREAM_CONCURRENCY=8", `${rate(parallel).toFixed(1)} conversations/s`)
  yield* line("ratio 8 / 1", `${(rate(parallel) / rate(serial)).toFixed(2)}x`)

  const prompts = yield* promptReads
  yield* Console.log(`\nprompt hot path (${prompts.kind}, GET /users/{id}/prompt over HTTP; the client shares the server's process and CPU)`)
  yield* line("ready prompt, one at a time: p50 / p95", `${ms(prompts.ready.p50)} / ${ms(prompts.ready.p95)}`)
  yield* line("ready prompt, 16 concurrent: reads per second", `${prompts.rps.toFixed(0)}`)
  if (prompts.onDemand !== undefined) {
    yield* line("built on demand (flag off): p50 / p95", `${ms(prompts.onDemand.p50)} / ${ms(prompts.onDemand.p95)}`)
    yield* line("ratio on-demand / ready (p50): what pre-building saves", `${(prompts.onDemand.p50 / prompts.ready.p50).toFixed(1)}x`)
  }

  const claim = yield* claimUnderBacklog
  yield* Console.log(`\nclaim under backlog (${claim.kind}, ${claim.backlog} processed + 400 due conversations)`)
  yield* line("claimDue(limit 8) p50 / p95", `${ms(claim.claim.p50)} / ${ms(claim.claim.p95)}`)
  yield* line("conversations claimed in 40 calls", `${claim.claimed}`)

  const memory = yield* memorySearch
  yield* Console.log(`\nmemory search (${memory.kind}, ${memory.facts} facts of one player, HNSW cosine)`)
  yield* line("searchText(limit 10) p50 / p95 (embedding included)", `${ms(memory.search.p50)} / ${ms(memory.search.p95)}`)
})

NodeRuntime.runMain(program)
