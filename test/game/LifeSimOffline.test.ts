import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { LifeDomain, LifeEvents, TimeSlot } from "../../src/game/LifeEventSchema.js"
import { lifeEventTemplates, offlineLifeEvents, offlineLifeEventsFrom } from "../../src/game/LifeSimOffline.js"
import { seededRandom } from "../../src/game/SeededRandom.js"

const days = Array.from({ length: 200 }, (_, i) => {
  const date = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
  return offlineLifeEvents({ userId: "user-1", localDate: date })
})
const slotOrder: ReadonlyArray<string> = TimeSlot.literals

describe("offlineLifeEvents", () => {
  it("generates the same day for the same user and date", () => {
    const input = { userId: "user-42", localDate: "2025-03-01" }
    expect(offlineLifeEvents(input)).toEqual(offlineLifeEvents(input))
    expect(offlineLifeEvents(input)).toEqual(offlineLifeEventsFrom(seededRandom("user-42", "2025-03-01", "life_sim")))
  })

  it("generates different days for other users and dates", () => {
    const day = offlineLifeEvents({ userId: "user-42", localDate: "2025-03-01" })
    expect(offlineLifeEvents({ userId: "user-43", localDate: "2025-03-01" })).not.toEqual(day)
    expect(offlineLifeEvents({ userId: "user-42", localDate: "2025-03-02" })).not.toEqual(day)
  })

  it.each(days.map((events, day) => ({ day, events })).slice(0, 40))("day $day keeps the rules", ({ events }) => {
    expect(events.length).toBeGreaterThanOrEqual(3)
    expect(events.length).toBeLessThanOrEqual(5)
    const slots = events.map((event) => event.time_slot)
    expect(slots).toEqual([...slots].sort((a, b) => slotOrder.indexOf(a) - slotOrder.indexOf(b)))
    expect(new Set(slots).size).toBe(Math.min(events.length, 4))
    expect(new Set(events.map((event) => event.description)).size).toBe(events.length)
    for (const event of events) {
      expect(LifeDomain.literals).toContain(event.domain)
      expect(event.importance).toBeGreaterThanOrEqual(0.2)
      expect(event.importance).toBeLessThanOrEqual(0.95)
      expect(Math.abs(event.valence_delta)).toBeLessThanOrEqual(0.15)
      expect(Math.abs(event.arousal_delta)).toBeLessThanOrEqual(0.15)
      expect(event.description).toMatch(/^[A-Z]/)
      expect(event.description).not.toContain("undefined")
    }
  })

  it("varies over many days", () => {
    const all = days.flat()
    expect(new Set(days.map((events) => events.length))).toEqual(new Set([3, 4, 5]))
    expect(new Set(all.map((event) => event.domain)).size).toBe(3)
    expect(new Set(all.map((event) => event.description)).size).toBeGreaterThan(150)
    expect(all.some((event) => event.importance >= 0.7)).toBe(true)
    expect(all.some((event) => event.valence_delta < 0)).toBe(true)
    expect(all.some((event) => event.valence_delta > 0)).toBe(true)
  })

  it("only uses slot-bound templates in their slots", () => {
    const all = days.flat()
    const lunches = all.filter((event) => event.description.startsWith("Lunch with"))
    const sleepless = all.filter((event) => event.description.startsWith("Could not sleep"))
    expect(lunches.length).toBeGreaterThan(0)
    expect(lunches.every((event) => event.time_slot === "afternoon")).toBe(true)
    expect(sleepless.every((event) => event.time_slot === "night")).toBe(true)
  })

  it("every domain has at least 5 slot-free templates, so 5 events of one domain always fit", () => {
    for (const domain of LifeDomain.literals) {
      expect(lifeEventTemplates.filter((t) => t.domain === domain && t.slots === undefined).length).toBeGreaterThanOrEqual(5)
    }
  })

  it("has the shape the model's answer is validated into", () => {
    for (const events of days.slice(0, 40)) expect(Schema.is(LifeEvents)({ events })).toBe(true)
  })
})
