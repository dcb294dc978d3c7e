import { Schema } from "effect"

/** How the player's rhythm of contact feels to Nikita; it scales how much good conversations count. */
export const EngagementState = Schema.Literal("calibrating", "in_zone", "drifting", "distant", "clingy", "out_of_zone")
export type EngagementState = typeof EngagementState.Type

/** Multiplier applied to positive metric deltas: healthy contact is rewarded fully, extremes barely. */
export const engagementMultiplier: { readonly [S in EngagementState]: number } = {
  in_zone: 1.0,
  calibrating: 0.9,
  drifting: 0.8,
  distant: 0.6,
  clingy: 0.5,
  out_of_zone: 0.2
}

/** A player is still being calibrated until this many conversations (the current one included). */
export const CALIBRATION_CONVERSATIONS = 5

/**
 * Thresholds of `deriveEngagement` (DOMAIN.md leaves them to us). A healthy rhythm is about one
 * to four conversations a day of a real length; a week away or eight conversations a day are
 * out of the zone entirely.
 */
export const engagementThresholds = {
  outOfZoneConversationsPerWeek: 56,
  outOfZoneGapHours: 168,
  clingyConversationsPerWeek: 28,
  distantGapHours: 72,
  distantConversationsPerWeek: 1,
  distantAverageMessages: 3,
  driftingGapHours: 36,
  driftingConversationsPerWeek: 3,
  driftingAverageMessages: 6
} as const

export interface EngagementInput {
  /** Every conversation of the player so far, the current one included. */
  readonly totalConversations: number
  /** Conversations in the 7 days ending with the current one, the current one included. */
  readonly conversationsLast7Days: number
  /** Average number of messages (both sides) per conversation over those 7 days. */
  readonly averageMessagesPerConversation: number
  /** Hours between the end of the previous conversation and the start of this one; null (no previous one) counts as no silence. */
  readonly hoursSincePreviousConversation: number | null
}

/**
 * Rules, first match wins:
 * 1. `calibrating` while fewer than 5 conversations exist;
 * 2. `out_of_zone` after a week or more of silence, or more than 56 conversations in 7 days;
 * 3. `clingy` with more than 28 conversations in 7 days (over four a day);
 * 4. `distant` after 72 h or more of silence, at most 1 conversation in 7 days, or conversations
 *    averaging under 3 messages;
 * 5. `drifting` after 36 h or more of silence, at most 3 conversations in 7 days, or conversations
 *    averaging under 6 messages;
 * 6. otherwise `in_zone`.
 * Frequency is checked before length because too many conversations is clingy however short
 * each one is.
 */
export const deriveEngagement = (input: EngagementInput): EngagementState => {
  const t = engagementThresholds
  const gap = input.hoursSincePreviousConversation ?? 0
  const perWeek = input.conversationsLast7Days
  const averageMessages = input.averageMessagesPerConversation
  if (input.totalConversations < CALIBRATION_CONVERSATIONS) return "calibrating"
  if (gap >= t.outOfZoneGapHours || perWeek > t.outOfZoneConversationsPerWeek) return "out_of_zone"
  if (perWeek > t.clingyConversationsPerWeek) return "clingy"
  if (gap >= t.distantGapHours || perWeek <= t.distantConversationsPerWeek || averageMessages < t.distantAverageMessages) {
    return "distant"
  }
  if (gap >= t.driftingGapHours || perWeek <= t.driftingConversationsPerWeek || averageMessages < t.driftingAverageMessages) {
    return "drifting"
  }
  return "in_zone"
}
