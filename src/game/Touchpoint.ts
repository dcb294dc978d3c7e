import { Data, Duration } from "effect"
import { type Chapter, chapterRules } from "./Chapters.js"
import { slotHasHappened } from "./DayTime.js"
import type { TimeSlot } from "./LifeEventSchema.js"
import { localHour, localParts } from "./LocalTime.js"
import { seededRandom } from "./SeededRandom.js"

export const TOUCHPOINT_DELIVERED_COOLDOWN = Duration.hours(4)
export const TOUCHPOINT_CREATED_COOLDOWN = Duration.minutes(120)
export const GAP_TRIGGER_HOURS = 24
export const EVENT_TRIGGER_IMPORTANCE = 0.7
export const GAP_DELIVERY_DELAY = Duration.minutes(2)
export const EVENT_DELIVERY_DELAY = Duration.minutes(5)
/**
 * DOMAIN.md gives no delay for the time trigger. 30 minutes: a "thinking of you" right after
 * saying goodbye would feel automatic, while half an hour later it still lands in the same
 * morning or evening.
 */
export const TIME_DELIVERY_DELAY = Duration.minutes(30)

/** Local hours in which a conversation can trigger a time touchpoint: 08:00-09:59 and 19:00-20:59. */
export const TouchpointWindow = { morning: [8, 10], evening: [19, 21] } as const
export type TouchpointWindow = keyof typeof TouchpointWindow

export const touchpointWindow = (hour: number): TouchpointWindow | null =>
  hour >= TouchpointWindow.morning[0] && hour < TouchpointWindow.morning[1]
    ? "morning"
    : hour >= TouchpointWindow.evening[0] && hour < TouchpointWindow.evening[1]
    ? "evening"
    : null

export interface TouchpointLifeEvent {
  readonly description: string
  readonly importance: number
  readonly time_slot: TimeSlot
}

export type SkipReason = "pending" | "recently_delivered" | "recently_created" | "no_trigger"

/** The stage's decision; the scheduled variants carry their trigger context for `scheduled_touchpoints`. */
export type TouchpointDecision = Data.TaggedEnum<{
  None: { readonly reason: SkipReason }
  Gap: { readonly deliverAt: Date; readonly hoursWithoutContact: number }
  Event: { readonly deliverAt: Date; readonly eventIndex: number; readonly event: TouchpointLifeEvent }
  Time: {
    readonly deliverAt: Date
    readonly window: TouchpointWindow
    readonly localHour: number
    readonly chance: number
    readonly draw: number
  }
}>
export const TouchpointDecision = Data.taggedEnum<TouchpointDecision>()

export interface TouchpointInput {
  /** When the stage runs: the reference for cooldowns and delivery times. */
  readonly now: Date
  readonly conversationStartedAt: Date
  readonly conversationEndedAt: Date
  /** End of the player's previous contact; null for the first conversation (no gap to close). */
  readonly previousContactAt: Date | null
  readonly timeZone: string
  readonly chapter: Chapter
  readonly hasPendingTouchpoint: boolean
  readonly lastDeliveredAt: Date | null
  readonly lastCreatedAt: Date | null
  /**
   * Nikita's life events of the conversation's local date, in the order stored. Only those whose
   * slot has begun by the conversation's local end can trigger: a plan for tonight is no reason
   * for a morning message.
   */
  readonly lifeEventsToday: ReadonlyArray<TouchpointLifeEvent>
  /** A draw in [0, 1) from `touchpointDraw`, compared with the chapter's chance. */
  readonly draw: number
}

/** The seeded draw for a conversation's time trigger: the same on every re-run. */
export const touchpointDraw = (userId: string, conversationId: string): number =>
  seededRandom(userId, conversationId, "touchpoint").next()

const HOUR_MS = 3_600_000
const within = (since: Date | null, now: Date, window: Duration.Duration): boolean =>
  since !== null && now.getTime() - since.getTime() < Duration.toMillis(window)
const after = (now: Date, delay: Duration.Duration): Date => new Date(now.getTime() + Duration.toMillis(delay))

