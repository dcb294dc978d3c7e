import { NodeRuntime } from "@effect/platform-node"
import { ConfigError, Console, Effect, Layer } from "effect"
import { ApplicationLive } from "./AppLayer.js"
import { HttpLive } from "./http/Server.js"
import { AppConfig, describeConfigError } from "./config/AppConfig.js"
import { ConversationStreamLive } from "./queue/ConversationStream.js"

/** aftertalk: the HTTP API and the stale-conversation stream over one pipeline and database. */
const MainLive = Layer.mergeAll(HttpLive, ConversationStreamLive).pipe(
  Layer.provide(ApplicationLive),
  Layer.provide(AppConfig.Default)
)

/** Start-up failures a person can fix are one line on stderr and exit code 1, not a stack trace. */
const stopWith = (line: string) =>
  Console.error(`aftertalk: ${line}`).pipe(Effect.zipRight(Effect.sync(() => {
    process.exitCode = 1
  })))

Layer.launch(MainLive).pipe(
  Effect.catchIf(ConfigError.isConfigError, (error) => stopWith(`invalid configuration: ${describeConfigError(error)}`)),
  Effect.catchTags({
    SqlError: (error) =>
      stopWith(`cannot use the database (${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}); check DATABASE_URL`),
    MigrationError: (error) => stopWith(`database migration failed: ${error.message}`),
    EmbeddingDimensionsMismatch: (error) => stopWith(error.message),
    ServeError: (error) => stopWith(`cannot listen: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}; check HOST and PORT`)
  }),
  NodeRuntime.runMain
)
