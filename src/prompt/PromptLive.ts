import { Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { ConflictZone } from "../game/Conflict.js"
import { EmotionalState } from "../game/Emotional.js"
import { EngagementState } from "../game/Engagement.js"
import { GameStatus } from "../game/GameEvents.js"
import { LifeEvent } from "../game/LifeEventSchema.js"
import { countTokens, truncateToTokens } from "../model/Tokens.js"
import { type PromptSections, renderPrompt } from "./PromptBudget.js"
import { contactGapBand } from "./PromptContext.js"
import {
  continuitySection,
  currentStateSection,
  promptLimits,
  type PromptState,
  relationshipSection
} from "./PromptTemplate.js"

/**
 * A ready prompt is read hours or days after it was built, so its time-dependent sections (the
 * clock and place in Nikita's day, which events have happened, the time since the last contact,
 * the relative dates of summaries, the score band after decay) are rendered at the read. What is
 * expensive (memory search, the other sections, budget fitting) is done at build time and stored
 * with the prompt (`context_snapshot.live`); a read is the one query that loads it with the
 * player's current score and last interaction, plus this pure rendering.
 */
export const LivePrompt = Schema.Struct({
  platform: Schema.Literal("text", "voice"),
  budget: Schema.Number,
  time_zone: Schema.String,
  chapter: Chapter,
  engagement_state: EngagementState,
  conflict_zone: ConflictZone,
  emotional_state: EmotionalState,
  life_events: Schema.Array(LifeEvent),
  life_events_date: Schema.String,
  recent_summaries: Schema.Array(Schema.Struct({ summary: Schema.String, at: Schema.Date })),
  last_contact_at: Schema.NullOr(Schema.Date),
  open_threads: Schema.Array(Schema.String),
  /** The sections that do not depend on the moment, as fitted to the budget at build time. */
  fixed: Schema.Struct({
    identity: Schema.String,
    platformStyle: Schema.String,
    memory: Schema.Struct({ heading: Schema.String, items: Schema.Array(Schema.String), spoken: Schema.optional(Schema.Boolean) }),
    innerLife: Schema.String,
    chapterBehaviour: Schema.String
  })
})
export type LivePrompt = typeof LivePrompt.Type

/** What the read knows now: the moment and the player's current state. */
export interface ReadMoment {
  readonly now: Date
  readonly relationshipScore: number
  readonly gameStatus: GameStatus
  /** The player's latest message, which may be newer than the prompt. */
  readonly lastInteractionAt: Date | null
}

const later = (a: Date | null, b: Date | null): Date | null => (a === null ? b : b === null ? a : a > b ? a : b)

/** The live parts of the state a build describes, and its fixed sections, as stored. */
export const livePromptOf = (state: PromptState, sections: PromptSections, budget: number, lifeEventsDate: string): LivePrompt => ({
  platform: state.platform,
  budget,
  time_zone: state.timeZone,
  chapter: state.chapter,
  engagement_state: state.engagementState,
  conflict_zone: state.conflictZone,
  emotional_state: state.emotionalState,
  life_events: state.lifeEvents,
  life_events_date: lifeEventsDate,
  recent_summaries: state.recentSummaries,
  last_contact_at: state.lastContactAt,
  open_threads: state.openThreads,
  fixed: {
    identity: sections.identity,
    platformStyle: sections.platformStyle,
    memory: sections.memory,
    innerLife: sections.innerLife,
    chapterBehaviour: sections.chapterBehaviour
  }
})

/**
 * The prompt for `moment`: the stored fixed sections around the time-dependent ones rendered
 * now. The live sections vary by a few tokens from the build's; if that crosses the budget, the
 * end is cut (the least important sections are last).
 */
export const renderLive = (live: LivePrompt, moment: ReadMoment): { readonly text: string; readonly tokenCount: number } => {
  const state: PromptState = {
    platform: live.platform,
    now: moment.now,
    timeZone: live.time_zone,
    displayName: null,
    chapter: live.chapter,
    gameStatus: moment.gameStatus,
    relationshipScore: moment.relationshipScore,
    engagementState: live.engagement_state,
    conflictZone: live.conflict_zone,
    emotionalState: live.emotional_state,
    lifeEvents: live.life_events,
    lifeEventsDate: live.life_events_date,
    memory: [],
    recentSummaries: live.recent_summaries,
    lastContactAt: later(live.last_contact_at, moment.lastInteractionAt),
    openThreads: live.open_threads,
    thoughts: []
  }
  const limits = promptLimits[live.platform]
  const text = renderPrompt({
    ...live.fixed,
    currentState: currentStateSection(state, limits),
    relationship: relationshipSection(state),
    continuity: continuitySection(state, limits)
  })
  const tokenCount = countTokens(text)
  if (tokenCount <= live.budget) return { text, tokenCount }
  const cut = truncateToTokens(text, live.budget - 1)
  return { text: cut, tokenCount: countTokens(cut) }
}

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000

/**
 * Two moments with the same key render `live` to the same prompt. Besides the player's state, the
 * moment enters `renderLive` only through its local minute (the clock, the weekday and dates, which
 * events have happened: every time zone in use is a whole number of minutes from UTC, so local
 * minutes start with UTC ones) and the band of the time since the last contact.
 */
export const renderKey = (live: LivePrompt, moment: ReadMoment): string => {
  const lastContact = later(live.last_contact_at, moment.lastInteractionAt)
  const band = contactGapBand(lastContact === null ? null : Math.max(0, (moment.now.getTime() - lastContact.getTime()) / HOUR_MS))
  return `${Math.floor(moment.now.getTime() / MINUTE_MS)}|${band}|${lastContact?.getTime() ?? ""}|${moment.relationshipScore}|${moment.gameStatus}`
}

export const decodeLivePrompt = Schema.decodeUnknownOption(LivePrompt)
export const encodeLivePrompt = Schema.encodeSync(LivePrompt)
