import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { NotFound } from "../Errors.js"
import { TranscriptionEvent } from "../VoiceWebhookEvent.js"

/**
 * ElevenLabs' post-call webhook. No bearer secret: the request is signed instead (the
 * `ElevenLabs-Signature` header, see WebhookSignature.ts), which the handler checks over the raw
 * body before anything is parsed, so the payload below documents the body but is not decoded by
 * the platform.
 */

export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()(
  "InvalidSignature",
  { error: Schema.tag("unauthorized"), message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Missing, wrong or expired ElevenLabs-Signature" })
) {}

export class WebhookDisabled extends Schema.TaggedError<WebhookDisabled>()(
  "WebhookDisabled",
  { error: Schema.tag("webhook_disabled"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "ELEVENLABS_WEBHOOK_SECRET is not configured" })
) {}

export const VoiceWebhookReply = Schema.Union(
  Schema.Struct({ status: Schema.Literal("accepted", "duplicate"), conversation_id: Schema.UUID }),
  Schema.Struct({ status: Schema.Literal("ignored") })
).annotations({ identifier: "VoiceWebhookReply" })

export class VoiceApi extends HttpApiGroup.make("voice")
  .add(
    HttpApiEndpoint.post("voiceWebhook", "/voice/webhook")
      .setPayload(TranscriptionEvent)
      .addSuccess(VoiceWebhookReply)
      .addError(InvalidSignature)
      .addError(NotFound)
      .addError(WebhookDisabled)
      .annotate(
        OpenApi.Description,
        "Stores a finished call as a queued voice conversation, once per call id. Signed with " +
          "`ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`."
      )
  )
{}
