import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { signatureFor } from "../../src/http/WebhookSignature.js"
import type { Reply } from "./TestApp.js"

/** ElevenLabs' post-call webhook for tests: events, signatures and a raw, signed POST. */

/** The ELEVENLABS_WEBHOOK_SECRET of the webhook tests. */
export const webhookSecret = "elevenlabs-test-webhook-secret"

export const nowSeconds = () => Math.floor(Date.now() / 1000)

export interface Turn {
  readonly role: string
  readonly message: string | null
  readonly time_in_call_secs: number
}

/** A call that started at 2025-03-01T18:00:00Z. */
export const callStart = Date.UTC(2025, 2, 1, 18, 0, 0) / 1000

export const defaultTranscript: ReadonlyArray<Turn> = [
  { role: "agent", message: "Hey you, I was hoping you'd call.", time_in_call_secs: 0 },
  { role: "user", message: "Hi Nikita! Long day at the hospital.", time_in_call_secs: 4.5 },
  { role: "agent", message: null, time_in_call_secs: 9 },
  { role: "user", message: "", time_in_call_secs: 10 },
  { role: "agent", message: "Tell me everything.", time_in_call_secs: 12 },
  { role: "user", message: "A patient made me laugh today.", time_in_call_secs: 20 }
]

export const callEvent = (input: {
  readonly userId: string
  readonly callId?: string
  readonly type?: string
  readonly transcript?: ReadonlyArray<Turn>
}) => ({
  type: input.type ?? "post_call_transcription",
  event_timestamp: callStart + 60,
  data: {
    agent_id: "agent-nikita",
    conversation_id: input.callId ?? `call-${randomUUID()}`,
    status: "done",
    transcript: input.transcript ?? defaultTranscript,
    metadata: { start_time_unix_secs: callStart, call_duration_secs: 60 },
    conversation_initiation_client_data: { dynamic_variables: { user_id: input.userId } }
  }
})

export interface WebhookOptions {
  /** The whole header value; by default the body signed with `webhookSecret` now. `null`: no header. */
  readonly signature?: string | null
}

/** POSTs `body` exactly as given to /voice/webhook, answered whatever its status. */
export const postWebhook = (body: string, options: WebhookOptions = {}) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const signature = options.signature === undefined ? signatureFor(webhookSecret, nowSeconds(), body) : options.signature
    let request = HttpClientRequest.post("/voice/webhook").pipe(HttpClientRequest.bodyText(body, "application/json"))
    if (signature !== null) request = HttpClientRequest.setHeader(request, "ElevenLabs-Signature", signature)
    const response = yield* client.execute(request)
    const text = yield* response.text
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, contentType: response.headers["content-type"] ?? "", text, json } satisfies Reply
  })
