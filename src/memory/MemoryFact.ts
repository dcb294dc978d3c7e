import { Schema } from "effect"
import { GraphType } from "../game/ExtractionSchema.js"

/** A remembered fact as `memory_facts` stores it; the schema decodes a row (snake_case columns). */
export const MemoryFact = Schema.Struct({
  id: Schema.String,
  userId: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("user_id")),
  conversationId: Schema.propertySignature(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("conversation_id")),
  fact: Schema.String,
  graphType: Schema.propertySignature(GraphType).pipe(Schema.fromKey("graph_type")),
  isActive: Schema.propertySignature(Schema.Boolean).pipe(Schema.fromKey("is_active")),
  supersededBy: Schema.propertySignature(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("superseded_by")),
  confidence: Schema.Number,
  source: Schema.String,
  createdAt: Schema.propertySignature(Schema.DateFromSelf).pipe(Schema.fromKey("created_at"))
})
export type MemoryFact = typeof MemoryFact.Type

/** A search hit: the fact and its cosine similarity (1 − cosine distance) to the query. */
export const ScoredMemoryFact = Schema.extend(MemoryFact, Schema.Struct({ similarity: Schema.Number }))
export type ScoredMemoryFact = typeof ScoredMemoryFact.Type

/** A new fact at or above this cosine similarity to an active one replaces it (DOMAIN.md). */
export const SUPERSEDE_SIMILARITY = 0.87
/** Confidence of facts the pipeline extracts. */
export const EXTRACTED_FACT_CONFIDENCE = 0.85
export const EXTRACTED_FACT_SOURCE = "pipeline_extraction"

/**
 * The key under which a fact counts as "identical": lower case, runs of white space collapsed,
 * trailing punctuation dropped, so "User works as a nurse." and "user works  as a nurse" match.
 */
export const normalizeFact = (text: string): string =>
  text.toLowerCase().replace(/\s+/g, " ").trim().replace(/[\s.,;:!?…]+$/u, "")
