import { Schema } from "effect"

/** Which memory graph a fact belongs to: about the player, the two of them, or Nikita herself. */
export const GraphType = Schema.Literal("user", "relationship", "nikita")
export type GraphType = typeof GraphType.Type

export const EmotionalTone = Schema.Literal("positive", "neutral", "negative", "mixed")
export type EmotionalTone = typeof EmotionalTone.Type

export const Horseman = Schema.Literal("criticism", "contempt", "defensiveness", "stonewalling")
export type Horseman = typeof Horseman.Type

export const RepairAttempt = Schema.Literal("none", "adequate", "good", "excellent")
export type RepairAttempt = typeof RepairAttempt.Type

const MetricDelta = Schema.Number.pipe(Schema.int(), Schema.between(-10, 10)).annotations({
  description: "integer change from -10 to 10 caused by this conversation"
})

export const ExtractedFact = Schema.Struct({
  text: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500)).annotations({
    description: "one self-contained fact in third person, e.g. \"User works as a nurse in Berlin\""
  }),
  graph_type: GraphType.annotations({
    description: "user: about the player; nikita: about Nikita; relationship: about the two of them"
  })
})
export type ExtractedFact = typeof ExtractedFact.Type

export const MetricDeltas = Schema.Struct({
  intimacy: MetricDelta,
  passion: MetricDelta,
  trust: MetricDelta,
  secureness: MetricDelta
})
export type MetricDeltas = typeof MetricDeltas.Type

export const ConversationSignals = Schema.Struct({
  horsemen: Schema.Array(Horseman).annotations({ description: "Gottman's horsemen the player showed" }),
  repair_attempt: RepairAttempt.annotations({ description: "how well the player tried to repair a conflict" }),
  vulnerability_exchange: Schema.Boolean.annotations({ description: "both of them disclosed feelings" })
})
export type ConversationSignals = typeof ConversationSignals.Type

export const BossVerdict = Schema.Literal("pass", "fail")

/** Stage 1's model output: what one conversation tells the game (DOMAIN.md, extraction). */
export const Extraction = Schema.Struct({
  facts: Schema.Array(ExtractedFact),
  threads: Schema.Array(Schema.String).annotations({ description: "open topics to pick up later" }),
  thoughts: Schema.Array(Schema.String).annotations({ description: "Nikita's inner reflections, first person" }),
  summary: Schema.String.annotations({ description: "1-2 sentences" }),
  emotional_tone: EmotionalTone,
  metric_deltas: MetricDeltas,
  signals: ConversationSignals,
  /**
   * Set only when the request says the conversation is a boss encounter; null otherwise.
   * Optional in the type so that extractions stored before it existed still read (absent = null);
   * the schema sent to the model requires it (strict mode), so a model always answers it.
   */
  boss_verdict: Schema.optional(
    Schema.NullOr(BossVerdict).annotations({
      description: "boss encounters only: did the player meet the chapter's challenge; null when no boss encounter"
    })
  )
})
export type Extraction = typeof Extraction.Type

/**
 * The extraction stage's result: the extraction, plus what the stage had to do to get it. A
 * `fallbackReason` means the model gave no usable answer and this is the empty extraction (the
 * run reports `partial_success` with the reason); `transcriptCut` that the oldest messages did
 * not fit the model's context.
 */
export interface ExtractionOutcome extends Extraction {
  readonly fallbackReason?: string | undefined
  readonly transcriptCut?: { readonly droppedMessages: number; readonly keptMessages: number } | undefined
}

/** What an empty transcript yields. */
export const emptyExtraction: Extraction = {
  facts: [],
  threads: [],
  thoughts: [],
  summary: "",
  emotional_tone: "neutral",
  metric_deltas: { intimacy: 0, passion: 0, trust: 0, secureness: 0 },
  signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: false },
  boss_verdict: null
}
