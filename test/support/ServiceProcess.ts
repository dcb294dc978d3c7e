import { FetchHttpClient, HttpClient, HttpClientRequest, type HttpMethod } from "@effect/platform"
import { Data, Deferred, Duration, Effect, Exit, Option, Schedule, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

/**
 * The real service as a child process, by default `serviceEntry`, the bundled dist/Main.js
 * (`builtEntry` is exactly `npm start`'s line, `devEntry` runs the sources through tsx,
 * `cliEntry` a command of the CLI), for tests of what only a process has: start-up, exit codes,
 * signals, a crash.
 *
 * - The child gets only the variables it is given (plus PATH, HOME, TMPDIR): nothing of the
 *   developer's environment (a DATABASE_URL, an OPENAI_API_KEY) leaks into it. PORT defaults
 *   to 0 and the address is read from the service's "Listening on http://…" log line, so
 *   parallel tests never race for a port.
 * - stdout and stderr are captured; when the test's scope closes with a failure they are
 *   printed, since the child's log is usually what explains it.
 * - The child is killed with SIGKILL when the scope closes, whatever happened, and with the
 *   test worker itself as a last resort: no test leaves a service running.
 */

const repoRoot = join(import.meta.dirname, "..", "..")

/**
 * How the child is started: node's arguments. The default is the built service (the process
 * project's setup builds dist/ when src/ is newer; test/support/processSetup.ts).
 */
export type Entry = ReadonlyArray<string>

/** `aftertalk` from the sources: what `npm run dev` runs (no command = serve). */
export const devEntry: Entry = ["--import", "tsx", "src/Main.ts"]

/** The built service exactly as `npm start` (and the container) runs it: tested by the start-up test. */
export const builtEntry: Entry = ["--enable-source-maps", "dist/Main.js", "serve"]

/**
 * The same built service without `--enable-source-maps`, for every other test. The flag makes
 * node parse the bundle's source map (3.6 MB) at start: about 0.5 s of CPU, a third of a start,
 * paid by some twenty starts in the suite; it changes nothing but how a stack trace reads.
 */
export const serviceEntry: Entry = ["dist/Main.js", "serve"]

/** A command of the built CLI, e.g. `cliEntry("demo")` (without source maps, as `serviceEntry`). */
export const cliEntry = (...args: ReadonlyArray<string>): Entry => ["dist/Main.js", ...args]

/** How a child ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export class ServiceProcessError extends Data.TaggedError("ServiceProcessError")<{ readonly message: string }> {}

export interface Reply {
  readonly status: number
  readonly text: string
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown
}

/** A child process of the service, whether or not it got as far as listening. */
export interface Child {
  readonly name: string
  readonly pid: number
  readonly stdout: Effect.Effect<string>
  readonly stderr: Effect.Effect<string>
  /** Sends a signal (no-op once it exited). */
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** Waits for the exit. */
  readonly exited: Effect.Effect<ProcessExit>
}

/** A child that answers `GET /pipeline/health`. */
export interface ServiceProcess extends Child {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** A request to the service, answered whatever its status; `secret` is sent as the bearer. */
  readonly send: (
    method: HttpMethod.HttpMethod,
    path: string,
    options?: { readonly body?: unknown; readonly secret?: string }
  ) => Effect.Effect<Reply, ServiceProcessError>
  /** Sends `signal` and waits for the exit, failing after `within`. */
  readonly stop: (signal: NodeJS.Signals, within?: Duration.DurationInput) => Effect.Effect<ProcessExit, ServiceProcessError>
}

/** Children still running, killed if the test worker exits without closing their scopes. */
const running = new Set<ChildProcess>()
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL")
})

/** Output kept per stream: the tail is what explains a failure, and memory stays bounded. */
const maxCaptured = 2_000_000

const capture = (stream: NodeJS.ReadableStream | null, onData: (text: () => string) => void) => {
  let chunks: Array<string> = []
  let size = 0
  const text = () => chunks.join("")
  stream?.setEncoding("utf8")
  stream?.on("data", (chunk: string) => {
    chunks.push(chunk)
    size += chunk.length
    if (size > 2 * maxCaptured) {
      const kept = text().slice(-maxCaptured)
      chunks = [kept]
      size = kept.length
    }
    onData(text)
  })
  return text
}

const tail = (text: string, lines = 40) => text.trimEnd().split("\n").slice(-lines).join("\n")

/** Colour codes, in case the logger decides the output is a terminal. */
const ansi = /\u001b\[[0-9;]*m/g

/** A bare environment: just what node and tsx need to run, plus `env`. */
const childEnv = (env: Readonly<Record<string, string>>): Record<string, string> => {
  const inherited: Record<string, string> = {}
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name]
    if (value !== undefined) inherited[name] = value
  }
  return { ...inherited, HOST: "127.0.0.1", PORT: "0", ...env }
}

/**
 * Spawns the service with `env` for the current scope. The scope's end kills it (SIGKILL) unless
 * it already exited, and prints its output if the scope failed.
 */
