import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Console, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { randomUUID } from "node:crypto"
import pg from "pg"
import { ApplicationLive } from "../src/AppLayer.js"
import { ServeApi } from "../src/http/Server.js"
import { AppConfig } from "../src/config/AppConfig.js"
import { tracingLayer } from "../src/observability/Telemetry.js"

/**
 * The benchmarks' world: the real application layers (as Main builds them) served on a local
 * test server, over a fresh database on the local PostgreSQL, or the embedded PGlite when no
 * PostgreSQL answers.
 */

export const benchSecret = "bench-secret-of-aftertalk"
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

const admin = (text: string) =>
  Effect.tryPromise(async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  })

/** A fresh database for one benchmark: PostgreSQL when reachable, else in-memory PGlite. */
export const benchDatabase = Effect.acquireRelease(
  Effect.gen(function*() {
    const name = `aftertalk_bench_${randomUUID().replaceAll("-", "").slice(0, 12)}`
    const created = yield* Effect.either(admin(`CREATE DATABASE ${name}`))
    if (created._tag === "Left") return { kind: "pglite" as const, name, env: { DATA_DIR: "memory://" } }
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return { kind: "postgres" as const, name, env: { DATABASE_URL: url.toString() } }
  }),
  (db) => (db.kind === "postgres" ? admin(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`).pipe(Effect.ignore) : Effect.void)
)

/**
 * The whole app over `env`, with an HttpClient pointed at it. Tracing is off, as in the service
 * without OTEL_EXPORTER_OTLP_ENDPOINT (`tracingLayer`): otherwise every run's spans would be made
 * and measured although the service makes none.
 */
export const benchApp = (env: Record<string, string>) =>
  ServeApi.pipe(
    Layer.provideMerge(ApplicationLive),
    Layer.provideMerge(AppConfig.Default),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ TASK_SECRET: benchSecret, ...env }))))),
    Layer.provide(Logger.minimumLogLevel(LogLevel.Error)),
    Layer.provide(tracingLayer(Option.none()))
  )

export interface Summary {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly mean: number
}

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length) }
}

/** Milliseconds an effect takes, with its result. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const result = yield* effect
    return [performance.now() - start, result] as const
  })

export const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`

export const line = (label: string, value: string) => Console.log(`  ${label.padEnd(52)} ${value}`)

/** A progress line on stderr while the bench runs (the table goes to stdout). */
export const progress = (text: string) => Console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`)
