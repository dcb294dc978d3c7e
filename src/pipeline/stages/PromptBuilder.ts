import { SqlClient } from "@effect/sql"
import { promptsRebuiltWrite } from "../../player/UserRepository.js"
import { Duration, Effect } from "effect"
import type { PromptPlatform } from "../../prompt/PromptTemplate.js"
import type { BuiltPrompt } from "../../prompt/PromptBuilder.js"
import { ReadyPromptRepository } from "../../prompt/ReadyPromptRepository.js"
import { PromptInputs } from "../PromptInputs.js"
import { recoverableStage } from "../Stage.js"

/** Recorded with every ready prompt, so a prompt can be traced to the code that built it. */
export const PIPELINE_VERSION = "aftertalk-1"

/** Both prompts build concurrently; the enrichment calls (8 s each at most) dominate. */
export const PromptBuilderTimeout = Duration.seconds(20)

/**
 * Stage 9: builds the text and the voice prompt from one load of the player's state, then makes
 * both current in one transaction.
 * Either both new prompts become current or, if anything fails, neither does and the previous prompts stay current: the chat runtime never
 * sees a text prompt from this conversation next to a voice prompt from an older one. A re-run
 * simply stores the prompts again; the older rows stay as history.
 */
export const promptBuilder = recoverableStage({
  name: "prompt_builder",
  timeout: PromptBuilderTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const builder = yield* PromptInputs
      const prompts = yield* ReadyPromptRepository

      // One load of the player's state serves both prompts.
      const built = yield* builder.buildAll({
        userId: run.user.id,
        platforms: ["text", "voice"],
        conversationId: run.conversation.id,
        now: run.startedAt,
        enrich: true,
        // What the summary stage stored for the conversation, not read again.
        ownSummary: earlier.summary?.summary
      })

      const stored = (platform: PromptPlatform, prompt: BuiltPrompt) => ({
        user_id: run.user.id,
        platform,
        prompt_text: prompt.promptText,
        token_count: prompt.tokenCount,
        pipeline_version: PIPELINE_VERSION,
        generation_time_ms: prompt.generationTimeMs,
        conversation_id: run.conversation.id,
        context_snapshot: prompt.contextSnapshot
      })
      // These prompts are built from the current score: a rebuild decay asked for is done, in the
      // same statement that makes them current.
      yield* prompts.setAllCurrent(
        [stored("text", built.text), stored("voice", built.voice)],
        promptsRebuiltWrite(yield* SqlClient.SqlClient, run.user.id, run.startedAt)
      )

      yield* Effect.logInfo("ready prompts stored").pipe(
        Effect.annotateLogs({ text_tokens: built.text.tokenCount, voice_tokens: built.voice.tokenCount })
      )
      return { text: { tokenCount: built.text.tokenCount }, voice: { tokenCount: built.voice.tokenCount } }
    })
})
