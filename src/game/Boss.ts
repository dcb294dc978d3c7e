import type { Chapter } from "./Chapters.js"
import type { GameEvent, GameStatus } from "./GameEvents.js"

/**
 * The boss encounter (DOMAIN.md, game_state): the first conversation processed while the game is
 * `boss_fight` is the boss, and its extraction judges `boss_verdict`. Choices where DOMAIN.md is
 * silent, written down here:
 * - No verdict (`null`: the model did not judge, or extraction fell back to the empty result) leaves
 *   the fight open: a failure of the model is not the player's failure; the next conversation is
 *   the boss again.
 * - Passing resets to `active` in the next chapter even when the score already meets the next
 *   chapter's threshold: the next score change opens that chapter's fight, so each chapter is
 *   played at least one conversation.
 * - A score of 0 in the boss conversation ends the game whatever the verdict.
 */

export type BossVerdict = "pass" | "fail"

/** The line of the extraction's system text that asks for a verdict (the offline provider reads it). */
export const BOSS_MARKER = "BOSS ENCOUNTER:"

/** The third failed attempt ends the game (DOMAIN.md). */
export const MAX_BOSS_FAILURES = 3

export interface BossState {
  readonly chapter: Chapter
  readonly status: GameStatus
  readonly bossAttempts: number
}

export interface BossResolution extends BossState {
  readonly events: ReadonlyArray<GameEvent>
}

const nextChapter = (chapter: Chapter): Chapter | null =>
  chapter === 1 ? 2 : chapter === 2 ? 3 : chapter === 3 ? 4 : chapter === 4 ? 5 : null

/**
 * Resolves the boss from the state before the conversation (`statusBefore`) and the state after
 * its score change (`after`): only a conversation that started in `boss_fight` is a boss.
 */
export const resolveBoss = (input: {
  readonly statusBefore: GameStatus
  readonly after: BossState
  readonly verdict: BossVerdict | null
}): BossResolution => {
  const { after, verdict } = input
  if (input.statusBefore !== "boss_fight" || after.status !== "boss_fight" || verdict === null) {
    return { ...after, events: [] }
  }
  if (verdict === "pass") {
    const chapter = nextChapter(after.chapter)
    return chapter === null
      ? { chapter: after.chapter, status: "won", bossAttempts: 0, events: ["boss_passed", "game_won"] }
      : { chapter, status: "active", bossAttempts: 0, events: ["boss_passed"] }
  }
  const bossAttempts = after.bossAttempts + 1
  return bossAttempts >= MAX_BOSS_FAILURES
    ? { chapter: after.chapter, status: "game_over", bossAttempts, events: ["boss_failed", "game_over"] }
    : { chapter: after.chapter, status: "boss_fight", bossAttempts, events: ["boss_failed"] }
}