export const spawnService = (
  name: string,
  env: Readonly<Record<string, string>>,
  entry: Entry = serviceEntry
): Effect.Effect<
  Child & { readonly listening: Effect.Effect<string> },
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const exit = yield* Deferred.make<ProcessExit>()
    const listening = yield* Deferred.make<string>()
    let heard = false
    const watchListening = (text: () => string) => {
      if (heard) return
      const found = /Listening on (http:\/\/[^\s"]+)/.exec(text().replace(ansi, ""))
      if (found?.[1] === undefined) return
      heard = true
      Deferred.unsafeDone(listening, Exit.succeed(found[1]))
    }
    const { child, stderr, stdout } = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const spawned = spawn(process.execPath, [...entry], {
          cwd: repoRoot,
          env: childEnv(env),
          stdio: ["ignore", "pipe", "pipe"]
        })
        running.add(spawned)
        spawned.on("exit", (code, signal) => {
          running.delete(spawned)
          Deferred.unsafeDone(exit, Exit.succeed({ code, signal }))
        })
        return { child: spawned, stdout: capture(spawned.stdout, watchListening), stderr: capture(spawned.stderr, watchListening) }
      }),
      (spawned, scopeExit) =>
        Effect.gen(function*() {
          if (Option.isNone(yield* Deferred.poll(exit))) {
            spawned.child.kill("SIGKILL")
            yield* Deferred.await(exit).pipe(Effect.timeout("10 seconds"), Effect.ignore)
          }
          if (Exit.isFailure(scopeExit)) {
            process.stderr.write(
              `\n--- ${name} (pid ${spawned.child.pid}) stdout, last lines ---\n${tail(spawned.stdout())}\n` +
                `--- ${name} stderr, last lines ---\n${tail(spawned.stderr())}\n--- end of ${name} ---\n`
            )
          }
        })
    )
    return {
      name,
      pid: child.pid ?? -1,
      stdout: Effect.sync(stdout),
      stderr: Effect.sync(stderr),
      kill: (signal: NodeJS.Signals) =>
        Effect.flatMap(Deferred.poll(exit), (done) => Option.isNone(done) ? Effect.sync(() => child.kill(signal)) : Effect.void),
      exited: Deferred.await(exit),
      listening: Deferred.await(listening)
    }
  })

/** Runs the service with `env` until it exits on its own (e.g. a start-up failure). */
export const runToExit = (
  env: Readonly<Record<string, string>>,
  within: Duration.DurationInput = "45 seconds",
  entry: Entry = serviceEntry
) =>
  Effect.scoped(
    Effect.gen(function*() {
      const child = yield* spawnService("aftertalk", env, entry)
      const exit = yield* child.exited.pipe(
        Effect.timeoutFail({
          duration: within,
          onTimeout: () => new ServiceProcessError({ message: `the service did not exit within ${Duration.format(Duration.decode(within))}` })
        })
      )
      return { ...exit, stdout: yield* child.stdout, stderr: yield* child.stderr }
    })
  )

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const request = (url: string) =>
(
  method: HttpMethod.HttpMethod,
  path: string,
  options: { readonly body?: unknown; readonly secret?: string } = {}
): Effect.Effect<Reply, ServiceProcessError> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let built = HttpClientRequest.make(method)(`${url}${path}`)
    if (options.secret !== undefined) built = HttpClientRequest.bearerToken(built, options.secret)
    if (options.body !== undefined) built = HttpClientRequest.bodyUnsafeJson(built, options.body)
    const response = yield* client.execute(built)
    const text = yield* response.text
    return { status: response.status, text, json: parseJson(text) }
  }).pipe(
    Effect.scoped,
    Effect.provide(FetchHttpClient.layer),
    Effect.mapError((error) => new ServiceProcessError({ message: `${method} ${path}: ${error.message}` }))
  )

/**
 * Starts the service with `env` and waits until `GET /pipeline/health` answers 200, failing
 * (with the child's output) if it exits first or is not ready within `readyWithin`.
 */
export const startService = (
  name: string,
  env: Readonly<Record<string, string>>,
  options: { readonly readyWithin?: Duration.DurationInput; readonly entry?: Entry } = {}
): Effect.Effect<ServiceProcess, ServiceProcessError, Scope.Scope> =>
  Effect.gen(function*() {
    const readyWithin = options.readyWithin ?? "45 seconds"
    const child = yield* spawnService(name, env, options.entry)
    const failure = (why: string) =>
      Effect.gen(function*() {
        const output = `${yield* child.stdout}\n${yield* child.stderr}`
        return new ServiceProcessError({ message: `${name}: ${why}\n${tail(output)}` })
      })
    const diedEarly = child.exited.pipe(
      Effect.flatMap((exit) => Effect.flatMap(failure(`exited before it was ready (code ${exit.code}, signal ${exit.signal})`), Effect.fail))
    )
    const healthy = (url: string) =>
      request(url)("GET", "/pipeline/health").pipe(
        Effect.filterOrFail((reply) => reply.status === 200, () => new ServiceProcessError({ message: "not healthy yet" })),
        Effect.retry(Schedule.spaced("200 millis")),
        Effect.as(url)
      )
    const url = yield* Effect.raceFirst(Effect.flatMap(child.listening, healthy), diedEarly).pipe(
      Effect.timeout(readyWithin),
      Effect.catchTag("TimeoutException", () =>
        Effect.flatMap(failure(`not healthy within ${Duration.format(Duration.decode(readyWithin))}`), Effect.fail))
    )
    const stop = (signal: NodeJS.Signals, within: Duration.DurationInput = "30 seconds") =>
      child.kill(signal).pipe(
        Effect.zipRight(child.exited),
        Effect.timeout(within),
        Effect.catchTag("TimeoutException", () =>
          Effect.flatMap(failure(`did not exit within ${Duration.format(Duration.decode(within))} of ${signal}`), Effect.fail))
      )
    return { ...child, url, send: request(url), stop }
  })
