import { ConfigError, Effect, Layer, Option } from "effect"
import { ApplicationLive } from "./AppLayer.js"
import { AppConfig, describeConfigError } from "./config/AppConfig.js"
import { redactSecrets } from "./config/Redaction.js"
import { HttpLive } from "./http/Server.js"
import { chooseFormat, loggingLayer } from "./observability/Logging.js"
import { tracingLayer } from "./observability/Telemetry.js"
import { ConversationStreamLive } from "./queue/ConversationStream.js"
import { Readiness } from "./runs/Readiness.js"

/**
 * What every entry point shares: the service's layer, the process-wide logging and tracing read
 * from AppConfig, and the one-line description of the failures a person can fix.
 */

/** Readiness turns false as soon as shutdown begins, before runs in flight are waited for. */
const NotReadyOnShutdown = Layer.scopedDiscard(
  Effect.flatMap(Readiness, (readiness) => Effect.addFinalizer(() => readiness.markShuttingDown))
)

/** aftertalk: the HTTP API and the stale-conversation stream over one pipeline and database. */
export const ServiceLive = Layer.mergeAll(HttpLive, ConversationStreamLive, NotReadyOnShutdown).pipe(
  Layer.provide(ApplicationLive)
)

/**
 * Logging and tracing for `program`, then AppConfig for both. The service logs to stdout at
 * LOG_LEVEL (info by default); a command-line tool logs to stderr, warnings only unless LOG_LEVEL
 * says otherwise, so that its own output on stdout stays readable and parseable.
 */
export const withRuntime = (role: "service" | "tool") => <A, E, R>(program: Effect.Effect<A, E, R>) =>
  program.pipe(
    Effect.provide(Layer.unwrapEffect(Effect.map(AppConfig, (config) =>
      Layer.merge(
        loggingLayer({
          format: chooseFormat(config.logFormat),
          level: Option.getOrElse(config.logLevel, () => (role === "service" ? "info" : "warning")),
          out: role === "service" ? process.stdout : process.stderr
        }),
        tracingLayer(config.otlpEndpoint)
      )))),
    Effect.provide(AppConfig.Default)
  )

/** A failure a person can act on, as one line; anything else is a bug and keeps its details. */
export const describeFailure = (error: unknown): Option.Option<string> => {
  if (ConfigError.isConfigError(error)) return Option.some(`invalid configuration: ${describeConfigError(error)}`)
  if (typeof error !== "object" || error === null || !("_tag" in error)) return Option.none()
  const cause = "cause" in error && error.cause instanceof Error ? error.cause.message : undefined
  const message = "message" in error && typeof error.message === "string" ? error.message : String(error._tag)
  switch (error._tag) {
    case "SqlError":
      return Option.some(redactSecrets(`cannot use the database (${message}${cause === undefined ? "" : `: ${cause}`}); check DATABASE_URL`))
    case "MigrationError":
      return Option.some(`database migration failed: ${message}`)
    case "ServeError":
      return Option.some(`cannot listen: ${cause ?? message}; check HOST and PORT`)
    case "DataDirLocked":
    case "EmbeddingDimensionsMismatch":
    case "CliFailure":
      return Option.some(message)
    default:
      return Option.none()
  }
}

/** Ends the process with `aftertalk: <line>` on stderr and exit code 1. */
export const stopWith = (line: string) =>
  Effect.sync(() => {
    process.stderr.write(`aftertalk: ${line.replace(/[\r\n]+/g, " ")}\n`)
    process.exitCode = 1
  })

/** Turns the failures `describeFailure` knows into their line; others stay failures. */
export const oneLineFailures = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A | void, E, R> =>
  Effect.catchIf(program, (error): error is E => Option.isSome(describeFailure(error)), (error) =>
    stopWith(Option.getOrElse(describeFailure(error), () => String(error))))
