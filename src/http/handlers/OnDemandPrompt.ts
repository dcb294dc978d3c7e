import { Clock, Effect } from "effect"
import type { Platform } from "../../conversation/ConversationModel.js"
import { PromptInputs } from "../../pipeline/PromptInputs.js"
import { PIPELINE_VERSION } from "../../pipeline/stages/PromptBuilder.js"
import { NotFound } from "../Errors.js"

/**
 * `GET /users/{id}/prompt` with UNIFIED_PIPELINE_ENABLED=false: nothing builds ready prompts, so
 * the prompt is built now from the player's current state (no conversation, no model rewrite:
 * this is the chat runtime's hot path) and served with `source: "on_demand"`. It is not stored as
 * the ready prompt: that one records what the pipeline built after a conversation.
 */
export const onDemandPrompt = Effect.fn("Users.onDemandPrompt")(
  function*(userId: string, platform: Platform) {
    yield* Effect.annotateCurrentSpan({ user_id: userId, platform })
    const builder = yield* PromptInputs
    const built = yield* builder.build({ userId, platform })
    const generatedAt = new Date(yield* Clock.currentTimeMillis)
    return {
      user_id: userId,
      platform,
      prompt_text: built.promptText,
      token_count: built.tokenCount,
      pipeline_version: PIPELINE_VERSION,
      generated_at: generatedAt,
      generation_time_ms: built.generationTimeMs,
      conversation_id: null,
      source: "on_demand" as const
    }
  },
  Effect.catchTags({
    UnknownPromptUser: (error) =>
      Effect.fail(new NotFound({ message: `No user ${error.userId}; create it with PUT /users/${error.userId}.` })),
    // A database failure is a defect here, answered 500 by the edge middleware.
    SqlError: Effect.die
  })
)
