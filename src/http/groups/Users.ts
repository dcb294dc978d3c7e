import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Chapter } from "../../game/Chapters.js"
import { ConflictZone } from "../../game/Conflict.js"
import { EmotionalState } from "../../game/Emotional.js"
import { EngagementState } from "../../game/Engagement.js"
import { GameStatus } from "../../game/GameEvents.js"
import { MessageRole, Platform } from "../../conversation/ConversationModel.js"
import { Authorization } from "../Authorization.js"
import { NotFound } from "../Errors.js"
import { oneOf, StoredText, TimeZone, Timestamp } from "../Fields.js"
import { operationDocs } from "../OperationDocs.js"
import { messageAcceptedExample, postMessageExample, readyPromptExample, upsertUserExample, userStateExample } from "../examples/Players.js"

/** The player, their messages and the prompt the pipeline built for them. */

export const UserPath = Schema.Struct({ user_id: Schema.UUID })

const Metric = Schema.Number.pipe(Schema.between(0, 100))

export const UserStateResponse = Schema.Struct({
  user_id: Schema.UUID,
  display_name: Schema.NullOr(Schema.String),
  timezone: Schema.String,
  game_status: GameStatus,
  chapter: Chapter,
  relationship_score: Metric,
  metrics: Schema.Struct({ intimacy: Metric, passion: Metric, trust: Metric, secureness: Metric }),
  engagement_state: EngagementState,
  boss_attempts: Schema.Int,
  emotional_state: EmotionalState,
  conflict: Schema.Struct({ temperature: Metric, zone: ConflictZone }),
  last_interaction_at: Schema.NullOr(Timestamp),
  created_at: Timestamp
}).annotations({ identifier: "UserState" })

export const UpsertUserPayload = Schema.Struct({
  display_name: Schema.optional(StoredText(1, 200)),
  timezone: Schema.optional(TimeZone)
}).annotations({ identifier: "UpsertUser", description: "Fields left out keep their value; a new user's zone is UTC" })

export const PostMessagePayload = Schema.Struct({
  platform: oneOf(Platform),
  role: oneOf(MessageRole),
  content: StoredText(1, 10_000),
  sent_at: Schema.optional(Timestamp)
}).annotations({ identifier: "PostMessage" })

export const MessageAccepted = Schema.Struct({
  conversation_id: Schema.UUID,
  message_count: Schema.Int
}).annotations({ identifier: "MessageAccepted" })

export const PromptParams = Schema.Struct({
  // The chat runtime always names the platform; text is what a caller without one most likely means.
  platform: Schema.optionalWith(oneOf(Platform), { default: () => "text" })
})

export const ReadyPromptResponse = Schema.Struct({
  user_id: Schema.UUID,
  platform: Platform,
  prompt_text: Schema.String,
  token_count: Schema.Int,
  pipeline_version: Schema.String,
  generated_at: Timestamp,
  generation_time_ms: Schema.Int,
  conversation_id: Schema.NullOr(Schema.UUID),
  source: Schema.Literal("ready", "on_demand")
}).annotations({ identifier: "ReadyPrompt" })

export class UsersApi extends HttpApiGroup.make("users")
  .add(
    HttpApiEndpoint.put("upsertUser", "/users/:user_id")
      .setPath(UserPath)
      .setPayload(UpsertUserPayload)
      .addSuccess(UserStateResponse)
      .addSuccess(UserStateResponse, { status: 201 })
      .annotate(OpenApi.Description, "Creates the player (201) or updates the given fields (200)")
      .annotateContext(operationDocs({ summary: "Create or update a player", example: userStateExample, requestExample: upsertUserExample }))
  )
  .add(
    HttpApiEndpoint.get("getUser", "/users/:user_id")
      .setPath(UserPath)
      .addSuccess(UserStateResponse)
      .addError(NotFound)
      .annotateContext(operationDocs({ summary: "A player's game state", example: userStateExample }))
  )
  .add(
    HttpApiEndpoint.post("postMessage", "/users/:user_id/messages")
      .setPath(UserPath)
      .setPayload(PostMessagePayload)
      .addSuccess(MessageAccepted, { status: 202 })
      .addError(NotFound)
      .annotate(OpenApi.Description, "Adds the message to the player's open conversation on that platform, or opens one")
      .annotateContext(operationDocs({ summary: "Post a message", example: messageAcceptedExample, requestExample: postMessageExample }))
  )
  .add(
    HttpApiEndpoint.get("getPrompt", "/users/:user_id/prompt")
      .setPath(UserPath)
      .setUrlParams(PromptParams)
      .addSuccess(ReadyPromptResponse)
      .addError(NotFound)
      .annotate(OpenApi.Description, "The system prompt the pipeline pre-built for the player's next conversation")
      .annotateContext(operationDocs({ summary: "The player's system prompt", example: readyPromptExample }))
  )
  .middleware(Authorization)
{}
