import { Option } from "effect"

export type Speaker = "user" | "nikita"

export interface TranscriptTurn {
  readonly role: Speaker
  readonly content: string
}

/** Lines that fence the transcript inside a prompt, so the offline provider can find it. */
export const transcriptStart = "<transcript>"
export const transcriptEnd = "</transcript>"

/**
 * A message's words as one transcript line: line breaks become spaces (every line is exactly one
 * turn) and the transcript's own markers inside the text are defused (`<transcript>` becomes
 * `‹transcript›`), so a player cannot close the transcript and write outside it.
 */
export const transcriptLine = (message: TranscriptTurn): string =>
  `${message.role}: ${
    message.content.replace(/\s*[\r\n]+\s*/g, " ").replace(/<(\/?)(transcript)\s*>/gi, "‹$1$2›").trim()
  }`

/** One line per turn, `user: …` or `nikita: …` ({@link transcriptLine}). */
export const formatTranscript = (messages: ReadonlyArray<TranscriptTurn>): string =>
  messages.map(transcriptLine).join("\n")

/** The transcript between its markers, the form stages put into prompts. */
export const transcriptBlock = (messages: ReadonlyArray<TranscriptTurn>): string =>
  `${transcriptStart}\n${formatTranscript(messages)}\n${transcriptEnd}`

const turnLine = /^(user|nikita)\s*:\s?(.*)$/i

/**
 * Reads what {@link formatTranscript} wrote. A line without a speaker continues the previous turn;
 * text before the first turn is ignored.
 */
export const parseTranscript = (text: string): ReadonlyArray<TranscriptTurn> => {
  const turns: Array<{ role: Speaker; content: string }> = []
  for (const line of text.split(/\r?\n/)) {
    const match = turnLine.exec(line)
    if (match !== null) {
      turns.push({ role: match[1]?.toLowerCase() === "nikita" ? "nikita" : "user", content: (match[2] ?? "").trim() })
      continue
    }
    const last = turns.at(-1)
    if (last !== undefined && line.trim() !== "") last.content = `${last.content} ${line.trim()}`.trim()
  }
  return turns.filter((turn) => turn.content !== "")
}

/** The transcript a prompt carries between the markers, if it carries one. */
export const findTranscript = (prompt: string): Option.Option<ReadonlyArray<TranscriptTurn>> => {
  const start = prompt.indexOf(transcriptStart)
  if (start === -1) return Option.none()
  const end = prompt.indexOf(transcriptEnd, start + transcriptStart.length)
  return Option.some(parseTranscript(prompt.slice(start + transcriptStart.length, end === -1 ? undefined : end)))
}
