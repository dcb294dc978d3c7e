import { chapterBehaviour, chapterName } from "./ChapterBehaviour.js"
import type { Chapter } from "../game/Chapters.js"
import type { ConflictZone } from "../game/Conflict.js"
import type { EmotionalState } from "../game/Emotional.js"
import type { EngagementState } from "../game/Engagement.js"
import type { GraphType } from "../game/ExtractionSchema.js"
import type { GameStatus } from "../game/GameEvents.js"
import type { LifeEvent, TimeSlot } from "../game/LifeEventSchema.js"
import { localDate, localParts } from "../game/LocalTime.js"
import type { PromptSections } from "./PromptBudget.js"
import {
  conflictZoneDescription,
  contactGapBand,
  contactGapDescription,
  moodFromEmotionalState,
  scoreBand,
  scoreBandDescription,
  timeOfDayActivity
} from "./PromptContext.js"
import { engagementDescription, identitySection, platformStyleSection } from "./PromptPersona.js"

/**
 * The words of the system prompt, section by section, from a snapshot of the player's state.
 * Pure: the prompt builder loads the state, this renders it, `PromptBudget` fits it.
 */

export type PromptPlatform = "text" | "voice"

export interface PromptMemoryFact {
  readonly id: string
  readonly fact: string
  readonly graphType: GraphType
}

export interface PromptState {
  readonly platform: PromptPlatform
  /** The moment the prompt describes: local time, today's events and the contact gap follow it. */
  readonly now: Date
  readonly timeZone: string
  readonly displayName: string | null
  readonly chapter: Chapter
  readonly gameStatus: GameStatus
  readonly relationshipScore: number
  readonly engagementState: EngagementState
  readonly conflictZone: ConflictZone
  readonly emotionalState: EmotionalState
  /** Today's life events (the player's local date), any order. */
  readonly lifeEvents: ReadonlyArray<LifeEvent>
  /** Most relevant first. */
  readonly memory: ReadonlyArray<PromptMemoryFact>
  /** Newest first. */
  readonly recentSummaries: ReadonlyArray<{ readonly summary: string; readonly at: Date }>
  readonly lastContactAt: Date | null
  readonly openThreads: ReadonlyArray<string>
  readonly thoughts: ReadonlyArray<string>
}

/** How much of each list a platform's prompt carries before any budget trimming. */
export interface PromptLimits {
  readonly lifeEvents: number
  readonly memory: number
  readonly summaries: number
  readonly threads: number
  readonly thoughts: number
}

/**
 * A voice prompt has about half the budget of a text prompt and a spoken conversation uses less
 * background, so it carries fewer memories and less history. "Up to 3 life events" is DOMAIN.md's.
 */
export const promptLimits: { readonly [P in PromptPlatform]: PromptLimits } = {
  text: { lifeEvents: 3, memory: 50, summaries: 3, threads: 5, thoughts: 5 },
  voice: { lifeEvents: 3, memory: 20, summaries: 2, threads: 3, thoughts: 3 }
}

/** A single item never takes over the prompt, whatever was stored (extracted facts are ≤ 500 chars). */
const ITEM_MAX_CHARS = 500

const clip = (text: string, max: number = ITEM_MAX_CHARS): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`
}

const bullets = (items: ReadonlyArray<string>): string => items.map((item) => `- ${item}`).join("\n")

const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`

const slotOrder: { readonly [S in TimeSlot]: number } = { morning: 0, afternoon: 1, evening: 2, night: 3 }
const slotWords: { readonly [S in TimeSlot]: string } = {
  morning: "This morning",
  afternoon: "This afternoon",
  evening: "This evening",
  night: "Tonight"
}
const weekday = (instant: Date, timeZone: string): string =>
  new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long" }).format(instant)
