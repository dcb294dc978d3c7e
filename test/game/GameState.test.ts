import { describe, expect, it } from "@effect/vitest"
import type { Chapter } from "../../src/game/Chapters.js"
import type { EngagementState } from "../../src/game/Engagement.js"
import { applyConversationDeltas, type ConversationDeltasInput, vulnerabilityTrustBonus } from "../../src/game/GameState.js"
import { initialMetrics, type MetricDeltas, type Metrics } from "../../src/game/Metrics.js"

const noDeltas: MetricDeltas = { intimacy: 0, passion: 0, trust: 0, secureness: 0 }
const base: ConversationDeltasInput = {
  metrics: initialMetrics,
  deltas: noDeltas,
  chapter: 1,
  engagement: "in_zone",
  status: "active",
  vulnerabilityExchangesSoFar: 0,
  vulnerabilityExchange: false
}
const uniform = (value: number): Metrics => ({ intimacy: value, passion: value, trust: value, secureness: value })

describe("applyConversationDeltas: multiplier and cap", () => {
  it.each<{ chapter: Chapter; engagement: EngagementState; delta: number; change: number }>([
    { chapter: 3, engagement: "drifting", delta: 10, change: 4 },
    { chapter: 1, engagement: "drifting", delta: 5, change: 4 },
    { chapter: 1, engagement: "calibrating", delta: 7, change: 6 },
    { chapter: 1, engagement: "calibrating", delta: 3, change: 2.7 },
    { chapter: 1, engagement: "out_of_zone", delta: 10, change: 2 },
    { chapter: 2, engagement: "clingy", delta: 9, change: 4.5 },
    { chapter: 2, engagement: "distant", delta: 10, change: 5 },
    { chapter: 4, engagement: "in_zone", delta: 10, change: 3 },
    { chapter: 5, engagement: "in_zone", delta: 10, change: 2 },
    { chapter: 1, engagement: "out_of_zone", delta: -5, change: -5 },
    { chapter: 1, engagement: "clingy", delta: -10, change: -6 },
    { chapter: 3, engagement: "distant", delta: -10, change: -4 },
    { chapter: 5, engagement: "in_zone", delta: -1, change: -1 }
  ])("chapter $chapter, $engagement, delta $delta → $change", ({ chapter, change, delta, engagement }) => {
    const result = applyConversationDeltas({ ...base, chapter, engagement, deltas: { ...noDeltas, passion: delta } })
    expect(result.changes.passion).toBe(change)
    expect(result.metrics.passion).toBe(50 + change)
    expect(result.changes.intimacy).toBe(0)
  })

  it("applies each metric separately and recomputes the score", () => {
    const result = applyConversationDeltas({ ...base, deltas: { intimacy: 10, passion: -2, trust: 4, secureness: -9 } })
    expect(result.changes).toEqual({ intimacy: 6, passion: -2, trust: 4, secureness: -6 })
    expect(result.scoreBefore).toBe(50)
    // 50 + 0.3·6 − 0.25·2 + 0.25·4 − 0.2·6
    expect(result.scoreAfter).toBe(51.1)
  })

  it("clamps metrics at 0 and 100 and reports the change actually applied", () => {
    const result = applyConversationDeltas({
      ...base,
      metrics: { intimacy: 98, passion: 3, trust: 50, secureness: 50 },
      deltas: { ...noDeltas, intimacy: 6, passion: -6 }
    })
    expect(result.metrics.intimacy).toBe(100)
    expect(result.metrics.passion).toBe(0)
    expect(result.changes.intimacy).toBe(2)
    expect(result.changes.passion).toBe(-3)
  })
})

describe("vulnerability exchange trust bonus", () => {
  it.each([
    { soFar: 0, bonus: 2 },
    { soFar: 1, bonus: 1 },
    { soFar: 2, bonus: 0 },
    { soFar: 7, bonus: 0 }
  ])("after $soFar exchanges the bonus is $bonus", ({ bonus, soFar }) => {
    expect(vulnerabilityTrustBonus(soFar)).toBe(bonus)
    const result = applyConversationDeltas({ ...base, vulnerabilityExchangesSoFar: soFar, vulnerabilityExchange: true })
    expect(result.trustBonus).toBe(bonus)
    expect(result.changes.trust).toBe(bonus)
    expect(result.vulnerabilityExchanges).toBe(soFar + 1)
  })

  it("no exchange, no bonus, count unchanged", () => {
    const result = applyConversationDeltas({ ...base, vulnerabilityExchangesSoFar: 0, vulnerabilityExchange: false })
    expect(result.changes.trust).toBe(0)
    expect(result.vulnerabilityExchanges).toBe(0)
  })

  it.each<{ chapter: Chapter; engagement: EngagementState; trust: number; change: number }>([
    { chapter: 5, engagement: "in_zone", trust: 2, change: 2 },
    { chapter: 5, engagement: "in_zone", trust: 1, change: 2 },
    { chapter: 1, engagement: "in_zone", trust: 5, change: 6 },
    { chapter: 1, engagement: "out_of_zone", trust: 5, change: 3 },
    { chapter: 1, engagement: "in_zone", trust: -5, change: -3 },
    { chapter: 1, engagement: "in_zone", trust: -10, change: -6 }
  ])(
    "the bonus is inside the chapter $chapter cap: trust delta $trust ($engagement) → $change",
    ({ chapter, change, engagement, trust }) => {
      const result = applyConversationDeltas({
        ...base,
        chapter,
        engagement,
        deltas: { ...noDeltas, trust },
        vulnerabilityExchangesSoFar: 0,
        vulnerabilityExchange: true
      })
      expect(result.changes.trust).toBe(change)
    }
  )
})

describe("score events", () => {
  it.each<{ name: string; chapter: Chapter; before: number; delta: number; events: ReadonlyArray<string>; status: string }>([
    { name: "nothing to report", chapter: 1, before: 40, delta: 2, events: [], status: "active" },
    { name: "entering the near band", chapter: 1, before: 45, delta: 6, events: ["boss_threshold_near"], status: "active" },
    { name: "still near", chapter: 1, before: 52, delta: 1, events: ["boss_threshold_near"], status: "active" },
    { name: "exactly 5 under is near", chapter: 3, before: 58, delta: 2, events: ["boss_threshold_near"], status: "active" },
    { name: "reaching the threshold", chapter: 1, before: 52, delta: 6, events: ["boss_threshold_reached"], status: "boss_fight" },
    { name: "crossing under 20", chapter: 1, before: 22, delta: -4, events: ["critical_low"], status: "active" },
    { name: "staying under 20", chapter: 1, before: 18, delta: -4, events: [], status: "active" },
    { name: "crossing back to 20", chapter: 1, before: 17, delta: 3, events: ["recovery"], status: "active" },
    { name: "game over at 0", chapter: 1, before: 4, delta: -6, events: ["game_over"], status: "game_over" }
  ])("$name", ({ before, chapter, delta, events, status }) => {
    const result = applyConversationDeltas({
      ...base,
      chapter,
      metrics: uniform(before),
      deltas: { intimacy: delta, passion: delta, trust: delta, secureness: delta }
    })
    expect(result.scoreBefore).toBe(before)
    expect(result.events).toEqual(events)
    expect(result.status).toBe(status)
  })
})
