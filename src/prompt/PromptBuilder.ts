import { Effect } from "effect"
import { fitSectionsToBudget, TEXT_PROMPT_BUDGET, VOICE_PROMPT_BUDGET } from "./PromptBudget.js"
import { localDate } from "../game/LocalTime.js"
import { encodeLivePrompt, livePromptOf } from "./PromptLive.js"
import { type PromptPlatform, promptSections } from "./PromptTemplate.js"
import { countTokens, truncateToTokens } from "../model/Tokens.js"
import type { LoadedPromptState } from "./LoadedPromptState.js"
import { type PromptContextSnapshot, promptSnapshot } from "./PromptSnapshot.js"

/**
 * Builds Nikita's system prompt for a player and platform from the state the pipeline's
 * `PromptInputs` loaded: the pipeline's last stage stores it as the ready prompt, and with the
 * pipeline disabled the prompt endpoint builds it on demand (without a conversation, without
 * enrichment, at the current time).
 */

export const promptBudget: { readonly [P in PromptPlatform]: number } = {
  text: TEXT_PROMPT_BUDGET,
  voice: VOICE_PROMPT_BUDGET
}

export interface PromptBuildRequest {
  readonly userId: string
  readonly platform: PromptPlatform
  /** The conversation just processed: its summary steers the memory search. */
  readonly conversationId?: string | undefined
  /** The moment the prompt describes; the clock's time when absent. */
  readonly now?: Date | undefined
  /**
   * Ignored: enrichment is dropped. A model rewrite of the whole prompt (about 6,500 tokens) does
   * not fit a stage budget with a real model, and the prompt is re-rendered at every read
   * (`PromptLive.ts`), so a rewritten text would freeze its clock, events and contact band again.
   * Kept so callers compile; the snapshot records `enrichment: "skipped"`.
   */
  readonly enrich?: boolean | undefined
}

/** The prompt as rendered from its loaded state. */
export interface RenderedPrompt {
  readonly promptText: string
  readonly tokenCount: number
  readonly contextSnapshot: PromptContextSnapshot
}

/** The prompt with the time it took to load its state and render it. */
export interface BuiltPrompt extends RenderedPrompt {
  readonly generationTimeMs: number
}

/**
 * Last resort when even the sections that are never dropped exceed the budget: cut the end off.
 * Decoding a token prefix and counting it again can differ by a token, hence the loop.
 */
export const cutToBudget = (text: string, budget: number): { readonly text: string; readonly tokenCount: number } => {
  let limit = budget
  let cut = truncateToTokens(text, limit)
  while (countTokens(cut) > budget && limit > 0) {
    limit -= 1
    cut = truncateToTokens(text, limit)
  }
  return { text: cut, tokenCount: countTokens(cut) }
}

export class PromptBuilder extends Effect.Service<PromptBuilder>()("aftertalk/PromptBuilder", {
  effect: Effect.gen(function*() {
    /**
     * Sections rendered from the stored state, fitted to the platform's budget (drop chapter
     * behaviour, then inner life, then trim memory from its least relevant end; cut the text only
     * if that is still not enough), stored with the live parts a read renders again (`PromptLive.ts`).
     */
    const build = Effect.fn("PromptBuilder.build")(function*(request: PromptBuildRequest, loaded: LoadedPromptState) {
      const budget = promptBudget[request.platform]
      const fitted = fitSectionsToBudget(promptSections(loaded.state), budget, countTokens)
      const template = fitted.withinBudget ? fitted : cutToBudget(fitted.text, budget)
      if (!fitted.withinBudget) {
        yield* Effect.logWarning("prompt over budget after every drop: cut to the budget").pipe(
          Effect.annotateLogs({ tokens: fitted.tokenCount, budget })
        )
      }
      // No model rewrite (see `enrich` on the request): the text is the template's.
      const enriched = { outcome: "skipped" as const, text: template.text, tokenCount: template.tokenCount }
      const live = livePromptOf(loaded.state, fitted.sections, budget, localDate(loaded.state.now, loaded.state.timeZone))
      yield* Effect.logInfo("prompt built").pipe(
        Effect.annotateLogs({
          platform: request.platform,
          tokens: enriched.tokenCount,
          budget,
          enrichment: enriched.outcome,
          memory_source: loaded.memorySource,
          memory_items_removed: fitted.memoryItemsRemoved,
          dropped_chapter_behaviour: fitted.droppedChapterBehaviour,
          dropped_inner_life: fitted.droppedInnerLife
        })
      )
      return {
        promptText: enriched.text,
        tokenCount: enriched.tokenCount,
        contextSnapshot: promptSnapshot(
          loaded,
          request.conversationId ?? null,
          { ...fitted, budget, truncated: !fitted.withinBudget },
          enriched.outcome,
          encodeLivePrompt(live)
        )
      } satisfies RenderedPrompt
    })

    return { build } as const
  })
}) {}
