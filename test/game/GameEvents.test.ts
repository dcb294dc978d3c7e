import { describe, expect, it } from "@effect/vitest"
import type { Chapter } from "../../src/game/Chapters.js"
import { type GameStatus, scoreOutcome } from "../../src/game/GameEvents.js"

describe("scoreOutcome", () => {
  it.each<{ chapter: Chapter; before: number; after: number; status: GameStatus; events: ReadonlyArray<string>; next: GameStatus }>([
    { chapter: 1, before: 49.99, after: 50, status: "active", events: ["boss_threshold_near"], next: "active" },
    { chapter: 1, before: 49, after: 49.99, status: "active", events: [], next: "active" },
    { chapter: 2, before: 50, after: 60, status: "active", events: ["boss_threshold_reached"], next: "boss_fight" },
    { chapter: 3, before: 60, after: 64.99, status: "active", events: ["boss_threshold_near"], next: "active" },
    { chapter: 4, before: 60, after: 70, status: "active", events: ["boss_threshold_reached"], next: "boss_fight" },
    { chapter: 5, before: 74, after: 80, status: "active", events: ["boss_threshold_reached"], next: "boss_fight" },
    { chapter: 5, before: 76, after: 80, status: "boss_fight", events: [], next: "boss_fight" },
    { chapter: 5, before: 76, after: 72, status: "boss_fight", events: [], next: "boss_fight" },
    { chapter: 1, before: 20, after: 19.99, status: "active", events: ["critical_low"], next: "active" },
    { chapter: 1, before: 19.99, after: 20, status: "active", events: ["recovery"], next: "active" },
    { chapter: 1, before: 21, after: 0, status: "active", events: ["critical_low", "game_over"], next: "game_over" },
    { chapter: 1, before: 3, after: 0, status: "boss_fight", events: ["game_over"], next: "game_over" },
    { chapter: 1, before: 50, after: 60, status: "won", events: [], next: "won" },
    { chapter: 1, before: 0, after: 10, status: "game_over", events: [], next: "game_over" }
  ])("chapter $chapter, $status, $before → $after", ({ after, before, chapter, events, next, status }) => {
    const outcome = scoreOutcome({ chapter, scoreBefore: before, scoreAfter: after, status })
    expect(outcome.events).toEqual(events)
    expect(outcome.status).toBe(next)
  })
})