const mostImportantEvent = (
  events: ReadonlyArray<TouchpointLifeEvent>,
  hour: number
): { readonly event: TouchpointLifeEvent; readonly eventIndex: number } | null => {
  let best: { readonly event: TouchpointLifeEvent; readonly eventIndex: number } | null = null
  for (const [eventIndex, event] of events.entries()) {
    if (!slotHasHappened(event.time_slot, hour)) continue
    if (event.importance >= EVENT_TRIGGER_IMPORTANCE && (best === null || event.importance > best.event.importance)) {
      best = { event, eventIndex }
    }
  }
  return best
}

const MINUTE_MS = 60_000

/**
 * The instant of local `hour`:00 on the local date of `instant`. Offsets are whole minutes in
 * every zone the service accepts, and 08-21 h is never inside a daylight-saving jump, so moving
 * by the difference in local minutes is exact.
 */
const atLocalHour = (instant: Date, hour: number, timeZone: string): Date => {
  const minute = new Date(Math.floor(instant.getTime() / MINUTE_MS) * MINUTE_MS)
  const parts = localParts(minute, timeZone)
  return new Date(minute.getTime() + (hour * 60 - (parts.hour * 60 + parts.minute)) * MINUTE_MS)
}

/**
 * A time touchpoint is delivered inside its window: TIME_DELIVERY_DELAY after the run, but before
 * the window of the conversation's day closes (at the latest a minute before it). A run too late
 * for that window (a backlog, a re-run) delivers in the same window of the next local day,
 * TIME_DELIVERY_DELAY after it opens: the player hears "good morning" in a morning.
 */
export const timeDelivery = (input: {
  readonly now: Date
  readonly conversationEndedAt: Date
  readonly window: TouchpointWindow
  readonly timeZone: string
}): Date => {
  const [start, end] = TouchpointWindow[input.window]
  const lastMinute = atLocalHour(input.conversationEndedAt, end, input.timeZone).getTime() - MINUTE_MS
  const soon = Math.min(input.now.getTime() + Duration.toMillis(TIME_DELIVERY_DELAY), lastMinute)
  if (soon >= input.now.getTime()) return new Date(soon)
  const nextDay = new Date(input.conversationEndedAt.getTime() + 24 * HOUR_MS)
  const opens = atLocalHour(nextDay, start, input.timeZone)
  return after(new Date(Math.max(opens.getTime(), input.now.getTime())), TIME_DELIVERY_DELAY)
}

/**
 * At most one touchpoint. Cooldowns are strict ("in the last 4 h": exactly 4 h ago no longer
 * blocks). Among several important events, the most important (first on a tie) is the reason.
 */
export const decideTouchpoint = (input: TouchpointInput): TouchpointDecision => {
  const { now } = input
  if (input.hasPendingTouchpoint) return TouchpointDecision.None({ reason: "pending" })
  if (within(input.lastDeliveredAt, now, TOUCHPOINT_DELIVERED_COOLDOWN)) {
    return TouchpointDecision.None({ reason: "recently_delivered" })
  }
  if (within(input.lastCreatedAt, now, TOUCHPOINT_CREATED_COOLDOWN)) {
    return TouchpointDecision.None({ reason: "recently_created" })
  }
  if (input.previousContactAt !== null) {
    const hoursWithoutContact = (input.conversationStartedAt.getTime() - input.previousContactAt.getTime()) / HOUR_MS
    if (hoursWithoutContact >= GAP_TRIGGER_HOURS) {
      return TouchpointDecision.Gap({ deliverAt: after(now, GAP_DELIVERY_DELAY), hoursWithoutContact })
    }
  }
  const hour = localHour(input.conversationEndedAt, input.timeZone)
  const important = mostImportantEvent(input.lifeEventsToday, hour)
  if (important !== null) {
    return TouchpointDecision.Event({ deliverAt: after(now, EVENT_DELIVERY_DELAY), ...important })
  }
  const window = touchpointWindow(hour)
  const chance = chapterRules[input.chapter].touchpointTimeChance
  if (window !== null && input.draw < chance) {
    return TouchpointDecision.Time({
      deliverAt: timeDelivery({ now, conversationEndedAt: input.conversationEndedAt, window, timeZone: input.timeZone }),
      window,
      localHour: hour,
      chance,
      draw: input.draw
    })
  }
  return TouchpointDecision.None({ reason: "no_trigger" })
}
