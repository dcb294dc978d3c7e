// npm run bench: aftertalk's speed figures as one Markdown table, each figure with its baseline
// and the ratio measured in the same run, written to bench/results/<date>.md.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, availableParallelism } from "node:os"
import { progress, timed } from "./Harness.js"
import { instancesThroughput, steadyRate, withModel } from "./Pipeline.js"
import { backfill, claimAt50k, hotPath, memorySearch } from "./Reads.js"

interface Row {
  readonly figure: string
  readonly value: string
  readonly baseline: string
  readonly ratio: string
  readonly target: string
}

const row = (figure: string, value: string, baseline = "", ratio = "", target = ""): Row => ({ figure, value, baseline, ratio, target })
const f1 = (n: number) => n.toFixed(1)
const f2 = (n: number) => n.toFixed(2)
const msOf = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`

const table = (rows: ReadonlyArray<Row>) =>
  [
    "| figure | value | baseline | ratio | target |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} |`)
  ].join("\n")

const delayMs = 200

/** `npm run bench -- 5 6` runs only those sections (numbered as in the progress lines). */
const only = new Set(process.argv.slice(2).map(Number))
const section = (n: number) => only.size === 0 || only.has(n)

const program = Effect.gen(function*() {
  const rows: Array<Row> = []
  const [total] = yield* timed(Effect.gen(function*() {
    if (section(1)) {
    yield* progress("1/8 throughput, one instance (200 conversations, offline model)")
    const one = yield* instancesThroughput(1, 200)
    yield* progress(`  ${f1(one.rate)} conversations/s, ${f2(one.cpuPerRun)} ms of instance CPU per run`)
    yield* progress("2/8 throughput, two instances on one database (200 conversations each)")
    const two = yield* instancesThroughput(2, 200)
    yield* progress(`  ${f1(two.rate)} conversations/s, ${f2(two.cpuPerRun)} ms of instance CPU per run`)
    rows.push(row("throughput, offline model, 1 instance (conv/s)", f1(one.rate), "", "", "≥ 100"))
    rows.push(row("throughput, 2 instances on one database (conv/s)", f1(two.rate), `1 instance: ${f1(one.rate)}`, `${f2(two.rate / one.rate)}×`, "≥ 1.7×"))
    }

    for (const concurrency of section(3) ? [8, 32] : []) {
      yield* progress(`3/8 latency hiding: ${delayMs} ms model, concurrency ${concurrency}`)
      const result = yield* withModel({ concurrency, conversations: concurrency * 3, delayMs, warmUp: true })
      const ideal = concurrency / (result.calls * (delayMs / 1000))
      yield* progress(`  ${f1(result.rate)} conversations/s, ${f1(result.calls)} model calls per run`)
      rows.push(row(
        `${delayMs} ms model, concurrency ${concurrency} (conv/s; ${f1(result.calls)} calls/run)`,
        f2(result.rate),
        `ideal C/(calls × 0.2 s): ${f2(ideal)}`,
        f2(result.rate / ideal),
        "≥ 0.9"
      ))
      if (concurrency === 8) {
        rows.push(row("run overhead beyond model time, p50 / p95 (concurrency 8)", `${msOf(result.overhead.p50)} / ${msOf(result.overhead.p95)}`, "", "", "p95 ≤ 50 ms"))
      }
    }

    if (section(4)) {
    yield* progress("4/8 rate limit: OPENAI_RPM=600 against a fake enforcing 600 requests/min with 429s")
    const limited = yield* withModel({ concurrency: 32, conversations: 24, delayMs, requestsPerMinute: 600 })
    const achieved = steadyRate(limited.counts.accepted, 10)
    yield* progress(`  ${f1(achieved)} requests/min, ${limited.counts.rejected} 429s answered, ${limited.failed} failed runs`)
    rows.push(row(
      `rate limit 600 RPM: achieved requests/min (429s on the wire: ${limited.counts.rejected}; failed runs: ${limited.failed})`,
      f1(achieved),
      "limit: 600",
      f2(achieved / 600),
      "≥ 0.9, 0 failed"
    ))
    }

    if (section(5)) yield* progress("5/8 hot path: GET /users/{id}/prompt, autocannon, 16 connections")
    const hot = section(5) ? yield* hotPath : Option.none()
    if (Option.isSome(hot)) {
      const { service, baseline } = hot.value
      yield* progress(`  service ${f1(service.rps)} requests/s, CPU ${f2(service.cpuPerRequestMs)} ms/request; raw ${f1(baseline.rps)} requests/s, CPU ${f2(baseline.cpuPerRequestMs)} ms/request`)
      rows.push(row("GET /users/{id}/prompt, 16 connections (requests/s)", f1(service.rps), `raw node:http + pg: ${f1(baseline.rps)}`, f2(service.rps / baseline.rps), "≥ 0.5"))
      rows.push(row("GET /users/{id}/prompt p99", msOf(service.p99), `raw: ${msOf(baseline.p99)}`, "", "≤ 10 ms"))
    }

    if (section(6)) {
    yield* progress("6/8 memory search at 100,000 facts")
    const search = yield* memorySearch
    rows.push(row("memory search, 100,000 facts / 1,000 players: p50 / p95", `${msOf(search.many.latency.p50)} / ${msOf(search.many.latency.p95)}`, "", "", "p95 ≤ 10 ms"))
    rows.push(row("memory search, 2,000 facts of one player: p50 / p95", `${msOf(search.one.latency.p50)} / ${msOf(search.one.latency.p95)}`, "", "", "p95 ≤ 10 ms"))
    rows.push(row("memory search recall@10 (100k / 2,000)", `${f2(search.many.recall)} / ${f2(search.one.recall)}`, "exact scan: 1.00", "", "≥ 0.95"))
    }

    if (section(7)) {
    yield* progress("7/8 claim at 50,000 due")
    const claim = yield* claimAt50k
    rows.push(row("claimDue(limit 8) at 50,000 due: p50 / p95", `${msOf(claim.claim.p50)} / ${msOf(claim.claim.p95)}`, `${claim.claimed} claimed in 40 calls`))
    }

    if (section(8)) {
    yield* progress("8/8 backfill of 10,000 facts")
    const filled = yield* backfill
    rows.push(row(
      "backfill of 10,000 facts: embedding requests / time",
      `${filled.requests} / ${(filled.elapsed / 1000).toFixed(1)} s (${filled.embedded} embedded)`,
      `⌈N / 2,048⌉ = ${Math.ceil(10_000 / 2048)}`,
      f2(filled.requests / Math.ceil(10_000 / 2048))
    ))
    }
  }))

  const machine = `${availableParallelism()} CPUs (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, PostgreSQL on 127.0.0.1`
  const date = new Date().toISOString().slice(0, 10)
  const text = [
    `# aftertalk bench, ${date}`,
    "",
    `Machine: ${machine}. Whole bench: ${(total / 1000).toFixed(0)} s.`,
    "",
    table(rows),
    ""
  ].join("\n")
  mkdirSync("bench/results", { recursive: true })
  writeFileSync(`bench/results/${date}.md`, text)
  yield* Console.log(text)
  yield* progress(`written to bench/results/${date}.md`)
})

NodeRuntime.runMain(program)
