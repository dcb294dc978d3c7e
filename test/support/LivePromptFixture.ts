import type { LivePrompt } from "../../src/prompt/PromptLive.js"

/** A text prompt's live parts in chapter 2, calm, in UTC, with nothing remembered: `changes` on top. */
export const livePrompt = (changes: Partial<LivePrompt> = {}): LivePrompt => ({
  platform: "text",
  budget: 6_500,
  time_zone: "UTC",
  chapter: 2,
  engagement_state: "in_zone",
  conflict_zone: "calm",
  emotional_state: { arousal: 0.5, valence: 0.6, dominance: 0.5, intimacy: 0.5 },
  life_events: [],
  life_events_date: "2025-03-04",
  recent_summaries: [],
  last_contact_at: null,
  open_threads: [],
  fixed: { identity: "## Who you are", platformStyle: "", memory: { heading: "## What you remember", items: [] }, innerLife: "", chapterBehaviour: "" },
  ...changes
})
