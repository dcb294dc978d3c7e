/**
 * The conversation's summary when the extraction brought none: first a model call over the last
 * messages, and when the model is unavailable (or the offline provider refuses) a rule-based
 * sentence built from the transcript itself, so the continuity section always has something.
 */

/** Enough to see how the conversation ended without paying for the whole transcript. */
export const SUMMARY_TRANSCRIPT_MESSAGES = 10
/** Stored summaries go into every later prompt; a runaway model answer must not bloat them. */
export const SUMMARY_MAX_CHARS = 500
const QUOTE_MAX_CHARS = 100

export interface SummaryTurn {
  readonly role: "user" | "nikita"
  readonly content: string
}

const squash = (text: string): string => text.replace(/\s+/g, " ").trim()

const clip = (text: string, max: number): string => {
  const flat = squash(text)
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`
}

/** The model's answer as stored: one line, capped; empty means the model gave nothing usable. */
export const cleanModelSummary = (answer: string): string => clip(answer.replace(/^["'“]+|["'”]+$/g, ""), SUMMARY_MAX_CHARS)

/**
 * "A text conversation of 6 messages. The player opened with "…"; Nikita last said "…"." Quotes
 * rather than guessed topics: without a model, the player's own words are the most faithful gist.
 */
export const ruleBasedSummary = (
  platform: "text" | "voice",
  messages: ReadonlyArray<SummaryTurn>
): string => {
  const kind = platform === "voice" ? "A voice call" : "A text conversation"
  if (messages.length === 0) return `${kind} in which nothing was said.`
  const count = `${kind} of ${messages.length} message${messages.length === 1 ? "" : "s"}.`
  const opening = messages.find((message) => message.role === "user")
  const closing = [...messages].reverse().find((message) => message.role === "nikita")
  const parts = [
    opening === undefined ? null : `the player opened with "${clip(opening.content, QUOTE_MAX_CHARS)}"`,
    closing === undefined ? null : `Nikita last said "${clip(closing.content, QUOTE_MAX_CHARS)}"`
  ].filter((part): part is string => part !== null)
  if (parts.length === 0) return count
  const sentence = parts.join("; ")
  return `${count} ${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`
}
