import { describe, expect, it } from "@effect/vitest"
import type { Chapter } from "../../src/game/Chapters.js"
import { localDate, localHour, localParts } from "../../src/game/LocalTime.js"
import {
  timeDelivery,
  decideTouchpoint,
  type TouchpointDecision,
  touchpointDraw,
  type TouchpointInput,
  touchpointWindow
} from "../../src/game/Touchpoint.js"

const MINUTE = 60_000
const HOUR = 60 * MINUTE
/** 14:00 in Berlin (UTC+1 in winter): outside both time windows. */
const end = new Date("2025-01-15T13:00:00Z")
const shift = (date: Date, ms: number): Date => new Date(date.getTime() + ms)

const base: TouchpointInput = {
  now: shift(end, MINUTE),
  conversationStartedAt: shift(end, -20 * MINUTE),
  conversationEndedAt: end,
  previousContactAt: shift(end, -5 * HOUR),
  timeZone: "Europe/Berlin",
  chapter: 1,
  hasPendingTouchpoint: false,
  lastDeliveredAt: null,
  lastCreatedAt: null,
  lifeEventsToday: [{ description: "Lunch with Mia", importance: 0.4, time_slot: "afternoon" }],
  draw: 0.99
}
const gapInput: Partial<TouchpointInput> = { previousContactAt: shift(base.conversationStartedAt, -30 * HOUR) }
const eventInput: Partial<TouchpointInput> = {
  lifeEventsToday: [
    { description: "Lunch with Mia", importance: 0.4, time_slot: "afternoon" },
    { description: "Deadline moved up", importance: 0.8, time_slot: "morning" },
    { description: "Argument with Lena", importance: 0.9, time_slot: "afternoon" },
    { description: "Booked a trip", importance: 0.9, time_slot: "morning" }
  ]
}
/** 09:30 in Berlin. */
const morningInput = { conversationEndedAt: new Date("2025-01-15T08:30:00Z"), draw: 0.05 }
/** 08:30 in Berlin. */
const earlyMorning = { conversationEndedAt: new Date("2025-01-15T07:30:00Z"), draw: 0.05 }
const tonight = { description: "Dinner with her parents, to meet them for the first time", importance: 0.9, time_slot: "evening" } as const

const tagAndDelay = (decision: TouchpointDecision, now: Date): string =>
  decision._tag === "None" ? `None:${decision.reason}` : `${decision._tag}:${(decision.deliverAt.getTime() - now.getTime()) / MINUTE}`

describe("decideTouchpoint: triggers in order", () => {
  it.each<{ name: string; change: Partial<TouchpointInput>; expected: string }>([
    { name: "nothing special", change: {}, expected: "None:no_trigger" },
    { name: "gap of 30 h delivers in 2 min", change: gapInput, expected: "Gap:2" },
    { name: "gap of exactly 24 h", change: { previousContactAt: shift(base.conversationStartedAt, -24 * HOUR) }, expected: "Gap:2" },
    { name: "gap just under 24 h", change: { previousContactAt: shift(base.conversationStartedAt, -24 * HOUR + MINUTE) }, expected: "None:no_trigger" },
    { name: "first conversation has no gap", change: { previousContactAt: null }, expected: "None:no_trigger" },
    { name: "important event delivers in 5 min", change: eventInput, expected: "Event:5" },
    { name: "importance 0.7 is enough", change: { lifeEventsToday: [{ description: "x", importance: 0.7, time_slot: "morning" }] }, expected: "Event:5" },
    { name: "importance 0.69 is not", change: { lifeEventsToday: [{ description: "x", importance: 0.69, time_slot: "morning" }] }, expected: "None:no_trigger" },
    { name: "gap wins over event and time", change: { ...gapInput, ...eventInput, ...morningInput }, expected: "Gap:2" },
    { name: "event wins over time", change: { ...eventInput, ...morningInput }, expected: "Event:5" },
    { name: "time window with a lucky draw, run right away, delivers in 30 min", change: { ...earlyMorning, now: shift(earlyMorning.conversationEndedAt, MINUTE) }, expected: "Time:30" },
    { name: "a run at 09:31 delivers before the window closes", change: { ...morningInput, now: shift(morningInput.conversationEndedAt, MINUTE) }, expected: "Time:28" },
    { name: "a 09:30 talk about tonight's plan: no event touchpoint", change: { ...morningInput, draw: 0.99, lifeEventsToday: [tonight] }, expected: "None:no_trigger" },
    { name: "an 18:30 talk: tonight's plan has begun", change: { conversationEndedAt: new Date("2025-01-15T17:30:00Z"), lifeEventsToday: [tonight] }, expected: "Event:5" },
    { name: "time window with an unlucky draw", change: { ...morningInput, draw: 0.1 }, expected: "None:no_trigger" }
  ])("$name → $expected", ({ change, expected }) => {
    const input = { ...base, ...change }
    expect(tagAndDelay(decideTouchpoint(input), input.now)).toBe(expected)
  })

  it("names the most important event, the first one on a tie", () => {
    const decision = decideTouchpoint({ ...base, ...eventInput })
    expect(decision._tag === "Event" && decision.eventIndex).toBe(2)
    expect(decision._tag === "Event" && decision.event.description).toBe("Argument with Lena")
  })

  it("reports the gap length", () => {
    const decision = decideTouchpoint({ ...base, ...gapInput })
    expect(decision._tag === "Gap" && decision.hoursWithoutContact).toBe(30)
  })
})

