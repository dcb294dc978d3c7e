import { Schema } from "effect"
import type { MessageRole } from "../conversation/ConversationModel.js"
import type { NewVoiceCall, VoiceTurn } from "../conversation/ConversationModel.js"
import { oneOf } from "./Fields.js"

/**
 * ElevenLabs' post-call webhook, as far as aftertalk reads it (other fields are ignored), and
 * its translation into the voice conversation that is stored.
 */

/** The only event type stored; any other is answered `ignored`. */
export const transcriptionEventType = "post_call_transcription"

/** Decoded first, so that an event of another type need not match the transcription schema. */
export const WebhookEnvelope = Schema.Struct({ type: Schema.String })

const Seconds = Schema.Number.pipe(Schema.nonNegative())

/** Who spoke in ElevenLabs' words: the player or the agent (Nikita). */
const Speaker = Schema.Literal("user", "agent")

const TranscriptTurn = Schema.Struct({
  role: oneOf(Speaker),
  // Null for turns without words (tool calls, silence).
  message: Schema.optional(Schema.NullOr(Schema.String)),
  time_in_call_secs: Seconds
})

export const TranscriptionEvent = Schema.Struct({
  type: Schema.Literal(transcriptionEventType),
  event_timestamp: Schema.Int.pipe(Schema.positive()),
  data: Schema.Struct({
    agent_id: Schema.String,
    conversation_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
    status: Schema.String,
    transcript: Schema.Array(TranscriptTurn),
    metadata: Schema.optional(Schema.Struct({
      start_time_unix_secs: Schema.optional(Seconds),
      call_duration_secs: Schema.optional(Seconds)
    })),
    conversation_initiation_client_data: Schema.Struct({
      dynamic_variables: Schema.Struct({ user_id: Schema.UUID })
    })
  })
}).annotations({ identifier: "VoiceWebhookEvent", description: "ElevenLabs' post-call transcription webhook" })
export type TranscriptionEvent = typeof TranscriptionEvent.Type

/** `messages.content` holds 1..10,000 characters (code points) and no NUL. */
const maxMessageLength = 10_000

/** A long turn becomes several messages rather than being refused: the call is not lost. */
const splitLongTurn = (text: string): ReadonlyArray<string> => {
  const points = Array.from(text)
  if (points.length <= maxMessageLength) return [text]
  const parts: Array<string> = []
  for (let start = 0; start < points.length; start += maxMessageLength) {
    parts.push(points.slice(start, start + maxMessageLength).join(""))
  }
  return parts
}

const roleOf = (role: typeof Speaker.Type): MessageRole => (role === "agent" ? "nikita" : "user")

/**
 * The call as a voice conversation: turns in transcript order, `agent` as `nikita`, turns without
 * words skipped. A turn's time is the call's start plus its `time_in_call_secs`; the start is the
 * metadata's `start_time_unix_secs`, or else the event time (sent when the call ended) minus the
 * call's duration (the metadata's, or the last turn's time).
 */
export const toVoiceCall = (event: TranscriptionEvent): NewVoiceCall => {
  const { data } = event
  const lastTurnSecs = data.transcript.reduce((latest, turn) => Math.max(latest, turn.time_in_call_secs), 0)
  const startSecs = data.metadata?.start_time_unix_secs ??
    event.event_timestamp - (data.metadata?.call_duration_secs ?? lastTurnSecs)
  const startedAt = new Date(startSecs * 1000)
  const turns = data.transcript.flatMap((turn): ReadonlyArray<VoiceTurn> => {
    const text = (turn.message ?? "").replaceAll("\u0000", "")
    if (text.trim() === "") return []
    const sentAt = new Date((startSecs + turn.time_in_call_secs) * 1000)
    return splitLongTurn(text).map((content) => ({ role: roleOf(turn.role), content, sentAt }))
  })
  return {
    callId: data.conversation_id,
    userId: data.conversation_initiation_client_data.dynamic_variables.user_id,
    startedAt,
    turns
  }
}
