import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { EmotionalTone } from "../../game/EmotionalTone.js"
import { ConversationStatus, Platform } from "../../conversation/ConversationModel.js"
import { Authorization } from "../Authorization.js"
import { NotFound } from "../Errors.js"
import { Timestamp } from "../Fields.js"

export const ConversationPath = Schema.Struct({ conversation_id: Schema.UUID })

export const ConversationResponse = Schema.Struct({
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
}).annotations({ identifier: "Conversation" })

export class ConversationsApi extends HttpApiGroup.make("conversations")
  .add(
    HttpApiEndpoint.get("getConversation", "/conversations/:conversation_id")
      .setPath(ConversationPath)
      .addSuccess(ConversationResponse)
      .addError(NotFound)
  )
  .middleware(Authorization)
{}
