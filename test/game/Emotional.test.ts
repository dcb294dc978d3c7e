import { describe, expect, it } from "@effect/vitest"
import type { Chapter } from "../../src/game/Chapters.js"
import {
  type EmotionalState,
  type EmotionalUpdate,
  initialEmotionalState,
  lifeEventDelta,
  nextEmotionalState,
  pullTowardRest,
  sumLifeEventDeltas
} from "../../src/game/Emotional.js"
import type { EmotionalTone } from "../../src/game/EmotionalTone.js"

/** Chapter 3 has no dominance modifier and a score of 50 adds no valence: only the rule under test moves. */
const quiet: EmotionalUpdate = {
  previous: initialEmotionalState,
  hoursElapsed: 0,
  lifeEventDeltas: [],
  tone: "neutral",
  chapter: 3,
  relationshipScore: 50
}

describe("pull toward rest", () => {
  it.each([
    { from: 0.9, hours: 0, to: 0.9 },
    { from: 0.9, hours: 24, to: 0.7 },
    { from: 0.9, hours: 48, to: 0.6 },
    { from: 0.9, hours: 72, to: 0.55 },
    { from: 0.1, hours: 48, to: 0.4 },
    { from: 0.1, hours: 12, to: 0.5 - 0.4 * Math.SQRT1_2 },
    { from: 0.9, hours: -5, to: 0.9 }
  ])("$from after $hours h → $to", ({ from, hours, to }) => {
    expect(pullTowardRest(from, hours)).toBeCloseTo(to, 10)
  })

  it("after 48 h a quarter of the distance to 0.5 is left in the state", () => {
    const previous: EmotionalState = { arousal: 0.9, valence: 0.1, dominance: 0.7, intimacy: 0.5 }
    const next = nextEmotionalState({ ...quiet, previous, hoursElapsed: 48 })
    expect(next.arousal).toBeCloseTo(0.6, 10)
    expect(next.valence).toBeCloseTo(0.4, 10)
    expect(next.dominance).toBeCloseTo(0.55, 10)
  })
})

describe("life events", () => {
  it.each([
    { deltas: [{ valence: 0.1 }, { valence: 0.15 }], dimension: "valence", sum: 0.25 },
    { deltas: [{ valence: 0.2 }, { valence: 0.2 }], dimension: "valence", sum: 0.3 },
    { deltas: [{ arousal: -0.15 }, { arousal: -0.15 }, { arousal: -0.1 }], dimension: "arousal", sum: -0.3 },
    { deltas: [{ valence: 0.15 }, { valence: -0.1 }], dimension: "valence", sum: 0.05 },
    { deltas: [{ valence: 0.15 }], dimension: "arousal", sum: 0 }
  ] as const)("$deltas on $dimension → $sum", ({ deltas, dimension, sum }) => {
    expect(sumLifeEventDeltas(deltas, dimension)).toBeCloseTo(sum, 10)
  })

  it("an event moves valence and arousal only", () => {
    expect(lifeEventDelta({ valence_delta: -0.08, arousal_delta: 0.12 })).toEqual({ valence: -0.08, arousal: 0.12 })
  })

  it("today's events move the state by their clamped sum", () => {
    const next = nextEmotionalState({ ...quiet, lifeEventDeltas: [{ valence: 0.2, arousal: 0.1 }, { valence: 0.25 }] })
    expect(next.valence).toBeCloseTo(0.8, 10)
    expect(next.arousal).toBeCloseTo(0.6, 10)
  })
})

describe("conversation tone (the extraction's names)", () => {
  it.each<{ tone: EmotionalTone; arousal: number; valence: number; intimacy: number }>([
    { tone: "positive", arousal: 0.5, valence: 0.65, intimacy: 0.6 + 0.1 },
    { tone: "negative", arousal: 0.6, valence: 0.35, intimacy: 0.4 + 0.1 },
    { tone: "mixed", arousal: 0.6, valence: 0.5, intimacy: 0.5 + 0.1 },
    { tone: "neutral", arousal: 0.5, valence: 0.5, intimacy: 0.5 + 0.1 }
  ])("$tone", ({ arousal, intimacy, tone, valence }) => {
    const next = nextEmotionalState({ ...quiet, tone })
    expect(next.arousal).toBeCloseTo(arousal, 10)
    expect(next.valence).toBeCloseTo(valence, 10)
    expect(next.intimacy).toBeCloseTo(intimacy, 10)
    expect(next.dominance).toBeCloseTo(0.5, 10)
  })
})

