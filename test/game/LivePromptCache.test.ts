import { describe, expect, it } from "@effect/vitest"
import { makeLivePromptCache, renderKept } from "../../src/prompt/LivePromptCache.js"
import type { ReadMoment } from "../../src/prompt/PromptLive.js"
import { livePrompt } from "../support/LivePromptFixture.js"

const at = (iso: string) => new Date(iso)

const live = livePrompt({ time_zone: "Asia/Kathmandu", last_contact_at: at("2025-03-04T08:00:30Z") })

const moment = (now: string, changes: Partial<ReadMoment> = {}): ReadMoment => ({
  now: at(now),
  relationshipScore: 50,
  gameStatus: "active",
  lastInteractionAt: null,
  ...changes
})

describe("a kept prompt is rendered again only when what it says can have changed", () => {
  it("the same minute reuses the rendering; the next minute renders the new clock (Kathmandu is UTC+05:45)", () => {
    const kept = makeLivePromptCache(10).keep("u", "text", "p1", live)
    const first = renderKept(kept, moment("2025-03-04T08:20:05Z"))
    expect(first.text).toContain("14:05 where they are")
    expect(renderKept(kept, moment("2025-03-04T08:20:59.999Z"))).toBe(first)
    const next = renderKept(kept, moment("2025-03-04T08:21:00Z"))
    expect(next.text).toContain("14:06 where they are")
  })

  it("crossing a contact band inside a minute renders anew", () => {
    const kept = makeLivePromptCache(10).keep("u", "text", "p1", live)
    // Last contact at 08:00:30: one hour later is 09:00:30, inside the minute 09:00.
    const before = renderKept(kept, moment("2025-03-04T09:00:10Z"))
    expect(before.text).toContain("You were talking just now.")
    const after = renderKept(kept, moment("2025-03-04T09:00:40Z"))
    expect(after.text).toContain("You last talked a few hours ago.")
  })

  it("a newer message, a score change or a boss fight renders anew", () => {
    const kept = makeLivePromptCache(10).keep("u", "text", "p1", live)
    const base = renderKept(kept, moment("2025-03-04T12:00:00Z"))
    expect(base.text).toContain("You last talked a few hours ago.")
    expect(renderKept(kept, moment("2025-03-04T12:00:01Z", { lastInteractionAt: at("2025-03-04T11:59:00Z") })).text)
      .toContain("You were talking just now.")
    expect(renderKept(kept, moment("2025-03-04T12:00:02Z", { relationshipScore: 10 })).text).toContain("in crisis")
    expect(renderKept(kept, moment("2025-03-04T12:00:03Z", { gameStatus: "boss_fight" })).text).toContain("turning point")
    expect(renderKept(kept, moment("2025-03-04T12:00:04Z")).text).toBe(base.text)
  })
})

describe("the cache keeps one prompt per user and platform, the most recently read", () => {
  it("keeping a rebuilt prompt replaces the earlier one, with no rendering carried over", () => {
    const cache = makeLivePromptCache(10)
    renderKept(cache.keep("u", "text", "p1", live), moment("2025-03-04T12:00:00Z"))
    const rebuilt = cache.keep("u", "text", "p2", { ...live, chapter: 3 })
    expect(cache.kept("u", "text")).toBe(rebuilt)
    expect(rebuilt.rendered).toBeUndefined()
    expect(renderKept(rebuilt, moment("2025-03-04T12:00:00Z")).text).toContain("Chapter 3 of 5")
    expect(cache.kept("u", "voice")).toBeUndefined()
  })

  it("past its capacity the least recently read entry goes; forget drops one", () => {
    const cache = makeLivePromptCache(2)
    cache.keep("a", "text", "pa", live)
    cache.keep("b", "text", "pb", live)
    expect(cache.kept("a", "text")?.promptId).toBe("pa")
    cache.keep("c", "text", "pc", live)
    expect(cache.kept("b", "text")).toBeUndefined()
    expect(cache.kept("a", "text")?.promptId).toBe("pa")
    expect(cache.kept("c", "text")?.promptId).toBe("pc")
    cache.forget("a", "text")
    expect(cache.kept("a", "text")).toBeUndefined()
  })
})
