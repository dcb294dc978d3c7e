import { Schema } from "effect"
import { type Chapter, chapterRules } from "./Chapters.js"
import type { EmotionalTone } from "./EmotionalTone.js"
import type { LifeEvent } from "./LifeEventSchema.js"
import { clamp } from "./Metrics.js"

/** A dimension of Nikita's emotional state, 0..1 with 0.5 as her resting point. */
export const EmotionalDimension = Schema.Literal("arousal", "valence", "dominance", "intimacy")
export type EmotionalDimension = typeof EmotionalDimension.Type

const Level = Schema.Number.pipe(Schema.between(0, 1))

export const EmotionalState = Schema.Struct({ arousal: Level, valence: Level, dominance: Level, intimacy: Level })
export type EmotionalState = typeof EmotionalState.Type

export type EmotionalDelta = { readonly [D in EmotionalDimension]?: number }

/** A life event moves Nikita's valence and arousal; the other dimensions answer to the relationship. */
export const lifeEventDelta = (event: Pick<LifeEvent, "valence_delta" | "arousal_delta">): EmotionalDelta => ({
  valence: event.valence_delta,
  arousal: event.arousal_delta
})

export const EMOTIONAL_REST = 0.5
export const initialEmotionalState: EmotionalState = { arousal: 0.5, valence: 0.5, dominance: 0.5, intimacy: 0.5 }

/** Each 24 h halves the distance to rest. */
export const EMOTIONAL_HALF_LIFE_HOURS = 24
/** A day's life events together move a dimension at most this much. */
export const LIFE_EVENT_DELTA_LIMIT = 0.3
/** A conversation's tone moves a dimension at most this much. */
export const TONE_DELTA_LIMIT = 0.4
/** Weight of the relationship on valence: a score of 100 adds +0.1, a score of 0 adds −0.1. */
export const SCORE_VALENCE_WEIGHT = 0.2

/**
 * Tone deltas (DOMAIN.md gives directions, we chose magnitudes): a conversation is one push among
 * a day's several, so it moves a dimension by 0.15 at most, well inside the ±0.4 limit.
 */
export const toneDelta: { readonly [T in EmotionalTone]: EmotionalDelta } = {
  positive: { valence: 0.15, intimacy: 0.1 },
  negative: { valence: -0.15, intimacy: -0.1, arousal: 0.1 },
  mixed: { arousal: 0.1 },
  neutral: {}
}

export const pullTowardRest = (level: number, hoursElapsed: number): number =>
  EMOTIONAL_REST + (level - EMOTIONAL_REST) * 0.5 ** (Math.max(0, hoursElapsed) / EMOTIONAL_HALF_LIFE_HOURS)

export const sumLifeEventDeltas = (deltas: ReadonlyArray<EmotionalDelta>, dimension: EmotionalDimension): number =>
  clamp(deltas.reduce((sum, delta) => sum + (delta[dimension] ?? 0), 0), -LIFE_EVENT_DELTA_LIMIT, LIFE_EVENT_DELTA_LIMIT)

export interface EmotionalUpdate {
  readonly previous: EmotionalState
  /** Hours since the previous state was recorded; negative values count as 0. */
  readonly hoursElapsed: number
  /** Today's life events' deltas. */
  readonly lifeEventDeltas: ReadonlyArray<EmotionalDelta>
  readonly tone: EmotionalTone
  readonly chapter: Chapter
  /** The relationship score on its own 0..100 scale. */
  readonly relationshipScore: number
}

/** Between these levels the rules add up exactly as DOMAIN.md writes them. */
export const SOFT_LOW = 0.2
export const SOFT_HIGH = 0.8

/**
 * The final clamp to 0..1, made soft: a sum between 0.2 and 0.8 stands as it is; beyond, the
 * excess is compressed so that the level approaches 0 or 1 without reaching it. A hard clamp let
 * a handful of ordinary conversations (the chapter modifier is added on every update) pin a
 * dimension at 1, where it no longer showed anything; here twenty positive conversations in a
 * row leave intimacy near 0.98 and a bad conversation still moves it.
 */
export const softBound = (sum: number): number => {
  const span = SOFT_LOW
  if (sum > SOFT_HIGH) return SOFT_HIGH + span * (1 - Math.exp(-(sum - SOFT_HIGH) / span))
  if (sum < SOFT_LOW) return SOFT_LOW - span * (1 - Math.exp(-(SOFT_LOW - sum) / span))
  return sum
}

/**
 * DOMAIN.md stage 4: rest pull, life events, tone, chapter modifier, relationship valence, then
 * the bound to 0..1 (`softBound`; intermediate sums may leave 0..1, only the result is bounded).
 * The score is divided by 100 here, the reference game's bug was to use it raw.
 */
export const nextEmotionalState = (update: EmotionalUpdate): EmotionalState => {
  const tone = toneDelta[update.tone]
  const chapter = chapterRules[update.chapter].emotionalModifier
  const scoreValence = (clamp(update.relationshipScore, 0, 100) / 100 - 0.5) * SCORE_VALENCE_WEIGHT
  const next = (dimension: EmotionalDimension): number => {
    const modifier = dimension === "intimacy" ? chapter.intimacy : dimension === "dominance" ? chapter.dominance : 0
    const relationship = dimension === "valence" ? scoreValence : 0
    return softBound(
      pullTowardRest(update.previous[dimension], update.hoursElapsed) +
        sumLifeEventDeltas(update.lifeEventDeltas, dimension) +
        clamp(tone[dimension] ?? 0, -TONE_DELTA_LIMIT, TONE_DELTA_LIMIT) +
        modifier +
        relationship
    )
  }
  return { arousal: next("arousal"), valence: next("valence"), dominance: next("dominance"), intimacy: next("intimacy") }
}
