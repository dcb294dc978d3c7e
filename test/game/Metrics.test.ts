import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { clamp, clampMetric, initialMetrics, Metrics, relationshipScore, roundTo2 } from "../../src/game/Metrics.js"

describe("relationshipScore", () => {
  it.each([
    { name: "start", metrics: initialMetrics, score: 50 },
    { name: "intimacy weighs 0.30", metrics: { intimacy: 100, passion: 0, trust: 0, secureness: 0 }, score: 30 },
    { name: "passion weighs 0.25", metrics: { intimacy: 0, passion: 100, trust: 0, secureness: 0 }, score: 25 },
    { name: "trust weighs 0.25", metrics: { intimacy: 0, passion: 0, trust: 100, secureness: 0 }, score: 25 },
    { name: "secureness weighs 0.20", metrics: { intimacy: 0, passion: 0, trust: 0, secureness: 100 }, score: 20 },
    { name: "mixed", metrics: { intimacy: 60, passion: 40, trust: 70, secureness: 30 }, score: 18 + 10 + 17.5 + 6 },
    { name: "rounded to 2 decimals", metrics: { intimacy: 33.33, passion: 33.33, trust: 33.33, secureness: 33.34 }, score: 33.33 },
    { name: "all max", metrics: { intimacy: 100, passion: 100, trust: 100, secureness: 100 }, score: 100 },
    { name: "all zero", metrics: { intimacy: 0, passion: 0, trust: 0, secureness: 0 }, score: 0 }
  ])("$name → $score", ({ metrics, score }) => {
    expect(relationshipScore(metrics)).toBe(score)
  })
})

describe("clamping and rounding", () => {
  it.each([
    { value: -3, expected: 0 },
    { value: 104.5, expected: 100 },
    { value: 49.999, expected: 50 },
    { value: 0.8 * 3, expected: 2.4 }
  ])("clampMetric($value) = $expected", ({ expected, value }) => {
    expect(clampMetric(value)).toBe(expected)
  })

  it("clamp bounds both sides and roundTo2 removes float noise", () => {
    expect(clamp(5, 0, 4)).toBe(4)
    expect(clamp(-1, 0, 4)).toBe(0)
    expect(roundTo2(0.1 + 0.2)).toBe(0.3)
    expect(roundTo2(1.005)).toBe(1.01)
  })

  it("the Metrics schema rejects a metric outside 0..100", () => {
    expect(Schema.is(Metrics)({ intimacy: 50, passion: 50, trust: 50, secureness: 50 })).toBe(true)
    expect(Schema.is(Metrics)({ intimacy: 101, passion: 50, trust: 50, secureness: 50 })).toBe(false)
  })
})
