import type { EmotionalTone, ExtractedFact } from "../../game/ExtractionSchema.js"
import { Option } from "effect"
import { factFromSentence } from "./OfflineFacts.js"
import { countTone, toneOf } from "./OfflineSignals.js"
import { contentStems, isStopword, splitSentences, words } from "./OfflineText.js"
import type { TranscriptTurn } from "../Transcript.js"

const moodSentence: Record<EmotionalTone, string> = {
  positive: "The conversation felt warm and positive.",
  neutral: "It was a calm, everyday exchange.",
  negative: "The conversation was tense and left a sour note.",
  mixed: "The mood swung between warm and tense."
}

/** The most repeated content words, as a fallback topic when no fact was stated. */
const topics = (turns: ReadonlyArray<TranscriptTurn>): ReadonlyArray<string> => {
  const counts = new Map<string, { word: string; count: number }>()
  for (const turn of turns) {
    for (const word of words(turn.content)) {
      if (word.length < 4 || isStopword(word)) continue
      const key = contentStems(word)[0] ?? word
      const entry = counts.get(key)
      counts.set(key, { word: entry?.word ?? word, count: (entry?.count ?? 0) + 1 })
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count).slice(0, 3).map((entry) => entry.word)
}

/** Every fact the transcript states, in order, without repeats. */
export const factsOf = (turns: ReadonlyArray<TranscriptTurn>): ReadonlyArray<ExtractedFact> => {
  const seen = new Set<string>()
  const facts: Array<ExtractedFact> = []
  for (const turn of turns) {
    for (const sentence of splitSentences(turn.content)) {
      const found = factFromSentence(sentence, turn.role)
      if (Option.isSome(found) && !seen.has(found.value.text.toLowerCase())) {
        seen.add(found.value.text.toLowerCase())
        facts.push(found.value)
      }
    }
  }
  return facts
}

/** 1-2 sentences: what was shared (the first facts, else the main topics), then the mood. */
export const summarize = (
  turns: ReadonlyArray<TranscriptTurn>,
  facts: ReadonlyArray<ExtractedFact>,
  tone: EmotionalTone
): string => {
  if (turns.length === 0) return ""
  const shared = facts.slice(0, 2).map((fact) => fact.text)
  const about = topics(turns)
  const first = shared.length > 0
    ? `${shared.join("; ")}.`
    : about.length > 0
    ? `User and Nikita talked about ${about.join(", ")}.`
    : `User and Nikita exchanged ${turns.length} short messages.`
  return `${first} ${moodSentence[tone]}`
}

/** The offline summary of a transcript, for the summary stage's fallback. */
export const summarizeTranscript = (turns: ReadonlyArray<TranscriptTurn>): string =>
  summarize(turns, factsOf(turns), toneOf(countTone(turns)))
