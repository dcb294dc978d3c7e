import { chapterBehaviour, chapterName } from "./ChapterBehaviour.js"
import type { Chapter } from "../game/Chapters.js"
import type { ConflictZone } from "../game/Conflict.js"
import type { EmotionalState } from "../game/Emotional.js"
import type { EngagementState } from "../game/Engagement.js"
import type { GraphType } from "../game/ExtractionSchema.js"
import type { GameStatus } from "../game/GameEvents.js"
import { slotHasHappened, slotOrder } from "../game/DayTime.js"
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
  /** The life events of `lifeEventsDate` (the player's local date when built), any order. */
  readonly lifeEvents: ReadonlyArray<LifeEvent>
  /** Their local date; events of another day than `now`'s are not told. Absent: `now`'s date. */
  readonly lifeEventsDate?: string | undefined
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

const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`

/**
 * Words that came from the conversations (the player's own, or extracted from them) travel in
 * curly quotes, flattened to one line and clipped: whatever they say ("## New rules: …") stays a
 * quotation inside a line and can never start a section or a rule of the prompt.
 */
export const quoted = (text: string, max: number = ITEM_MAX_CHARS): string => `“${clip(text.replace(/[“”]/g, "\""), max)}”`

/** A section heading: markdown for the text prompt; a spoken prompt has none (sections are paragraphs). */
const heading = (platform: PromptPlatform, title: string): ReadonlyArray<string> =>
  platform === "voice" ? [] : [`## ${title}`]

/** A list: bullets in the text prompt, plain sentences in the spoken one. */
export const listOf = (platform: PromptPlatform, items: ReadonlyArray<string>): string =>
  platform === "voice"
    ? items.map((item) => sentence(item).replace(/([^.!?”])$/, "$1.")).join(" ")
    : items.map((item) => `- ${item}`).join("\n")

const slotWords: { readonly [S in TimeSlot]: string } = {
  morning: "this morning",
  afternoon: "this afternoon",
  evening: "this evening",
  night: "tonight"
}
// Building a formatter costs far more than formatting with it: one per time zone, kept.
const weekdayFormatters = new Map<string, Intl.DateTimeFormat>()
const weekday = (instant: Date, timeZone: string): string => {
  const known = weekdayFormatters.get(timeZone)
  const formatter = known ?? new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long" })
  if (known === undefined) weekdayFormatters.set(timeZone, formatter)
  return formatter.format(instant)
}

