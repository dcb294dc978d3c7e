import { describe, expect, it } from "@effect/vitest"
import type { Chapter } from "../../src/game/Chapters.js"
import { applyDecay, decayDue, lowerMetricsBy } from "../../src/game/Decay.js"
import { initialMetrics, type Metrics, relationshipScore } from "../../src/game/Metrics.js"

const last = new Date("2025-03-01T12:00:00Z")
const after = (hours: number): Date => new Date(last.getTime() + hours * 3_600_000)

describe("decayDue", () => {
  it.each<{ chapter: Chapter; hours: number; already: number; deduct: number; points: number; owed: number }>([
    { chapter: 1, hours: 8, already: 0, deduct: 0, points: 0, owed: 0 },
    { chapter: 1, hours: 8.99, already: 0, deduct: 0, points: 0, owed: 0 },
    { chapter: 1, hours: 9, already: 0, deduct: 1, points: 0.8, owed: 0 },
    { chapter: 1, hours: 18, already: 0, deduct: 10, points: 8, owed: 0 },
    { chapter: 1, hours: 33, already: 0, deduct: 25, points: 20, owed: 0 },
    { chapter: 1, hours: 40, already: 0, deduct: 25, points: 20, owed: 7 },
    { chapter: 1, hours: 40, already: 25, deduct: 7, points: 5.6, owed: 0 },
    { chapter: 2, hours: 16, already: 0, deduct: 0, points: 0, owed: 0 },
    { chapter: 2, hours: 26, already: 0, deduct: 10, points: 6, owed: 0 },
    { chapter: 2, hours: 100, already: 0, deduct: 33, points: 19.8, owed: 51 },
    { chapter: 3, hours: 34, already: 0, deduct: 10, points: 4, owed: 0 },
    { chapter: 3, hours: 124, already: 0, deduct: 50, points: 20, owed: 50 },
    { chapter: 4, hours: 58, already: 0, deduct: 10, points: 3, owed: 0 },
    { chapter: 4, hours: 200, already: 0, deduct: 66, points: 19.8, owed: 86 },
    { chapter: 5, hours: 72, already: 0, deduct: 0, points: 0, owed: 0 },
    { chapter: 5, hours: 82, already: 0, deduct: 10, points: 2, owed: 0 },
    { chapter: 5, hours: 300, already: 0, deduct: 100, points: 20, owed: 128 },
    { chapter: 5, hours: 82, already: 12, deduct: 0, points: 0, owed: 0 }
  ])(
    "chapter $chapter, $hours h since, $already already → $deduct h, $points points",
    ({ already, chapter, deduct, hours, owed, points }) => {
      const due = decayDue({ lastInteractionAt: last, now: after(hours), chapter, hoursAlreadyDeducted: already })
      expect(due).toEqual({ hoursToDeduct: deduct, points, newHoursDeducted: already + deduct, hoursStillOwed: owed })
    }
  )

  it("running twice in a row deducts once", () => {
    const now = after(20)
    const first = decayDue({ lastInteractionAt: last, now, chapter: 1, hoursAlreadyDeducted: 0 })
    const second = decayDue({ lastInteractionAt: last, now, chapter: 1, hoursAlreadyDeducted: first.newHoursDeducted })
    expect(first.points).toBe(9.6)
    expect(second).toEqual({ hoursToDeduct: 0, points: 0, newHoursDeducted: 12, hoursStillOwed: 0 })
  })

  it("hourly runs add up to one run over the same period", () => {
    let deducted = 0
    let total = 0
    for (let hour = 0; hour <= 30; hour += 0.5) {
      const due = decayDue({ lastInteractionAt: last, now: after(hour), chapter: 2, hoursAlreadyDeducted: deducted })
      deducted = due.newHoursDeducted
      total += due.points
    }
    expect(deducted).toBe(14)
    expect(total).toBeCloseTo(14 * 0.6, 10)
  })

  it("hours left over by the cap are paid by the next run", () => {
    const first = decayDue({ lastInteractionAt: last, now: after(50), chapter: 1, hoursAlreadyDeducted: 0 })
    const next = decayDue({ lastInteractionAt: last, now: after(51), chapter: 1, hoursAlreadyDeducted: first.newHoursDeducted })
    expect([first.hoursToDeduct, first.points, first.hoursStillOwed]).toEqual([25, 20, 17])
    expect([next.hoursToDeduct, next.points, next.hoursStillOwed]).toEqual([18, 14.4, 0])
  })
})

describe("lowerMetricsBy", () => {
  it.each<{ name: string; metrics: Metrics; points: number; expected: Metrics }>([
    { name: "all four equally", metrics: initialMetrics, points: 8, expected: { intimacy: 42, passion: 42, trust: 42, secureness: 42 } },
    { name: "no points", metrics: initialMetrics, points: 0, expected: initialMetrics },
    {
      name: "a metric at 0 passes its share on",
      metrics: { intimacy: 50, passion: 50, trust: 50, secureness: 0 },
      points: 8,
      expected: { intimacy: 40, passion: 40, trust: 40, secureness: 0 }
    },
    {
      name: "a metric running out mid-way",
      metrics: { intimacy: 60, passion: 60, trust: 60, secureness: 2 },
      points: 10,
      expected: { intimacy: 48, passion: 48, trust: 48, secureness: 0 }
    },
    {
      name: "everything reaches 0",
      metrics: { intimacy: 5, passion: 3, trust: 4, secureness: 1 },
      points: 20,
      expected: { intimacy: 0, passion: 0, trust: 0, secureness: 0 }
    }
  ])("$name", ({ expected, metrics, points }) => {
    expect(lowerMetricsBy(metrics, points)).toEqual(expected)
  })

  it.each([
    { metrics: { intimacy: 80, passion: 20, trust: 55, secureness: 3 }, points: 19.8 },
    { metrics: { intimacy: 1, passion: 90, trust: 2, secureness: 70 }, points: 14.4 },
    { metrics: { intimacy: 33.33, passion: 12.5, trust: 0, secureness: 99 }, points: 6 }
  ])("the score drops by exactly the points (±0.01 rounding)", ({ metrics, points }) => {
    const before = relationshipScore(metrics)
    expect(Math.abs(before - relationshipScore(lowerMetricsBy(metrics, points)) - points)).toBeLessThanOrEqual(0.011)
  })
})

describe("applyDecay", () => {
  it.each([
    { before: 50, points: 8, after: 42, events: [], status: "active" },
    { before: 25, points: 8, after: 17, events: ["critical_low"], status: "active" },
    { before: 15, points: 20, after: 0, events: ["game_over"], status: "game_over" },
    { before: 60, points: 10, after: 50, events: [], status: "active" }
  ] as const)("$before − $points → $after $events", ({ after, before, events, points, status }) => {
    const metrics = { intimacy: before, passion: before, trust: before, secureness: before }
    const result = applyDecay({ metrics, points, chapter: 1, status: "active" })
    expect(result.scoreBefore).toBe(before)
    expect(result.scoreAfter).toBe(after)
    expect(result.events).toEqual(events)
    expect(result.status).toBe(status)
  })

  it("never starts a boss fight nor reports a near boss", () => {
    const metrics = { intimacy: 56, passion: 56, trust: 56, secureness: 56 }
    const result = applyDecay({ metrics, points: 3, chapter: 1, status: "active" })
    expect(result.scoreAfter).toBe(53)
    expect(result.events).toEqual([])
    expect(result.status).toBe("active")
    expect(applyDecay({ metrics, points: 3, chapter: 1, status: "boss_fight" }).status).toBe("boss_fight")
  })
})
