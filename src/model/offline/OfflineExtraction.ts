import {
  type ConversationSignals,
  type EmotionalTone,
  emptyExtraction,
  type ExtractedFact,
  type Extraction,
  type MetricDeltas
} from "../../game/ExtractionSchema.js"
import { futureMarkers } from "./OfflineLexicon.js"
import { countTone, signalsOf, type ToneCounts, toneOf } from "./OfflineSignals.js"
import { factsOf, summarize } from "./OfflineSummary.js"
import { clamp, normalizeQuotes, splitSentences } from "./OfflineText.js"
import type { TranscriptTurn } from "../Transcript.js"

const maxFacts = 12
const maxThreads = 5
const maxThoughts = 3

const repairBonus = { none: 0, adequate: 1, good: 2, excellent: 3 } as const

/**
 * Metric deltas from the mood balance (−5..5) plus the signals: disclosure builds intimacy and
 * trust, flirting passion, repair trust and secureness; each horseman costs trust and secureness,
 * contempt and stonewalling the most. Clamped to −10..10.
 */
const deltasOf = (counts: ToneCounts, signals: ConversationSignals, facts: ReadonlyArray<ExtractedFact>): MetricDeltas => {
  const balance = clamp(counts.positive - counts.negative, -5, 5)
  const vulnerable = signals.vulnerability_exchange ? 1 : 0
  const repair = repairBonus[signals.repair_attempt]
  const harsh = signals.horsemen.filter((h) => h === "contempt" || h === "stonewalling").length
  const mild = signals.horsemen.length - harsh
  const shared = facts.some((fact) => fact.graph_type === "user") ? 1 : 0
  const delta = (value: number) => clamp(Math.round(value), -10, 10)
  return {
    intimacy: delta(balance * 0.8 + vulnerable * 3 + shared),
    passion: delta(balance * 0.6 + Math.min(3, counts.flirt)),
    trust: delta(balance * 0.5 + vulnerable * 2 + repair - 2 * mild - 3 * harsh),
    secureness: delta(balance * 0.5 + repair - 2 * mild - 3 * harsh)
  }
}

const isOpen = (turns: ReadonlyArray<TranscriptTurn>, index: number): boolean => {
  const speaker = turns[index]?.role
  const reply = turns.slice(index + 1).find((turn) => turn.role !== speaker)
  return reply === undefined || reply.content.split(/\s+/).length < 3
}

/** Questions left without a real answer, and plans the player mentioned ("interview tomorrow"). */
const threadsOf = (turns: ReadonlyArray<TranscriptTurn>, facts: ReadonlyArray<ExtractedFact>): ReadonlyArray<string> => {
  const threads: Array<string> = []
  turns.forEach((turn, index) => {
    for (const sentence of splitSentences(turn.content)) {
      if (sentence.endsWith("?") && sentence.split(/\s+/).length >= 3 && isOpen(turns, index)) {
        threads.push(`${turn.role === "user" ? "User" : "Nikita"} asked: ${sentence}`)
      }
    }
  })
  for (const fact of facts) {
    const lower = fact.text.toLowerCase()
    if (fact.graph_type !== "nikita" && futureMarkers.some((marker) => lower.includes(marker))) threads.push(fact.text)
  }
  return [...new Set(threads)].slice(0, maxThreads)
}

const moodThought: Record<EmotionalTone, string> = {
  positive: "That felt warm. I like who I am when we talk like this.",
  neutral: "An ordinary talk. I wonder what they are not telling me yet.",
  negative: "That stung. I need a moment before I reach out again.",
  mixed: "I can't tell where we stand after that; part of it was lovely and part of it hurt."
}

/** Nikita's inner reflections, templated from what she learned and how it felt. */
const thoughtsOf = (
  turns: ReadonlyArray<TranscriptTurn>,
  facts: ReadonlyArray<ExtractedFact>,
  tone: EmotionalTone,
  signals: ConversationSignals
): ReadonlyArray<string> => {
  const thoughts: Array<string> = []
  const learned = facts.find((fact) => fact.graph_type === "user")
  if (learned !== undefined) thoughts.push(`I want to remember this: ${normalizeQuotes(learned.text)}. I should ask more about it.`)
  if (signals.vulnerability_exchange) thoughts.push("They opened up to me, and I opened up too. That matters.")
  if (signals.repair_attempt !== "none") thoughts.push("They apologized. I want to believe they meant it.")
  if (turns.length > 0) thoughts.push(moodThought[tone])
  return thoughts.slice(0, maxThoughts)
}

/**
 * The offline boss verdict: a boss conversation passes when it was positive without any of the
 * horsemen, or carried a real repair or an exchange of vulnerability.
 */
const bossVerdictOf = (tone: Extraction["emotional_tone"], signals: Extraction["signals"]): "pass" | "fail" =>
  (tone === "positive" && signals.horsemen.length === 0) || signals.repair_attempt === "good" ||
    signals.repair_attempt === "excellent" || signals.vulnerability_exchange
    ? "pass"
    : "fail"

/**
 * The offline extraction of a transcript; an empty transcript yields empty results. `boss` says
 * whether the request asked for a boss verdict.
 */
export const extractOffline = (turns: ReadonlyArray<TranscriptTurn>, boss: boolean = false): Extraction => {
  if (turns.length === 0) return emptyExtraction
  const facts = factsOf(turns).slice(0, maxFacts)
  const counts = countTone(turns)
  const tone = toneOf(counts)
  const signals = signalsOf(turns)
  return {
    facts,
    threads: threadsOf(turns, facts),
    thoughts: thoughtsOf(turns, facts, tone, signals),
    summary: summarize(turns, facts, tone),
    emotional_tone: tone,
    metric_deltas: deltasOf(counts, signals, facts),
    signals,
    boss_verdict: boss ? bossVerdictOf(tone, signals) : null
  }
}
