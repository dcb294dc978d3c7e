import { Schema } from "effect"

/** The five chapters of the relationship; each one is harder to move and slower to forget. */
export const Chapter = Schema.Literal(1, 2, 3, 4, 5)
export type Chapter = typeof Chapter.Type

export const chapters: ReadonlyArray<Chapter> = Chapter.literals

export const isChapter = (value: number): value is Chapter => chapters.some((chapter) => chapter === value)

export interface ChapterRules {
  /** Score that opens the chapter's boss fight. */
  readonly bossThreshold: number
  /** Largest change (up or down) of any one metric in one conversation. */
  readonly metricChangeCap: number
  /** Added to Nikita's emotional state on every emotional update. */
  readonly emotionalModifier: { readonly intimacy: number; readonly dominance: number }
  /** Chance that a conversation ending in a morning/evening window schedules a touchpoint. */
  readonly touchpointTimeChance: number
  /** Hours without interaction before decay starts. */
  readonly decayGraceHours: number
  /** Score points lost per hour of inactivity after the grace period. */
  readonly decayPointsPerHour: number
}

/**
 * The game's numbers per chapter, in one table so a chapter's rules can be read together:
 * later chapters move less per conversation, are warmer and less dominant, reach out more
 * often and forgive absence longer.
 */
export const chapterRules: { readonly [C in Chapter]: ChapterRules } = {
  1: {
    bossThreshold: 55,
    metricChangeCap: 6,
    emotionalModifier: { intimacy: 0, dominance: 0.1 },
    touchpointTimeChance: 0.1,
    decayGraceHours: 8,
    decayPointsPerHour: 0.8
  },
  2: {
    bossThreshold: 60,
    metricChangeCap: 5,
    emotionalModifier: { intimacy: 0.05, dominance: 0.05 },
    touchpointTimeChance: 0.15,
    decayGraceHours: 16,
    decayPointsPerHour: 0.6
  },
  3: {
    bossThreshold: 65,
    metricChangeCap: 4,
    emotionalModifier: { intimacy: 0.1, dominance: 0 },
    touchpointTimeChance: 0.2,
    decayGraceHours: 24,
    decayPointsPerHour: 0.4
  },
  4: {
    bossThreshold: 70,
    metricChangeCap: 3,
    emotionalModifier: { intimacy: 0.15, dominance: -0.05 },
    touchpointTimeChance: 0.25,
    decayGraceHours: 48,
    decayPointsPerHour: 0.3
  },
  5: {
    bossThreshold: 75,
    metricChangeCap: 2,
    emotionalModifier: { intimacy: 0.2, dominance: -0.1 },
    touchpointTimeChance: 0.3,
    decayGraceHours: 72,
    decayPointsPerHour: 0.2
  }
}

export const bossThreshold = (chapter: Chapter): number => chapterRules[chapter].bossThreshold
export const metricChangeCap = (chapter: Chapter): number => chapterRules[chapter].metricChangeCap
