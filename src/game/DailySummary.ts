import { Schema } from "effect"
import { EmotionalTone } from "./EmotionalTone.js"

/**
 * The player's day in one row (`daily_summaries`, unique per user and local date). A conversation
 * is folded in once: the row remembers which conversations it counted, so a re-run of the same
 * conversation changes nothing.
 */

export const KeyMomentKind = Schema.Literal("summary", "game_event", "conflict_event")
export type KeyMomentKind = typeof KeyMomentKind.Type

export const KeyMoment = Schema.Struct({
  kind: KeyMomentKind,
  text: Schema.String,
  conversation_id: Schema.String
})
export type KeyMoment = typeof KeyMoment.Type

export const ToneCounts = Schema.partialWith(Schema.Record({ key: EmotionalTone, value: Schema.Number }), { exact: true })
export type ToneCounts = typeof ToneCounts.Type

/**
 * A day keeps at most this many moments. Over the cap the oldest conversation summary goes first:
 * game and conflict events (a boss fight reached, a warning) are rarer and matter more to the
 * player than the gist of one more chat; only a day made of events alone loses its oldest event.
 */
export const KEY_MOMENTS_CAP = 10

export interface DailySummaryState {
  readonly conversationIds: ReadonlyArray<string>
  readonly scoreStart: number
  readonly scoreEnd: number
  readonly keyMoments: ReadonlyArray<KeyMoment>
  readonly toneCounts: ToneCounts
}

export interface ConversationOfTheDay {
  readonly conversationId: string
  readonly scoreBefore: number
  readonly scoreAfter: number
  readonly tone: EmotionalTone
  readonly keyMoments: ReadonlyArray<KeyMoment>
}

/** A day with nothing counted yet; its start score is the first score seen that day. */
export const emptyDay = (scoreBefore: number): DailySummaryState => ({
  conversationIds: [],
  scoreStart: scoreBefore,
  scoreEnd: scoreBefore,
  keyMoments: [],
  toneCounts: {}
})

export const capKeyMoments = (moments: ReadonlyArray<KeyMoment>, cap: number = KEY_MOMENTS_CAP): ReadonlyArray<KeyMoment> => {
  const kept = [...moments]
  while (kept.length > cap) {
    const oldestSummary = kept.findIndex((moment) => moment.kind === "summary")
    kept.splice(oldestSummary === -1 ? 0 : oldestSummary, 1)
  }
  return kept
}

/**
 * Ties go to the tone of the latest conversation if it is among the tied, otherwise to the more
 * emotionally significant tone (negative, mixed, positive, neutral): a day with one fight and one
 * pleasant chat should not read as "positive" by accident of order.
 */
const significance: ReadonlyArray<EmotionalTone> = ["negative", "mixed", "positive", "neutral"]

export const dominantTone = (counts: ToneCounts, latest: EmotionalTone | null): EmotionalTone | null => {
  const max = Math.max(0, ...significance.map((tone) => counts[tone] ?? 0))
  if (max === 0) return null
  const tied = significance.filter((tone) => (counts[tone] ?? 0) === max)
  return latest !== null && tied.includes(latest) ? latest : tied[0] ?? null
}

/**
 * Folds one conversation into the day. A conversation already counted returns the day unchanged
 * (`counted: false`), so re-runs never count twice nor move the end score back.
 */
export const addConversation = (
  day: DailySummaryState,
  conversation: ConversationOfTheDay
): { readonly day: DailySummaryState; readonly counted: boolean } => {
  if (day.conversationIds.includes(conversation.conversationId)) return { day, counted: false }
  return {
    counted: true,
    day: {
      conversationIds: [...day.conversationIds, conversation.conversationId],
      scoreStart: day.scoreStart,
      scoreEnd: conversation.scoreAfter,
      keyMoments: capKeyMoments([...day.keyMoments, ...conversation.keyMoments]),
      toneCounts: { ...day.toneCounts, [conversation.tone]: (day.toneCounts[conversation.tone] ?? 0) + 1 }
    }
  }
}

const gameEventText: Readonly<Record<string, string>> = {
  boss_threshold_near: "The relationship came close to the chapter's boss threshold.",
  boss_threshold_reached: "The relationship reached the chapter's boss threshold: the boss fight began.",
  critical_low: "The relationship score fell into the critical zone.",
  recovery: "The relationship recovered from the critical zone.",
  game_over: "The relationship ended."
}

/** A conversation's moments: its summary sentence, then its game and conflict events in readable form. */
export const keyMomentsOf = (input: {
  readonly conversationId: string
  readonly summary: string
  readonly gameEvents: ReadonlyArray<string>
  readonly conflictEvents: ReadonlyArray<string>
}): ReadonlyArray<KeyMoment> => [
  ...(input.summary.trim() === ""
    ? []
    : [{ kind: "summary" as const, text: input.summary.trim(), conversation_id: input.conversationId }]),
  ...input.gameEvents.map((event) => ({
    kind: "game_event" as const,
    text: gameEventText[event] ?? event,
    conversation_id: input.conversationId
  })),
  ...input.conflictEvents.map((event) => ({ kind: "conflict_event" as const, text: event, conversation_id: input.conversationId }))
]
