import { describe, expect, it } from "@effect/vitest"
import { hashSeed, mulberry32, seededRandom } from "../../src/game/SeededRandom.js"

const draws = (count: number, ...parts: ReadonlyArray<string>): Array<number> => {
  const random = seededRandom(...parts)
  return Array.from({ length: count }, () => random.next())
}

describe("hashSeed (FNV-1a 32)", () => {
  it.each([
    { text: "", hash: 0x811c9dc5 },
    { text: "a", hash: 0xe40c292c },
    { text: "foobar", hash: 0xbf9cf968 }
  ])("published test vector $text", ({ hash, text }) => {
    expect(hashSeed(text)).toBe(hash)
  })

  it("separates parts so that (ab, c) and (a, bc) differ", () => {
    expect(hashSeed("ab", "c")).not.toBe(hashSeed("a", "bc"))
  })
})

describe("seededRandom", () => {
  it("is pinned: a change of algorithm would change every stored decision on re-run", () => {
    expect(mulberry32(1)()).toBe(0.6270739405881613)
    expect(draws(3, "user-1", "conv-1", "touchpoint")).toEqual([0.8823251063004136, 0.8300650918390602, 0.08716713800095022])
  })

  it("reproduces the same stream for the same parts", () => {
    expect(draws(50, "user-7", "2025-03-01", "life_sim")).toEqual(draws(50, "user-7", "2025-03-01", "life_sim"))
  })

  it.each([
    ["user-8", "2025-03-01", "life_sim"],
    ["user-7", "2025-03-02", "life_sim"],
    ["user-7", "2025-03-01", "touchpoint"]
  ])("differs when any part differs (%s, %s, %s)", (...parts) => {
    expect(draws(5, ...parts)).not.toEqual(draws(5, "user-7", "2025-03-01", "life_sim"))
  })

  it("draws floats in [0, 1) spread evenly", () => {
    const values = draws(10_000, "spread")
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true)
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length
    expect(mean).toBeGreaterThan(0.48)
    expect(mean).toBeLessThan(0.52)
    expect(values.filter((value) => value < 0.1).length).toBeGreaterThan(900)
    expect(values.filter((value) => value < 0.1).length).toBeLessThan(1100)
  })

  it("integer covers both bounds and nothing else", () => {
    const random = seededRandom("integers")
    const seen = new Set(Array.from({ length: 500 }, () => random.integer(3, 5)))
    expect([...seen].sort()).toEqual([3, 4, 5])
  })

  it("between stays in its range, pick picks a member, shuffle permutes", () => {
    const random = seededRandom("helpers")
    const values = Array.from({ length: 500 }, () => random.between(-0.15, 0.15))
    expect(values.every((value) => value >= -0.15 && value < 0.15)).toBe(true)
    const items = ["a", "b", "c", "d"] as const
    expect(items).toContain(random.pick(items))
    const shuffled = random.shuffle(items)
    expect([...shuffled].sort()).toEqual(["a", "b", "c", "d"])
    expect(items).toEqual(["a", "b", "c", "d"])
  })
})
