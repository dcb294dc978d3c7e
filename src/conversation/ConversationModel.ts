import { Schema } from "effect"
import { EmotionalTone } from "../game/EmotionalTone.js"
import { Platform } from "../game/Platform.js"

/** The words of a conversation, shared by the repository, the pipeline and the HTTP schemas. */

export { Platform } from "../game/Platform.js"

/** Who spoke: the player or Nikita (ElevenLabs' `agent` turns are stored as `nikita`). */
export const MessageRole = Schema.Literal("user", "nikita")
export type MessageRole = typeof MessageRole.Type

/** `active` conversations take new messages; the pipeline moves them on from `queued`. */
export const ConversationStatus = Schema.Literal("active", "queued", "processing", "processed", "failed")
export type ConversationStatus = typeof ConversationStatus.Type

/** A conversation as stored, with API.md's field names. */
export const Conversation = Schema.Struct({
  conversation_id: Schema.String,
  user_id: Schema.String,
  platform: Platform,
  status: ConversationStatus,
  message_count: Schema.Int,
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf,
  processed_at: Schema.NullOr(Schema.DateFromSelf),
  processing_attempts: Schema.Int,
  summary: Schema.NullOr(Schema.String),
  emotional_tone: Schema.NullOr(EmotionalTone),
  last_error: Schema.NullOr(Schema.String)
})
export type Conversation = typeof Conversation.Type

/** One line of a transcript, in conversation order. */
export const TranscriptMessage = Schema.Struct({
  role: MessageRole,
  content: Schema.String,
  sent_at: Schema.DateFromSelf
})
export type TranscriptMessage = typeof TranscriptMessage.Type

export interface NewMessage {
  readonly platform: Platform
  readonly role: MessageRole
  readonly content: string
  /** When it was said; now when absent. */
  readonly sent_at?: Date | undefined
}

/** Where a posted message landed: its conversation and that conversation's count (= its `seq`). */
export interface AppendedMessage {
  readonly conversation_id: string
  readonly message_count: number
}

export interface VoiceTurn {
  readonly role: MessageRole
  readonly content: string
  readonly sentAt: Date
}

export interface NewVoiceCall {
  /** ElevenLabs' conversation id of the call. */
  readonly callId: string
  readonly userId: string
  readonly startedAt: Date
  /** In call order; each 1..10,000 characters. */
  readonly turns: ReadonlyArray<VoiceTurn>
}

export interface StoredVoiceCall {
  readonly status: "accepted" | "duplicate"
  readonly conversation_id: string
}

/** The latest turn's time, or `from` when no turn is later. */
export const latestTurnAt = (turns: ReadonlyArray<VoiceTurn>, from: Date): Date =>
  turns.reduce((at, turn) => (turn.sentAt > at ? turn.sentAt : at), from)
