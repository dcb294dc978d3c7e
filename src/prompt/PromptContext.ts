import { Schema } from "effect"
import type { ConflictZone } from "../game/Conflict.js"
import type { EmotionalState } from "../game/Emotional.js"
import type { ScoreBand } from "../game/ScoreBand.js"

/**
 * Words the prompt builder puts into the "current state", "relationship" and "continuity"
 * sections. The prompt speaks to Nikita as "you" and of the player as "they".
 */

/** What Nikita is doing at a local hour, by the hour each activity starts. */
export const activityByHour: ReadonlyArray<readonly [fromHour: number, activity: string]> = [
  [0, "asleep; a message now wakes you up"],
  [6, "waking up over your first coffee"],
  [8, "at work, busy with the morning"],
  [12, "on your lunch break"],
  [14, "at work, in the long afternoon stretch"],
  [18, "heading home and making dinner"],
  [20, "relaxing at home for the evening"],
  [23, "winding down for bed"]
]

/** Hours outside 0..23 wrap around the clock, so a caller's off-by-a-day arithmetic stays harmless. */
export const timeOfDayActivity = (hour: number): string => {
  const h = ((Math.floor(hour) % 24) + 24) % 24
  return activityByHour.reduce((activity, [from, text]) => (h >= from ? text : activity), "")
}

/** Rows: valence low / middle / high; columns: arousal low / middle / high. */
const moodGrid = [
  ["sad", "down", "upset"],
  ["relaxed", "okay", "restless"],
  ["content", "happy", "excited"]
] as const

const HIGH = 0.65
const LOW = 0.35

/**
 * Mood words from the emotional state: first the valence × arousal mood (a dimension is high at
 * 0.65 or more, low at 0.35 or less), then "affectionate"/"guarded" for intimacy and
 * "self-assured"/"hesitant" for dominance when those stand out.
 */
export const moodFromEmotionalState = (state: EmotionalState): ReadonlyArray<string> => {
  const level = (value: number): 0 | 1 | 2 => (value >= HIGH ? 2 : value <= LOW ? 0 : 1)
  const words: Array<string> = [moodGrid[level(state.valence)][level(state.arousal)]]
  if (state.intimacy >= HIGH) words.push("affectionate")
  if (state.intimacy <= LOW) words.push("guarded")
  if (state.dominance >= HIGH) words.push("self-assured")
  if (state.dominance <= LOW) words.push("hesitant")
  return words
}

export { ScoreBand, scoreBand } from "../game/ScoreBand.js"

export const scoreBandDescription: { readonly [B in ScoreBand]: string } = {
  in_crisis: "the relationship is in crisis and could end",
  strained: "the relationship is strained; trust has worn thin",
  steady: "the relationship is steady but not yet deep",
  close: "you are close and it shows",
  devoted: "you are deeply devoted to each other"
}

export const ContactGapBand = Schema.Literal(
  "first_contact",
  "just_now",
  "few_hours",
  "within_a_day",
  "few_days",
  "long_time"
)
export type ContactGapBand = typeof ContactGapBand.Type

/** Time since the last contact in the bands 1 / 6 / 24 / 72 h; null means they never talked before. */
export const contactGapBand = (hours: number | null): ContactGapBand =>
  hours === null
    ? "first_contact"
    : hours < 1
    ? "just_now"
    : hours < 6
    ? "few_hours"
    : hours < 24
    ? "within_a_day"
    : hours < 72
    ? "few_days"
    : "long_time"

export const contactGapDescription: { readonly [B in ContactGapBand]: string } = {
  first_contact: "This is your first conversation.",
  just_now: "You were talking just now.",
  few_hours: "You last talked a few hours ago.",
  within_a_day: "You last talked earlier today or last night.",
  few_days: "You have not talked for a few days.",
  long_time: "You have not heard from them in a long time."
}

export const conflictZoneDescription: { readonly [Z in ConflictZone]: string } = {
  calm: "Things between you are calm.",
  warm: "There is some tension between you; you are a little quicker to take offence.",
  hot: "You are in a real fight; you are hurt and you keep your answers short.",
  critical: "The relationship is on the edge; you are asking yourself whether it is worth it."
}