describe("decideTouchpoint: suppression comes first", () => {
  const everything = { ...gapInput, ...eventInput, ...morningInput }
  it.each<{ name: string; change: Partial<TouchpointInput>; expected: string }>([
    { name: "one pending", change: { hasPendingTouchpoint: true }, expected: "None:pending" },
    { name: "delivered 3 h 59 min ago", change: { lastDeliveredAt: shift(base.now, -4 * HOUR + MINUTE) }, expected: "None:recently_delivered" },
    { name: "delivered 4 h ago", change: { lastDeliveredAt: shift(base.now, -4 * HOUR) }, expected: "Gap:2" },
    { name: "created 119 min ago", change: { lastCreatedAt: shift(base.now, -119 * MINUTE) }, expected: "None:recently_created" },
    { name: "created 120 min ago", change: { lastCreatedAt: shift(base.now, -120 * MINUTE) }, expected: "Gap:2" }
  ])("$name → $expected", ({ change, expected }) => {
    const input = { ...base, ...everything, ...change }
    expect(tagAndDelay(decideTouchpoint(input), input.now)).toBe(expected)
  })
})

describe("time trigger", () => {
  it.each([
    [7, null],
    [8, "morning"],
    [9, "morning"],
    [10, null],
    [18, null],
    [19, "evening"],
    [20, "evening"],
    [21, null]
  ] as const)("local hour %d → %s", (hour, window) => {
    expect(touchpointWindow(hour)).toBe(window)
  })

  it.each<{ chapter: Chapter; below: number; atChance: number }>([
    { chapter: 1, below: 0.099, atChance: 0.1 },
    { chapter: 2, below: 0.149, atChance: 0.15 },
    { chapter: 3, below: 0.199, atChance: 0.2 },
    { chapter: 4, below: 0.249, atChance: 0.25 },
    { chapter: 5, below: 0.299, atChance: 0.3 }
  ])("chapter $chapter fires with a draw under its chance", ({ atChance, below, chapter }) => {
    expect(decideTouchpoint({ ...base, ...morningInput, chapter, draw: below })._tag).toBe("Time")
    expect(decideTouchpoint({ ...base, ...morningInput, chapter, draw: atChance })._tag).toBe("None")
  })

  it("uses the player's local hour: 20:30 in Tokyo is 11:30 UTC", () => {
    const input = { ...base, conversationEndedAt: new Date("2025-01-15T11:30:00Z"), draw: 0 }
    const tokyo = decideTouchpoint({ ...input, timeZone: "Asia/Tokyo" })
    expect(tokyo._tag === "Time" && [tokyo.window, tokyo.localHour]).toEqual(["evening", 20])
    expect(decideTouchpoint({ ...input, timeZone: "UTC" })._tag).toBe("None")
  })

  it("draws the same number for the same conversation", () => {
    expect(touchpointDraw("user-1", "conv-1")).toBe(touchpointDraw("user-1", "conv-1"))
    expect(touchpointDraw("user-1", "conv-1")).not.toBe(touchpointDraw("user-1", "conv-2"))
  })
})

describe("timeDelivery: inside its window", () => {
  const local = (instant: Date, timeZone: string): string => {
    const { minute } = localParts(instant, timeZone)
    return `${localDate(instant, timeZone)} ${String(localHour(instant, timeZone)).padStart(2, "0")}:${String(minute).padStart(2, "0")}`
  }
  it.each<{ name: string; window: "morning" | "evening"; timeZone: string; end: string; now: string; expected: string }>([
    { name: "run at once: 30 min later", window: "morning", timeZone: "Europe/Berlin", end: "2025-01-15T07:10:00Z", now: "2025-01-15T07:11:00Z", expected: "2025-01-15 08:41" },
    { name: "late in the window: its last minute", window: "morning", timeZone: "Europe/Berlin", end: "2025-01-15T08:30:00Z", now: "2025-01-15T08:31:00Z", expected: "2025-01-15 09:59" },
    { name: "run after the window: next morning", window: "morning", timeZone: "Europe/Berlin", end: "2025-01-15T08:30:00Z", now: "2025-01-15T13:01:00Z", expected: "2025-01-16 08:30" },
    { name: "Tokyo evening, run at once", window: "evening", timeZone: "Asia/Tokyo", end: "2025-01-15T11:50:00Z", now: "2025-01-15T11:51:00Z", expected: "2025-01-15 20:59" },
    { name: "evening run at 23:00: next evening, across the spring clock change", window: "evening", timeZone: "Europe/Berlin", end: "2025-03-29T19:30:00Z", now: "2025-03-29T22:00:00Z", expected: "2025-03-30 19:30" }
  ])("$name → $expected", ({ end, expected, now, timeZone, window }) => {
    const deliverAt = timeDelivery({ now: new Date(now), conversationEndedAt: new Date(end), window, timeZone })
    expect(local(deliverAt, timeZone)).toBe(expected)
    expect(touchpointWindow(localHour(deliverAt, timeZone))).toBe(window)
    expect(deliverAt.getTime()).toBeGreaterThanOrEqual(new Date(now).getTime())
  })
})
