// The fake OpenAI server in a process of its own, for the pipeline benches: real OpenAI answers
// from other machines, so the fake's JSON work (1536-dim embedding answers) must not take the
// measured instance's event loop. Started by `fakeModelProcess`; prints its URL, then serves until
// killed. Deterministic: the same answers after the same delay as in-process.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { type FakeModelCounts, type FakeModelOptions, fakeModelServer } from "./FakeModelServer.js"

export interface FakeModel {
  readonly url: string
  readonly counts: Effect.Effect<FakeModelCounts>
  readonly reset: Effect.Effect<void>
}

const control = <A>(url: string, path: string) =>
  Effect.promise(() => fetch(url.replace(/\/v1$/, path)).then((response) => response.text()).then((text): A => JSON.parse(text)))

/** The fake server in a child process, killed when the scope closes. */
export const fakeModelProcess = (options: FakeModelOptions) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly stop: () => void }, Error>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", "bench/FakeModelProcess.ts"], {
        env: { ...process.env, FAKE_MODEL_OPTIONS: JSON.stringify(options) },
        stdio: ["ignore", "pipe", "inherit"]
      })
      createInterface({ input: child.stdout }).once("line", (url) => resume(Effect.succeed({ url, stop: () => child.kill("SIGKILL") })))
      child.on("error", (error) => resume(Effect.fail(error)))
    }),
    (started) => Effect.sync(started.stop)
  ).pipe(Effect.map(({ url }): FakeModel => ({
    url,
    counts: control<FakeModelCounts>(url, "/bench/counts"),
    reset: Effect.asVoid(control<unknown>(url, "/bench/reset"))
  })))

if (process.env.FAKE_MODEL_OPTIONS !== undefined) {
  const options: FakeModelOptions = JSON.parse(process.env.FAKE_MODEL_OPTIONS)
  NodeRuntime.runMain(Effect.scoped(Effect.gen(function*() {
    const fake = yield* fakeModelServer(options)
    yield* Console.log(fake.url)
    yield* Effect.never
  })))
}
