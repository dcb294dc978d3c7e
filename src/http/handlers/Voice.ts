import { HttpApiBuilder, HttpApiError, type HttpServerRequest } from "@effect/platform"
import { Clock, Effect, Either, Option, Schema } from "effect"
import { AppConfig } from "../../config/AppConfig.js"
import { ConversationIntake } from "../../pipeline/ConversationIntake.js"
import { ConversationStream } from "../../queue/ConversationStream.js"
import { Api } from "../Api.js"
import { InvalidRequest, NotFound } from "../Errors.js"
import { InvalidSignature, WebhookDisabled } from "../groups/Voice.js"
import { TranscriptionEvent, toVoiceCall, transcriptionEventType, WebhookEnvelope } from "../VoiceWebhookEvent.js"
import { describeSignatureProblem, signatureHeaderName, verifySignature } from "../WebhookSignature.js"

/**
 * In this order: the secret must be configured (503), the signature must cover the raw bytes
 * (401), the body must be JSON (400), events of another type are `ignored`, the transcription
 * must match its schema (400, naming the field) and name a known player (404). The call is stored
 * with the pipeline flag on or off (nothing is lost); when it is new, the stream is woken so that
 * it claims the call now rather than at its next poll.
 */

const utf8 = new TextDecoder("utf-8", { fatal: true })

const parseJson = (body: Uint8Array) =>
  Effect.try({
    try: (): unknown => JSON.parse(utf8.decode(body)),
    catch: (error) =>
      new InvalidRequest({
        message: `The request body is not valid JSON${error instanceof Error ? `: ${error.message}` : ""}.`
      })
  })

// The edge middleware turns HttpApiDecodeError into the 400 envelope naming each field.
const decode = <A, I>(schema: Schema.Schema<A, I>) => (json: unknown) =>
  Schema.decodeUnknown(schema, { errors: "all" })(json).pipe(
    Effect.catchTag("ParseError", HttpApiError.HttpApiDecodeError.refailParseError)
  )

export const VoiceLive = HttpApiBuilder.group(Api, "voice", (handlers) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const intake = yield* ConversationIntake
    const stream = yield* ConversationStream

    const receive = Effect.fn("VoiceWebhook.receive")(function*(request: HttpServerRequest.HttpServerRequest) {
      if (Option.isNone(config.webhookSecret)) {
        return yield* new WebhookDisabled({
          message: "The voice webhook is disabled: set ELEVENLABS_WEBHOOK_SECRET to the secret of the ElevenLabs webhook."
        })
      }
      // Read as bytes: the signature covers them exactly as sent.
      const body = new Uint8Array(yield* Effect.orDie(request.arrayBuffer))
      const verified = verifySignature({
        header: request.headers[signatureHeaderName],
        body,
        secret: config.webhookSecret.value,
        nowMillis: yield* Clock.currentTimeMillis
      })
      if (Either.isLeft(verified)) {
        yield* Effect.logWarning("voice webhook refused").pipe(Effect.annotateLogs("signature", verified.left))
        return yield* new InvalidSignature({ message: describeSignatureProblem(verified.left) })
      }

      const json = yield* parseJson(body)
      const { type } = yield* decode(WebhookEnvelope)(json)
      if (type !== transcriptionEventType) {
        yield* Effect.logInfo("voice webhook ignored").pipe(Effect.annotateLogs("type", type))
        return { status: "ignored" } as const
      }
      const call = toVoiceCall(yield* decode(TranscriptionEvent)(json))

      const stored = yield* intake.storeVoiceCall(call).pipe(Effect.orDie)
      if (Option.isNone(stored)) {
        return yield* new NotFound({
          message: `No user ${call.userId} (dynamic_variables.user_id of call ${call.callId}); create it with PUT /users/${call.userId}.`
        })
      }
      if (stored.value.status === "accepted") yield* stream.wake
      yield* Effect.logInfo(`voice call ${stored.value.status}`).pipe(
        Effect.annotateLogs({ conversation_id: stored.value.conversation_id, call_id: call.callId, turns: call.turns.length })
      )
      return stored.value
    })

    return handlers.handleRaw("voiceWebhook", ({ request }) => receive(request))
  }))
