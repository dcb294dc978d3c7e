import type { ConversationSignals, EmotionalTone, Horseman, RepairAttempt } from "../../game/ExtractionSchema.js"
import {
  accountabilityPhrases,
  apologyPhrases,
  disclosurePatterns,
  flirtStems,
  horsemenPhrases,
  negativeStems,
  negators,
  positiveStems,
  stonewallingReplies,
  strongApologyPhrases
} from "./OfflineLexicon.js"
import { normalizeQuotes, stem, words } from "./OfflineText.js"
import type { TranscriptTurn } from "../Transcript.js"

const lowerText = (text: string): string => normalizeQuotes(text).toLowerCase()

const containsPhrase = (text: string, phrase: string): boolean =>
  new RegExp(`(?:^|[^\\p{L}'])${phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:$|[^\\p{L}])`, "u").test(text)

export interface ToneCounts {
  readonly positive: number
  readonly negative: number
  readonly flirt: number
}

/**
 * Counts mood words; a negator just before a word flips it ("not happy" is negative). The player's
 * words count fully, Nikita's half: the tone is about how the player came across.
 */
export const countTone = (turns: ReadonlyArray<TranscriptTurn>): ToneCounts => {
  let positive = 0
  let negative = 0
  let flirt = 0
  for (const turn of turns) {
    const weight = turn.role === "user" ? 1 : 0.5
    const tokens = words(turn.content)
    tokens.forEach((word, index) => {
      const stemmed = stem(word)
      const negated = (index > 0 && negators.has(tokens[index - 1] ?? "")) ||
        (index > 1 && negators.has(tokens[index - 2] ?? ""))
      const isPositive = positiveStems.has(stemmed) || positiveStems.has(word)
      const isNegative = negativeStems.has(stemmed) || negativeStems.has(word)
      if (isPositive && negated) negative += weight
      else if (isPositive) positive += weight
      else if (isNegative && negated) positive += weight * 0.5
      else if (isNegative) negative += weight
      if (flirtStems.has(stemmed) || flirtStems.has(word)) flirt += weight
    })
  }
  return { positive, negative, flirt }
}

/** Mixed when both sides of the lexicon show up in comparable amounts. */
export const toneOf = ({ negative, positive }: ToneCounts): EmotionalTone => {
  if (positive === 0 && negative === 0) return "neutral"
  const weaker = Math.min(positive, negative)
  const stronger = Math.max(positive, negative)
  if (weaker / stronger >= 0.5) return "mixed"
  return positive > negative ? "positive" : "negative"
}

const horsemenOf = (userTurns: ReadonlyArray<TranscriptTurn>): ReadonlyArray<Horseman> => {
  const found = new Set<Horseman>()
  for (const turn of userTurns) {
    const text = lowerText(turn.content)
    for (const [horseman, phrases] of horsemenPhrases) {
      if (phrases.some((phrase) => containsPhrase(text, phrase))) found.add(horseman)
    }
    if (stonewallingReplies.has(text.replace(/[^\p{L}]/gu, ""))) found.add("stonewalling")
  }
  return horsemenPhrases.map(([horseman]) => horseman).filter((horseman) => found.has(horseman))
}

const repairOf = (userTurns: ReadonlyArray<TranscriptTurn>): RepairAttempt => {
  const text = userTurns.map((turn) => lowerText(turn.content)).join("\n")
  const apologies = apologyPhrases.filter((phrase) => containsPhrase(text, phrase)).length
  if (apologies === 0) return "none"
  if (accountabilityPhrases.some((phrase) => containsPhrase(text, phrase))) return "excellent"
  if (apologies > 1 || strongApologyPhrases.some((phrase) => containsPhrase(text, phrase))) return "good"
  return "adequate"
}

const discloses = (turns: ReadonlyArray<TranscriptTurn>): boolean =>
  turns.some((turn) => disclosurePatterns.some((pattern) => pattern.test(lowerText(turn.content))))

/** Horsemen and repair come from the player's turns; a vulnerability exchange needs both sides. */
export const signalsOf = (turns: ReadonlyArray<TranscriptTurn>): ConversationSignals => {
  const userTurns = turns.filter((turn) => turn.role === "user")
  const nikitaTurns = turns.filter((turn) => turn.role === "nikita")
  return {
    horsemen: horsemenOf(userTurns),
    repair_attempt: repairOf(userTurns),
    vulnerability_exchange: discloses(userTurns) && discloses(nikitaTurns)
  }
}
