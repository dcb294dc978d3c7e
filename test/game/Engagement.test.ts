import { describe, expect, it } from "@effect/vitest"
import { deriveEngagement, type EngagementInput, engagementMultiplier } from "../../src/game/Engagement.js"

const healthy: EngagementInput = {
  totalConversations: 20,
  conversationsLast7Days: 10,
  averageMessagesPerConversation: 20,
  hoursSincePreviousConversation: 12
}

describe("engagementMultiplier", () => {
  it.each([
    ["in_zone", 1.0],
    ["calibrating", 0.9],
    ["drifting", 0.8],
    ["distant", 0.6],
    ["clingy", 0.5],
    ["out_of_zone", 0.2]
  ] as const)("%s → %d", (state, multiplier) => {
    expect(engagementMultiplier[state]).toBe(multiplier)
  })
})

describe("deriveEngagement", () => {
  it.each([
    { name: "healthy rhythm", change: {}, expected: "in_zone" },
    { name: "first conversation", change: { totalConversations: 1, hoursSincePreviousConversation: null }, expected: "calibrating" },
    { name: "4th conversation still calibrating", change: { totalConversations: 4, conversationsLast7Days: 60 }, expected: "calibrating" },
    { name: "5th conversation is judged", change: { totalConversations: 5 }, expected: "in_zone" },
    { name: "a week of silence", change: { hoursSincePreviousConversation: 168 }, expected: "out_of_zone" },
    { name: "57 conversations a week", change: { conversationsLast7Days: 57 }, expected: "out_of_zone" },
    { name: "56 conversations a week", change: { conversationsLast7Days: 56 }, expected: "clingy" },
    { name: "29 conversations a week", change: { conversationsLast7Days: 29 }, expected: "clingy" },
    { name: "28 conversations a week", change: { conversationsLast7Days: 28 }, expected: "in_zone" },
    { name: "clingy even with short conversations", change: { conversationsLast7Days: 30, averageMessagesPerConversation: 2 }, expected: "clingy" },
    { name: "72 h of silence", change: { hoursSincePreviousConversation: 72 }, expected: "distant" },
    { name: "one conversation this week", change: { conversationsLast7Days: 1 }, expected: "distant" },
    { name: "one-liners", change: { averageMessagesPerConversation: 2.5 }, expected: "distant" },
    { name: "36 h of silence", change: { hoursSincePreviousConversation: 36 }, expected: "drifting" },
    { name: "35 h of silence", change: { hoursSincePreviousConversation: 35 }, expected: "in_zone" },
    { name: "three conversations this week", change: { conversationsLast7Days: 3 }, expected: "drifting" },
    { name: "four conversations this week", change: { conversationsLast7Days: 4 }, expected: "in_zone" },
    { name: "short conversations", change: { averageMessagesPerConversation: 5 }, expected: "drifting" },
    { name: "six messages on average", change: { averageMessagesPerConversation: 6 }, expected: "in_zone" }
  ] as const)("$name → $expected", ({ change, expected }) => {
    expect(deriveEngagement({ ...healthy, ...change })).toBe(expected)
  })
})
