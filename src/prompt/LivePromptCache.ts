import { type LivePrompt, type ReadMoment, renderKey, renderLive } from "./PromptLive.js"

/**
 * The chat runtime reads a player's prompt before every conversation, often several times while
 * nothing it depends on has changed. Per user and platform, this keeps the current prompt's live
 * parts (decoded once, so a read need not fetch them again while that prompt stays current) and
 * its last rendering with the key it was rendered for (`renderKey`): a read in the same minute,
 * contact band and player state reuses it, any other read renders anew.
 *
 * A rebuilt prompt is a new row with a new id, which the read sees in its query, so an entry
 * never outlives its prompt, whichever instance rebuilt it. Entries are per instance and bounded:
 * past `capacity`, the least recently read goes.
 */

export interface Rendered {
  readonly text: string
  readonly tokenCount: number
}

/** The live parts of one prompt (`promptId`) and its last rendering, with the key it was rendered for. */
export interface KeptPrompt {
  readonly promptId: string
  readonly live: LivePrompt
  rendered: { readonly key: string; readonly value: Rendered } | undefined
}

/** `kept` rendered for `moment`: its last rendering when the key matches, else a new one, kept. */
export const renderKept = (kept: KeptPrompt, moment: ReadMoment): Rendered => {
  const key = renderKey(kept.live, moment)
  if (kept.rendered?.key === key) return kept.rendered.value
  const value = renderLive(kept.live, moment)
  kept.rendered = { key, value }
  return value
}

export interface LivePromptCache {
  /** What is kept for this user and platform, if anything; a read counts as a use. */
  readonly kept: (userId: string, platform: string) => KeptPrompt | undefined
  /** Keeps the live parts of prompt `promptId`, replacing whatever was kept for this user and platform. */
  readonly keep: (userId: string, platform: string, promptId: string, live: LivePrompt) => KeptPrompt
  /** Forgets this user's and platform's entry (their current prompt has no live parts, or is gone). */
  readonly forget: (userId: string, platform: string) => void
}

export const makeLivePromptCache = (capacity: number): LivePromptCache => {
  const entries = new Map<string, KeptPrompt>()
  const keyOf = (userId: string, platform: string) => `${userId}:${platform}`
  return {
    // Map keeps insertion order: a use moves the entry to the end, so the first is the least recently used.
    kept: (userId, platform) => {
      const key = keyOf(userId, platform)
      const entry = entries.get(key)
      if (entry !== undefined) {
        entries.delete(key)
        entries.set(key, entry)
      }
      return entry
    },
    keep: (userId, platform, promptId, live) => {
      const key = keyOf(userId, platform)
      const entry: KeptPrompt = { promptId, live, rendered: undefined }
      entries.delete(key)
      entries.set(key, entry)
      if (entries.size > capacity) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      return entry
    },
    forget: (userId, platform) => void entries.delete(keyOf(userId, platform))
  }
}
