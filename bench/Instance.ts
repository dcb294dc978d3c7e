// One service instance for the throughput benchmark, as a child process (its own event loop and
// CPU): builds the application over the given database, says "ready", waits for "go" on stdin,
// processes due conversations until none is left, and prints what it did as one JSON line.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { createInterface } from "node:readline"
import { Tasks } from "../src/queue/Tasks.js"
import { benchApp } from "./Harness.js"

const go = Effect.async<void>((resume) => {
  const lines = createInterface({ input: process.stdin })
  lines.once("line", () => {
    lines.close()
    // Nothing more comes on stdin: an open stdin would keep this process alive after its work.
    process.stdin.destroy()
    resume(Effect.void)
  })
})

const program = Effect.gen(function*() {
  const tasks = yield* Tasks
  yield* Console.log("ready")
  yield* go
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  let processed = 0
  let failed = 0
  for (;;) {
    const result = yield* tasks.processConversations({ limit: 64 })
    processed += result.processed + result.partial
    failed += result.failed
    if (result.detected === 0) break
  }
  const cpu = process.cpuUsage(cpuStart)
  const cpuMs = (cpu.user + cpu.system) / 1000
  yield* Console.log(JSON.stringify({ processed, failed, elapsed: performance.now() - start, cpuMs }))
  // Done: exit rather than wait to be killed, so that a --cpu-prof profile is written.
  yield* Effect.sync(() => process.exit(0))
}).pipe(Effect.provide(benchApp(JSON.parse(process.env.BENCH_ENV ?? "{}"))))

NodeRuntime.runMain(program)
