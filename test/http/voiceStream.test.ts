import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schedule, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { StreamState } from "../../src/runs/StreamState.js"
import { ConversationStream } from "../../src/queue/ConversationStream.js"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp } from "../support/TestApp.js"
import { callEvent, postWebhook, webhookSecret } from "../support/VoiceWebhook.js"

/**
 * The stream polls only once an hour here, so a call processed within seconds was claimed because
 * the webhook woke the stream, not because its poll came round.
 */

const Accepted = Schema.Struct({ status: Schema.Literal("accepted"), conversation_id: Schema.UUID })

const until = <A, E, R>(read: Effect.Effect<A, E, R>, done: (value: A) => boolean) =>
  read.pipe(
    Effect.filterOrFail(done, () => "not yet"),
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "condition not reached within 20 seconds" })
  )

describe.skipIf(!postgresAvailable)("voice webhook and the stream", () => {
  layer(TestApp({ ELEVENLABS_WEBHOOK_SECRET: webhookSecret, STREAM_POLL_INTERVAL: "1 hour" }), { excludeTestServices: true })(
    (it) => {
      it.scoped("a new call wakes the running stream, which processes it at once", () =>
        Effect.gen(function*() {
          const userId = randomUUID()
          expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
          const stream = yield* ConversationStream
          const state = yield* StreamState
          yield* Effect.forkScoped(stream.run)
          // Its first poll (which finds nothing) is done: the next one would be in an hour.
          yield* until(state.get, (status) => status === "running")

          const reply = yield* postWebhook(JSON.stringify(callEvent({ userId })))
          const { conversation_id } = yield* Schema.decodeUnknown(Accepted)(reply.json)
          const processed = yield* until(
            send("GET", `/conversations/${conversation_id}`),
            (conversation) =>
              typeof conversation.json === "object" && conversation.json !== null && "status" in conversation.json &&
              conversation.json.status === "processed"
          )
          expect(processed.json).toMatchObject({ platform: "voice", status: "processed", processing_attempts: 1 })
        }))
    }
  )
})
