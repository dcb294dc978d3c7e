import { Effect, Ref, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"

/**
 * What the stale-conversation stream is doing, as health reports it. The stream sets "running"
 * when it starts polling and "stopped" when it ends; with UNIFIED_PIPELINE_ENABLED=false it stays
 * "disabled" (the stream idles on purpose, which health does not count as degraded).
 */

export const StreamStatus = Schema.Literal("running", "stopped", "disabled")
export type StreamStatus = typeof StreamStatus.Type

export class StreamState extends Effect.Service<StreamState>()("aftertalk/StreamState", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const status = yield* Ref.make<StreamStatus>(config.pipelineEnabled ? "stopped" : "disabled")

    const get = Ref.get(status).pipe(Effect.withSpan("StreamState.get"))

    const set = Effect.fn("StreamState.set")(function*(next: StreamStatus) {
      const previous = yield* Ref.getAndSet(status, next)
      if (previous !== next) yield* Effect.logInfo(`stream ${next}`).pipe(Effect.annotateLogs("previous", previous))
    })

    return { get, set } as const
  }),
  dependencies: [AppConfig.Default]
}) {}
