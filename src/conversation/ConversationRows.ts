import { Data, Schema } from "effect"
import { type ConversationStatus, MessageRole, Platform } from "./ConversationModel.js"

/** The row shapes and errors of ConversationRepository (the only writer of its tables). */

/** Rows per INSERT of a call's transcript, well under PostgreSQL's parameter limit. */
export const rowsPerInsert = 2_000

export const IdRow = Schema.Struct({ id: Schema.String })

export const NewConversation = Schema.Struct({
  user_id: Schema.String,
  call_id: Schema.String,
  message_count: Schema.Int,
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf
})

export const AppendRequest = Schema.Struct({
  user_id: Schema.String,
  platform: Platform,
  sent_at: Schema.NullOr(Schema.DateFromSelf)
})

export const MessageRow = Schema.Struct({
  conversation_id: Schema.String,
  seq: Schema.Int,
  role: MessageRole,
  content: Schema.String,
  sent_at: Schema.NullOr(Schema.DateFromSelf)
})

/** A retry asked for a conversation that is not `failed`: only a failed one may go back in the queue. */
export class ConversationNotFailed extends Data.TaggedError("ConversationNotFailed")<{
  readonly status: ConversationStatus
}> {}

export class NoSuchConversation extends Data.TaggedError("NoSuchConversation")<{ readonly conversationId: string }> {}

/** How a run's lease on a conversation ends (`conversationLeaseWrites.release`). */
export type LeaseRelease =
  | { readonly _tag: "Processed" }
  | { readonly _tag: "Failed"; readonly error: string; readonly retryInMs: number | null }
  | { readonly _tag: "Interrupted" }
