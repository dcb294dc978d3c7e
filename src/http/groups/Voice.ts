import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { NotFound } from "../Errors.js"
import { TranscriptionEvent } from "../VoiceWebhookEvent.js"
import { operationDocs } from "../OperationDocs.js"
import { voiceWebhookReplyExample, voiceWebhookRequestExample } from "../examples/Pipeline.js"

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

/**
 * The header is checked by the handler over the raw body, not decoded by the platform (a missing
 * one is 401, not 400), so the document declares it here.
 */
const signatureHeader = (operation: Record<string, unknown>): Record<string, unknown> => ({
  ...operation,
  parameters: [
    ...(Array.isArray(operation["parameters"]) ? operation["parameters"] : []),
    {
      name: "ElevenLabs-Signature",
      in: "header",
      required: true,
      description: "`t=<unix seconds>,v0=<hex HMAC-SHA256(ELEVENLABS_WEBHOOK_SECRET, \"<t>.<raw body>\")>`; " +
        "a timestamp older than 30 minutes or more than 5 minutes ahead is refused",
      schema: { type: "string", pattern: "^t=\\d+,v0=[0-9a-f]{64}$" },
      example: "t=1738349100,v0=6c1f0e6bb5d4c1a1f5d0b3e1a2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9"
    }
  ]
})

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
      .annotateContext(operationDocs({
        summary: "ElevenLabs post-call webhook (signed)",
        example: voiceWebhookReplyExample,
        requestExample: voiceWebhookRequestExample,
        transform: signatureHeader
      }))
  )
{}
