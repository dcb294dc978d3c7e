import { NodeRuntime } from "@effect/platform-node"
import { ConfigError, Console, Effect, Layer } from "effect"
import { ApplicationLive } from "./AppLayer.js"
import { HttpLive } from "./http/Server.js"
import { AppConfig, describeConfigError } from "./services/AppConfig.js"
import { ConversationStreamLive } from "./triggers/ConversationStream.js"

/** aftertalk: the HTTP API and the stale-conversation stream over one pipeline and database. */
const MainLive = Layer.mergeAll(HttpLive, ConversationStreamLive).pipe(
  Layer.provide(ApplicationLive),
  Layer.provide(AppConfig.Default)
)

Layer.launch(MainLive).pipe(
  // A malformed setting stops start-up with one line naming the variable.
  Effect.catchIf(ConfigError.isConfigError, (error) =>
    Console.error(`aftertalk: invalid configuration: ${describeConfigError(error)}`).pipe(
      Effect.zipRight(Effect.sync(() => {
        process.exitCode = 1
      }))
    )),
  NodeRuntime.runMain
)