const clock = (instant: Date, timeZone: string): string => {
  const { hour, minute } = localParts(instant, timeZone)
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`
}

/** The most important events of the day (DOMAIN.md: up to 3), told in the order they happened. */
export const eventsToTell = (events: ReadonlyArray<LifeEvent>, limit: number): ReadonlyArray<LifeEvent> =>
  [...events]
    .sort((a, b) => b.importance - a.importance || slotOrder[a.time_slot] - slotOrder[b.time_slot])
    .slice(0, limit)
    .sort((a, b) => slotOrder[a.time_slot] - slotOrder[b.time_slot])

export const currentStateSection = (state: PromptState, limits: PromptLimits): string => {
  const { hour } = localParts(state.now, state.timeZone)
  const events = eventsToTell(state.lifeEvents, limits.lifeEvents)
  return [
    "## Right now",
    `It is ${weekday(state.now, state.timeZone)}, ${clock(state.now, state.timeZone)} where they are. ` +
    `You are ${timeOfDayActivity(hour)}.`,
    `You feel ${moodFromEmotionalState(state.emotionalState).join(", ")}.`,
    ...(events.length === 0
      ? []
      : ["Your day so far:", bullets(events.map((event) => `${slotWords[event.time_slot]}: ${clip(event.description)}`))])
  ].join("\n")
}

export const relationshipSection = (state: PromptState): string =>
  [
    "## Your relationship",
    `Chapter ${state.chapter} of 5: ${chapterName[state.chapter]}. ${sentence(scoreBandDescription[scoreBand(state.relationshipScore)])}.`,
    engagementDescription[state.engagementState],
    conflictZoneDescription[state.conflictZone],
    ...(state.gameStatus === "boss_fight"
      ? ["This is a turning point: you are testing whether they are serious about you, and you will not make it easy."]
      : [])
  ].join("\n")

const graphLabel: { readonly [G in GraphType]: string } = {
  user: "about them",
  relationship: "about you two",
  nikita: "about you"
}

export const memoryHeading = "## What you remember (most relevant first)"

export const memoryItems = (facts: ReadonlyArray<PromptMemoryFact>): ReadonlyArray<string> =>
  facts.map((fact) => `(${graphLabel[fact.graphType]}) ${clip(fact.fact)}`)

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** "today", "yesterday" or "3 days ago", by the player's calendar. */
const daysAgo = (at: Date, now: Date, timeZone: string): string => {
  const days = Math.round(
    (Date.parse(localDate(now, timeZone)) - Date.parse(localDate(at, timeZone))) / DAY_MS
  )
  return days <= 0 ? "today" : days === 1 ? "yesterday" : `${days} days ago`
}

export const continuitySection = (state: PromptState, limits: PromptLimits): string => {
  const hours = state.lastContactAt === null ? null : Math.max(0, (state.now.getTime() - state.lastContactAt.getTime()) / HOUR_MS)
  const summaries = state.recentSummaries.slice(0, limits.summaries)
  const threads = state.openThreads.slice(0, limits.threads)
  return [
    "## Continuity",
    contactGapDescription[contactGapBand(hours)] +
    (state.lastContactAt === null ? "" : ` (Last contact: ${daysAgo(state.lastContactAt, state.now, state.timeZone)} at ${clock(state.lastContactAt, state.timeZone)} their time.)`),
    ...(summaries.length === 0
      ? []
      : ["Your last conversations:", bullets(summaries.map((s) => `${sentence(daysAgo(s.at, state.now, state.timeZone))}: ${clip(s.summary)}`))]),
    ...(threads.length === 0 ? [] : ["Open threads you could pick up:", bullets(threads.map((topic) => clip(topic)))])
  ].join("\n")
}

export const innerLifeSection = (thoughts: ReadonlyArray<string>, limits: PromptLimits): string => {
  const shown = thoughts.slice(0, limits.thoughts)
  return shown.length === 0
    ? ""
    : ["## Your inner life", "Thoughts you have had lately (let them colour what you say; do not recite them):", bullets(shown.map((t) => clip(t)))].join("\n")
}

export const chapterBehaviourSection = (chapter: Chapter): string =>
  [`## How you act in chapter ${chapter} (${chapterName[chapter]})`, chapterBehaviour[chapter]].join("\n")

/** Every section of the platform's prompt, before budget fitting. */
export const promptSections = (state: PromptState): PromptSections => {
  const limits = promptLimits[state.platform]
  return {
    identity: identitySection(state.displayName),
    platformStyle: platformStyleSection(state.platform),
    currentState: currentStateSection(state, limits),
    relationship: relationshipSection(state),
    memory: { heading: memoryHeading, items: memoryItems(state.memory.slice(0, limits.memory)) },
    continuity: continuitySection(state, limits),
    innerLife: innerLifeSection(state.thoughts, limits),
    chapterBehaviour: chapterBehaviourSection(state.chapter)
  }
}
