import { describe, expect, it } from "@effect/vitest"
import type { Chapter } from "../../src/game/Chapters.js"
import { applyConversationDeltas, type ConversationDeltasInput } from "../../src/game/GameState.js"
import { initialMetrics } from "../../src/game/Metrics.js"

const bossConversation = (chapter: Chapter, bossAttempts: number, verdict: "pass" | "fail" | null): ConversationDeltasInput => ({
  metrics: { intimacy: 70, passion: 70, trust: 70, secureness: 70 },
  deltas: { intimacy: 1, passion: 0, trust: 0, secureness: 0 },
  chapter,
  engagement: "in_zone",
  status: "boss_fight",
  vulnerabilityExchangesSoFar: 0,
  vulnerabilityExchange: false,
  bossAttempts,
  bossVerdict: verdict
})

describe("the boss fight resolves", () => {
  it("pass → next chapter, attempts reset, active, boss_passed; the deltas still apply", () => {
    const result = applyConversationDeltas(bossConversation(2, 1, "pass"))
    expect(result).toMatchObject({ chapter: 3, status: "active", bossAttempts: 0 })
    expect(result.events).toContain("boss_passed")
    expect(result.changes.intimacy).toBe(1)
  })

  it("passing chapter 5 wins the game", () => {
    const result = applyConversationDeltas(bossConversation(5, 0, "pass"))
    expect(result).toMatchObject({ chapter: 5, status: "won" })
    expect(result.events).toEqual(expect.arrayContaining(["boss_passed", "game_won"]))
  })

  it("fail → attempts + 1, still boss_fight, boss_failed", () => {
    const result = applyConversationDeltas(bossConversation(1, 0, "fail"))
    expect(result).toMatchObject({ chapter: 1, status: "boss_fight", bossAttempts: 1, events: ["boss_failed"] })
  })

  it("three failures end the game", () => {
    let attempts = 0
    let status = "boss_fight"
    for (let conversation = 0; conversation < 3; conversation++) {
      const result = applyConversationDeltas({ ...bossConversation(3, attempts, "fail") })
      attempts = result.bossAttempts
      status = result.status
    }
    expect({ attempts, status }).toEqual({ attempts: 3, status: "game_over" })
  })

  it("no verdict leaves the fight open; a conversation that only reaches the threshold is not the boss", () => {
    expect(applyConversationDeltas(bossConversation(1, 2, null))).toMatchObject({ status: "boss_fight", bossAttempts: 2 })
    const reaching = applyConversationDeltas({
      ...bossConversation(1, 0, "fail"),
      status: "active",
      metrics: initialMetrics,
      deltas: { intimacy: 6, passion: 6, trust: 6, secureness: 6 }
    })
    expect(reaching).toMatchObject({ status: "boss_fight", bossAttempts: 0 })
    expect(reaching.events).toContain("boss_threshold_reached")
  })
})
