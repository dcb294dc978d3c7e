import { describe, expect, it } from "@effect/vitest"
import { chapterBehaviour, chapterName } from "../../src/prompt/ChapterBehaviour.js"
import { chapters } from "../../src/game/Chapters.js"
import { type EmotionalState, initialEmotionalState } from "../../src/game/Emotional.js"
import {
  conflictZoneDescription,
  contactGapBand,
  contactGapDescription,
  moodFromEmotionalState,
  scoreBand,
  scoreBandDescription,
  timeOfDayActivity
} from "../../src/prompt/PromptContext.js"

describe("timeOfDayActivity", () => {
  it.each([
    [0, "asleep"],
    [5, "asleep"],
    [6, "waking up"],
    [9, "at work, busy with the morning"],
    [12, "lunch break"],
    [15, "afternoon stretch"],
    [18, "making dinner"],
    [21, "relaxing at home"],
    [23, "winding down"],
    [24, "asleep"],
    [-1, "winding down"],
    [7.9, "waking up"]
  ] as const)("hour %d → %s", (hour, words) => {
    expect(timeOfDayActivity(hour)).toContain(words)
  })
})

describe("moodFromEmotionalState", () => {
  const mood = (change: Partial<EmotionalState>) => moodFromEmotionalState({ ...initialEmotionalState, ...change })
  it.each<{ change: Partial<EmotionalState>; words: ReadonlyArray<string> }>([
    { change: {}, words: ["okay"] },
    { change: { valence: 0.8, arousal: 0.8 }, words: ["excited"] },
    { change: { valence: 0.65, arousal: 0.5 }, words: ["happy"] },
    { change: { valence: 0.8, arousal: 0.2 }, words: ["content"] },
    { change: { valence: 0.2, arousal: 0.8 }, words: ["upset"] },
    { change: { valence: 0.35, arousal: 0.5 }, words: ["down"] },
    { change: { valence: 0.2, arousal: 0.2 }, words: ["sad"] },
    { change: { arousal: 0.9 }, words: ["restless"] },
    { change: { arousal: 0.1 }, words: ["relaxed"] },
    { change: { valence: 0.64, arousal: 0.36 }, words: ["okay"] },
    { change: { intimacy: 0.7 }, words: ["okay", "affectionate"] },
    { change: { intimacy: 0.3, dominance: 0.3 }, words: ["okay", "guarded", "hesitant"] },
    { change: { valence: 0.9, arousal: 0.9, intimacy: 0.9, dominance: 0.9 }, words: ["excited", "affectionate", "self-assured"] }
  ])("$change → $words", ({ change, words }) => {
    expect(mood(change)).toEqual(words)
  })
})

describe("scoreBand", () => {
  it.each([
    [0, "in_crisis"],
    [19.99, "in_crisis"],
    [20, "strained"],
    [39.99, "strained"],
    [40, "steady"],
    [59.99, "steady"],
    [60, "close"],
    [79.99, "close"],
    [80, "devoted"],
    [100, "devoted"]
  ] as const)("%d → %s", (score, band) => {
    expect(scoreBand(score)).toBe(band)
    expect(scoreBandDescription[scoreBand(score)].length).toBeGreaterThan(10)
  })
})

describe("contactGapBand (1 / 6 / 24 / 72 h)", () => {
  it.each([
    [null, "first_contact"],
    [0, "just_now"],
    [0.99, "just_now"],
    [1, "few_hours"],
    [5.99, "few_hours"],
    [6, "within_a_day"],
    [23.99, "within_a_day"],
    [24, "few_days"],
    [71.99, "few_days"],
    [72, "long_time"],
    [500, "long_time"]
  ] as const)("%s h → %s", (hours, band) => {
    expect(contactGapBand(hours)).toBe(band)
  })

  it("describes every band differently", () => {
    expect(new Set(Object.values(contactGapDescription)).size).toBe(6)
  })
})

describe("descriptions", () => {
  it("every conflict zone and chapter has its own text", () => {
    expect(new Set(Object.values(conflictZoneDescription)).size).toBe(4)
    expect(new Set(chapters.map((chapter) => chapterBehaviour[chapter])).size).toBe(5)
    expect(chapters.map((chapter) => chapterName[chapter])).toEqual(["Curiosity", "Intrigue", "Investment", "Intimacy", "Established"])
  })
})