describe("chapter modifier", () => {
  it.each<{ chapter: Chapter; intimacy: number; dominance: number }>([
    { chapter: 1, intimacy: 0.5, dominance: 0.6 },
    { chapter: 2, intimacy: 0.55, dominance: 0.55 },
    { chapter: 3, intimacy: 0.6, dominance: 0.5 },
    { chapter: 4, intimacy: 0.65, dominance: 0.45 },
    { chapter: 5, intimacy: 0.7, dominance: 0.4 }
  ])("chapter $chapter", ({ chapter, dominance, intimacy }) => {
    const next = nextEmotionalState({ ...quiet, chapter })
    expect(next.intimacy).toBeCloseTo(intimacy, 10)
    expect(next.dominance).toBeCloseTo(dominance, 10)
  })
})

describe("relationship valence uses the score on 0..1", () => {
  it.each([
    { score: 0, valence: 0.4 },
    { score: 25, valence: 0.45 },
    { score: 50, valence: 0.5 },
    { score: 75, valence: 0.55 },
    { score: 100, valence: 0.6 }
  ])("score $score → valence $valence", ({ score, valence }) => {
    expect(nextEmotionalState({ ...quiet, relationshipScore: score }).valence).toBeCloseTo(valence, 10)
  })
})

describe("bounds", () => {
  it("the result stays strictly inside 0..1 even when the sum leaves it", () => {
    const high = nextEmotionalState({
      ...quiet,
      previous: { arousal: 0.95, valence: 0.95, dominance: 0.95, intimacy: 0.95 },
      lifeEventDeltas: [{ valence: 0.3, arousal: 0.3 }],
      tone: "positive",
      chapter: 5,
      relationshipScore: 100
    })
    for (const level of Object.values(high)) {
      expect(level).toBeGreaterThan(0.8)
      expect(level).toBeLessThan(1)
    }
    const low = nextEmotionalState({
      ...quiet,
      previous: { arousal: 0.02, valence: 0.02, dominance: 0.02, intimacy: 0.02 },
      lifeEventDeltas: [{ valence: -0.3, arousal: -0.3 }],
      tone: "negative",
      chapter: 5,
      relationshipScore: 0
    })
    for (const level of [low.valence, low.arousal, low.dominance, low.intimacy]) {
      expect(level).toBeGreaterThan(0)
      expect(level).toBeLessThan(0.2)
    }
  })

  it("a full update combines every term", () => {
    const next = nextEmotionalState({
      previous: { arousal: 0.7, valence: 0.3, dominance: 0.5, intimacy: 0.6 },
      hoursElapsed: 24,
      lifeEventDeltas: [{ valence: 0.1, arousal: 0.05 }],
      tone: "positive",
      chapter: 2,
      relationshipScore: 80
    })
    expect(next.arousal).toBeCloseTo(0.6 + 0.05, 10)
    expect(next.valence).toBeCloseTo(0.4 + 0.1 + 0.15 + 0.06, 10)
    expect(next.dominance).toBeCloseTo(0.5 + 0.05, 10)
    expect(next.intimacy).toBeCloseTo(0.55 + 0.1 + 0.05, 10)
  })
})

describe("emotions stay alive", () => {
  it.each<Chapter>([1, 2, 3, 4, 5])("20 positive conversations in chapter %s leave every dimension inside (0, 1), still moving", (chapter) => {
    let state = initialEmotionalState
    for (let conversation = 0; conversation < 20; conversation++) {
      state = nextEmotionalState({ ...quiet, previous: state, hoursElapsed: 0.5, tone: "positive", chapter, relationshipScore: 90 })
    }
    for (const level of Object.values(state)) {
      expect(level).toBeGreaterThan(0)
      expect(level).toBeLessThan(1)
    }
    const afterBad = nextEmotionalState({ ...quiet, previous: state, hoursElapsed: 0.5, tone: "negative", chapter, relationshipScore: 90 })
    expect(state.valence - afterBad.valence).toBeGreaterThan(0.05)
    expect(state.intimacy - afterBad.intimacy).toBeGreaterThan(0.03)
    expect(afterBad.arousal).not.toBeCloseTo(state.arousal, 3)
  })
})
