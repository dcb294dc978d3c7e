import { describe, expect, it } from "@effect/vitest"
import { bossThreshold, chapterRules, chapters, isChapter, metricChangeCap } from "../../src/game/Chapters.js"

describe("chapter rules", () => {
  it.each([
    { chapter: 1, boss: 55, cap: 6, intimacy: 0, dominance: 0.1, chance: 0.1, grace: 8, rate: 0.8 },
    { chapter: 2, boss: 60, cap: 5, intimacy: 0.05, dominance: 0.05, chance: 0.15, grace: 16, rate: 0.6 },
    { chapter: 3, boss: 65, cap: 4, intimacy: 0.1, dominance: 0, chance: 0.2, grace: 24, rate: 0.4 },
    { chapter: 4, boss: 70, cap: 3, intimacy: 0.15, dominance: -0.05, chance: 0.25, grace: 48, rate: 0.3 },
    { chapter: 5, boss: 75, cap: 2, intimacy: 0.2, dominance: -0.1, chance: 0.3, grace: 72, rate: 0.2 }
  ] as const)("chapter $chapter", (row) => {
    const rules = chapterRules[row.chapter]
    expect(bossThreshold(row.chapter)).toBe(row.boss)
    expect(metricChangeCap(row.chapter)).toBe(row.cap)
    expect(rules.emotionalModifier).toEqual({ intimacy: row.intimacy, dominance: row.dominance })
    expect(rules.touchpointTimeChance).toBe(row.chance)
    expect(rules.decayGraceHours).toBe(row.grace)
    expect(rules.decayPointsPerHour).toBe(row.rate)
  })

  it.each([
    { value: 0, expected: false },
    { value: 1, expected: true },
    { value: 5, expected: true },
    { value: 6, expected: false },
    { value: 2.5, expected: false }
  ])("isChapter($value) = $expected", ({ expected, value }) => {
    expect(isChapter(value)).toBe(expected)
  })

  it("lists the five chapters in order", () => {
    expect(chapters).toEqual([1, 2, 3, 4, 5])
  })
})