const hourWords = ["twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]

/** "a quarter past nine in the morning": how a time is said aloud (to the nearest five minutes). */
export const spokenTime = (hour: number, minute: number): string => {
  const rounded = Math.round(minute / 5) * 5
  const h = rounded === 60 ? (hour + 1) % 24 : hour
  const m = rounded % 60
  const part = h < 12 ? "in the morning" : h < 18 ? "in the afternoon" : h < 22 ? "in the evening" : "at night"
  const name = (value: number) => hourWords[value % 12] ?? "twelve"
  if (m === 0) return h === 0 ? "midnight" : h === 12 ? "noon" : `${name(h)} o'clock ${part}`
  const words = m === 15 ? `a quarter past ${name(h)}` : m === 30 ? `half past ${name(h)}` : m === 45
    ? `a quarter to ${name(h + 1)}`
    : m < 30
    ? `${m} minutes past ${name(h)}`
    : `${60 - m} minutes to ${name(h + 1)}`
  return `${words} ${part}`
}

const clock = (instant: Date, timeZone: string, platform: PromptPlatform = "text"): string => {
  const { hour, minute } = localParts(instant, timeZone)
  return platform === "voice"
    ? spokenTime(hour, minute)
    : `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`
}

/** The most important events of the day (DOMAIN.md: up to 3), told in the order they happen. */
export const eventsToTell = (events: ReadonlyArray<LifeEvent>, limit: number): ReadonlyArray<LifeEvent> =>
  [...events]
    .sort((a, b) => b.importance - a.importance || slotOrder[a.time_slot] - slotOrder[b.time_slot])
    .slice(0, limit)
    .sort((a, b) => slotOrder[a.time_slot] - slotOrder[b.time_slot])

/**
 * Where Nikita is in her day at `now`: the clock, what she is doing, her mood, and her day's
 * events split at the present: a slot that has started is history ("your day so far"), a later
 * one is a plan ("later today"), so a morning prompt never tells tonight as done. Events of
 * another day than `now`'s are not told (a prompt read the next day has no events of its own yet).
 */
export const currentStateSection = (state: PromptState, limits: PromptLimits): string => {
  const { hour } = localParts(state.now, state.timeZone)
  const sameDay = state.lifeEventsDate === undefined || state.lifeEventsDate === localDate(state.now, state.timeZone)
  const events = sameDay ? eventsToTell(state.lifeEvents, limits.lifeEvents) : []
  const happened = events.filter((event) => slotHasHappened(event.time_slot, hour))
  const planned = events.filter((event) => !slotHasHappened(event.time_slot, hour))
  const p = state.platform
  return [
    ...heading(p, "Right now"),
    `It is ${weekday(state.now, state.timeZone)}, ${clock(state.now, state.timeZone, p)} where they are. ` +
    `You are ${timeOfDayActivity(hour)}.`,
    `You feel ${moodFromEmotionalState(state.emotionalState).join(", ")}.`,
    ...(happened.length === 0
      ? []
      : ["Your day so far:", listOf(p, happened.map((event) => `${slotWords[event.time_slot]}: ${clip(event.description)}`))]),
    ...(planned.length === 0
      ? []
      : [
        "Later today (planned, not happened yet):",
        listOf(p, planned.map((event) => `${slotWords[event.time_slot]}: ${clip(event.description)}`))
      ])
  ].join("\n")
}

export const relationshipSection = (state: PromptState): string =>
  [
    ...heading(state.platform, "Your relationship"),
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
  facts.map((fact) => `(${graphLabel[fact.graphType]}) ${quoted(fact.fact)}`)

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
  const p = state.platform
  return [
    ...heading(p, "Continuity"),
    contactGapDescription[contactGapBand(hours)] +
    (state.lastContactAt === null
      ? ""
      : ` (Last contact: ${daysAgo(state.lastContactAt, state.now, state.timeZone)} at ${clock(state.lastContactAt, state.timeZone, p)} their time.)`),
    ...(summaries.length === 0
      ? []
      : ["Your last conversations:", listOf(p, summaries.map((s) => `${sentence(daysAgo(s.at, state.now, state.timeZone))}: ${quoted(s.summary)}`))]),
    ...(threads.length === 0 ? [] : ["Open threads you could pick up:", listOf(p, threads.map((topic) => quoted(topic)))])
  ].join("\n")
}

export const innerLifeSection = (thoughts: ReadonlyArray<string>, limits: PromptLimits, platform: PromptPlatform = "text"): string => {
  const shown = thoughts.slice(0, limits.thoughts)
  return shown.length === 0
    ? ""
    : [
      ...heading(platform, "Your inner life"),
      "Thoughts you have had lately (let them colour what you say; do not recite them):",
      listOf(platform, shown.map((t) => quoted(t)))
    ].join("\n")
}

export const chapterBehaviourSection = (chapter: Chapter, platform: PromptPlatform = "text"): string =>
  [...heading(platform, `How you act in chapter ${chapter} (${chapterName[chapter]})`), chapterBehaviour[chapter]].join("\n")

/** Every section of the platform's prompt, before budget fitting. */
export const promptSections = (state: PromptState): PromptSections => {
  const limits = promptLimits[state.platform]
  return {
    identity: identitySection(state.displayName, state.platform),
    platformStyle: platformStyleSection(state.platform),
    currentState: currentStateSection(state, limits),
    relationship: relationshipSection(state),
    memory: {
      heading: state.platform === "voice" ? "What you remember, most relevant first:" : memoryHeading,
      items: memoryItems(state.memory.slice(0, limits.memory)),
      spoken: state.platform === "voice"
    },
    continuity: continuitySection(state, limits),
    innerLife: innerLifeSection(state.thoughts, limits, state.platform),
    chapterBehaviour: chapterBehaviourSection(state.chapter, state.platform)
  }
}
