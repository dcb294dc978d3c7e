import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { createInterface } from "node:readline"
import { ConversationRepository } from "../src/conversation/ConversationRepository.js"
import { UserRepository } from "../src/player/UserRepository.js"
import { Tasks } from "../src/queue/Tasks.js"
import { fakeModelProcess } from "./FakeModelProcess.js"
import { benchApp, benchDatabase, progress, summarize, timed } from "./Harness.js"

const lines = [
  "Hi Nikita! I just got back from my shift at the hospital, I work as a nurse.",
  "I love hiking in the mountains on weekends, it clears my head.",
  "My sister Anna is visiting next week and I am a bit nervous about it.",
  "Do you like music? I have been learning the guitar for a year.",
  "Sorry I was short with you yesterday, work was rough.",
  "I feel like I can really talk to you about anything."
]

/** Players with one quiet conversation each, due once STALE_AFTER (1 s here) has passed. */
export const seed = (players: number) =>
  Effect.gen(function*() {
    const users = yield* UserRepository
    const conversations = yield* ConversationRepository
    const ids = Array.from({ length: players }, () => randomUUID())
    yield* Effect.forEach(ids, (id, i) =>
      Effect.gen(function*() {
        yield* users.upsert(id, { display_name: `Player ${i}`, timezone: "Europe/Berlin" })
        for (const [n, content] of lines.entries()) {
          yield* conversations.appendMessage(id, { platform: "text", role: n % 3 === 1 ? "nikita" : "user", content })
        }
      }), { concurrency: 8, discard: true })
    yield* Effect.sleep("1100 millis")
    return ids
  })

const quick = { STALE_AFTER: "1", PIPELINE_TIMEOUT: "120 seconds" }

interface Started {
  readonly go: () => Promise<{ processed: number; failed: number; elapsed: number; cpuMs: number }>
  readonly stop: () => unknown
}

/**
 * A child process running bench/Instance.ts over `env`, started and waiting for "go"; killed when
 * the scope closes (its open stdin would otherwise keep it, and the bench, alive).
 */
const startInstance = (env: Record<string, string>) =>
  Effect.acquireRelease(spawnInstance(env), (started) => Effect.sync(started.stop))

const spawnInstance = (env: Record<string, string>) =>
  Effect.async<Started, Error>((resume) => {
    // BENCH_CPU_PROF=<dir>: each instance writes a V8 CPU profile there (node --cpu-prof).
    const profile = process.env.BENCH_CPU_PROF === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    const child = spawn(process.execPath, [...profile, "--import", "tsx", "bench/Instance.ts"], {
      env: { ...process.env, BENCH_ENV: JSON.stringify(env) },
      stdio: ["pipe", "pipe", "inherit"]
    })
    const out = createInterface({ input: child.stdout })
    let finished: (line: string) => void = () => {}
    out.on("line", (line) => {
      if (line === "ready") {
        resume(Effect.succeed({
          go: () =>
            new Promise((done) => {
              finished = (text) => done(JSON.parse(text))
              child.stdin.write("go\n")
            }),
          // Its work is done when the scope closes; SIGTERM would only interrupt its (ended) main fiber.
          // A profiled instance exits by itself after its work, and must, to write its profile.
          stop: () => profile.length === 0 && child.kill("SIGKILL")
        }))
      } else if (line.startsWith("{")) finished(line)
    })
    child.on("error", (error) => resume(Effect.fail(error)))
  })

/** Conversations per second of `instances` processes on one database, `perInstance` conversations each. */
export const instancesThroughput = (instances: number, perInstance: number) =>
  Effect.gen(function*() {
    const db = yield* benchDatabase
    const env = { ...db.env, ...quick, STREAM_CONCURRENCY: "8" }
    yield* progress(`throughput: seeding ${instances * perInstance} conversations for ${instances} instance(s)`)
    yield* seed(instances * perInstance).pipe(Effect.provide(benchApp(env)), Effect.scoped)
    const children = yield* Effect.forEach(Array.from({ length: instances }), () => startInstance(env), { concurrency: "unbounded" })
    yield* progress(`throughput: ${instances} instance(s) processing`)
    const [wall, results] = yield* timed(Effect.promise(() => Promise.all(children.map((child) => child.go()))))
    const processed = results.reduce((n, r) => n + r.processed, 0)
    const failed = results.reduce((n, r) => n + r.failed, 0)
    // The instances' own CPU (user + system) per conversation: what a shared machine cannot blur.
    const cpuPerRun = results.reduce((n, r) => n + r.cpuMs, 0) / Math.max(1, processed)
    return { processed, failed, rate: processed / (wall / 1000), cpuPerRun }
  }).pipe(Effect.scoped)

const openAiEnv = (url: string) => ({
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: url,
  OPENAI_RPM: "1000000",
  OPENAI_TPM: "1000000000"
})

/**
 * Runs `conversations` through the pipeline against a fake OpenAI server answering in `delayMs`
 * (in a child process: its JSON work is not the instance's), at `concurrency`: conversations per
 * second, model calls per run, and each run's time beyond its model calls (total duration minus
 * calls × delay). With `warmUp`, a batch of `concurrency` runs goes first and is not counted:
 * with a sample this small, the first runs' compilation and the tokenizer's load would weigh heavily.
 */
export const withModel = (options: {
  readonly concurrency: number
  readonly conversations: number
  readonly delayMs: number
  readonly requestsPerMinute?: number
  readonly warmUp?: boolean
}) =>
  Effect.gen(function*() {
    const db = yield* benchDatabase
    const fake = yield* fakeModelProcess({ delayMs: options.delayMs, requestsPerMinute: options.requestsPerMinute })
    const env = {
      ...db.env,
      ...quick,
      ...openAiEnv(fake.url),
      ...(options.requestsPerMinute === undefined ? {} : { OPENAI_RPM: String(options.requestsPerMinute) }),
      STREAM_CONCURRENCY: String(options.concurrency)
    }
    return yield* Effect.gen(function*() {
      const tasks = yield* Tasks
      if (options.warmUp === true) {
        yield* seed(options.concurrency)
        yield* tasks.processConversations({ limit: options.concurrency })
      }
      yield* seed(options.conversations)
      yield* fake.reset
      const [elapsed, result] = yield* timed(tasks.processConversations({ limit: options.conversations }))
      const counts = yield* fake.counts
      const runs = result.processed + result.partial
      const calls = (counts.chat + counts.embeddings) / Math.max(1, result.detected)
      const sql = yield* SqlClient.SqlClient
      const durations = yield* sql<{ ms: number }>`
        SELECT total_duration_ms AS ms FROM pipeline_executions
        WHERE total_duration_ms IS NOT NULL AND id IN ${sql.in(result.execution_ids)}`
      return {
        runs,
        failed: result.failed,
        rate: runs / (elapsed / 1000),
        calls,
        overhead: summarize(durations.map((row) => row.ms - calls * options.delayMs)),
        counts
      }
    }).pipe(Effect.provide(benchApp(env)))
  }).pipe(Effect.scoped)

/** Accepted requests per minute in the steady state: after the first second's burst. */
export const steadyRate = (accepted: ReadonlyArray<number>, burst: number) => {
  const sorted = [...accepted].sort((a, b) => a - b)
  const first = sorted[burst]
  const last = sorted.at(-1)
  if (first === undefined || last === undefined || last <= first) return 0
  return ((sorted.length - burst - 1) * 60_000) / (last - first)
}
