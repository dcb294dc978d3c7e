import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { EmotionalTone } from "../../game/EmotionalTone.js"
import { ConversationStatus, Platform } from "../../conversation/ConversationModel.js"
import { Authorization } from "../Authorization.js"
import { NotFound } from "../Errors.js"
import { oneOf, Timestamp } from "../Fields.js"
import { operationDocs } from "../OperationDocs.js"
import { Cursor, PageLimit } from "../Paging.js"
import { conversationExample, conversationListExample } from "../examples/Conversations.js"

export const ConversationPath = Schema.Struct({ conversation_id: Schema.UUID })

const conversationFields = {
  conversation_id: Schema.UUID,
  user_id: Schema.UUID,
  platform: Platform,
  status: ConversationStatus,
  message_count: Schema.Int,
  started_at: Timestamp,
  last_message_at: Timestamp,
  processed_at: Schema.NullOr(Timestamp),
  processing_attempts: Schema.Int,
  summary: Schema.NullOr(Schema.String),
  emotional_tone: Schema.NullOr(EmotionalTone),
  last_error: Schema.NullOr(Schema.String)
}

export const ConversationResponse = Schema.Struct(conversationFields).annotations({ identifier: "Conversation" })

/** `stuck`: processing with no sign of life for STUCK_AFTER, as `/pipeline/health` counts them. */
export const ConversationFilter = Schema.Literal("active", "queued", "processing", "processed", "failed", "stuck")

export const ConversationListParams = Schema.Struct({
  status: Schema.optional(oneOf(ConversationFilter)),
  limit: PageLimit,
  before: Schema.optional(Cursor)
})

export const ListedConversationResponse = Schema.Struct({
  ...conversationFields,
  updated_at: Timestamp.annotations({ description: "The last change of status (for a failed one: when it failed)" }),
  next_attempt_at: Schema.NullOr(Timestamp).annotations({ description: "When a queued retry becomes due; null: due now" })
}).annotations({ identifier: "ListedConversation" })

export const ConversationPage = Schema.Struct({
  conversations: Schema.Array(ListedConversationResponse),
  next_before: Schema.NullOr(Schema.String).annotations({ description: "Pass as `before` for the next page; null on the last" })
}).annotations({ identifier: "ConversationPage" })

export class NotFailed extends Schema.TaggedError<NotFailed>()(
  "NotFailed",
  { error: Schema.tag("conflict"), message: Schema.String, status: ConversationStatus },
  HttpApiSchema.annotations({ status: 409, description: "Only a failed conversation can be retried" })
) {}

export class ConversationsApi extends HttpApiGroup.make("conversations")
  .add(
    HttpApiEndpoint.get("getConversation", "/conversations/:conversation_id")
      .setPath(ConversationPath)
      .addSuccess(ConversationResponse)
      .addError(NotFound)
      .annotateContext(operationDocs({ summary: "One conversation: its status, attempts, summary and last error", example: conversationExample }))
  )
  .add(
    HttpApiEndpoint.get("listConversations", "/conversations")
      .setUrlParams(ConversationListParams)
      .addSuccess(ConversationPage)
      .annotate(OpenApi.Description, "Newest first by creation; filter by status (or `stuck`); page with `before`")
      .annotateContext(operationDocs({ summary: "List conversations", example: conversationListExample }))
  )
  .add(
    HttpApiEndpoint.post("retryConversation", "/conversations/:conversation_id/retry")
      .setPath(ConversationPath)
      .addSuccess(ConversationResponse, { status: 202 })
      .addError(NotFound)
      .addError(NotFailed)
      .annotate(
        OpenApi.Description,
        "Puts a failed conversation back in the queue, due now, with a fresh MAX_ATTEMPTS; the worker picks it up"
      )
      .annotateContext(operationDocs({
        summary: "Retry a failed conversation",
        example: { ...conversationExample, status: "queued", processing_attempts: 0, processed_at: null, summary: null }
      }))
  )
  .middleware(Authorization)
{}
