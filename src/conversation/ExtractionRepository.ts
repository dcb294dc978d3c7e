import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Extraction } from "../game/ExtractionSchema.js"

/**
 * `conversation_extractions`: the validated extraction of each conversation. The model is not
 * deterministic, the pipeline must be: a re-run works from the stored extraction unless the run
 * asks for a fresh one (force_reprocess).
 */

const StoredExtraction = Schema.Struct({ extraction: Schema.parseJson(Extraction) })

export class ExtractionRepository extends Effect.Service<ExtractionRepository>()("aftertalk/ExtractionRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    // The column is read as text so that one schema decodes it whatever the driver does with jsonb.
    const findStored = SqlSchema.findOne({
      Request: Schema.String,
      Result: StoredExtraction,
      execute: (conversationId) =>
        sql`SELECT extraction::text AS extraction FROM conversation_extractions WHERE conversation_id = ${conversationId}`
    })

    /** The stored extraction; a ParseError means it no longer matches the schema. */
    const find = Effect.fn("ExtractionRepository.find")(function*(conversationId: string) {
      const stored = yield* findStored(conversationId)
      return Option.map(stored, (row) => row.extraction)
    })

    const encode = Schema.encode(Schema.parseJson(Extraction))

    /**
     * Stores the extraction unless one is stored already, and returns the one that is stored: when
     * two runs race, both continue with the first one written.
     */
    const keepFirst = Effect.fn("ExtractionRepository.keepFirst")(function*(input: {
      readonly conversationId: string
      readonly extraction: Extraction
    }) {
      const json = yield* encode(input.extraction)
      // One round trip: the row inserted, or the one already there. A row committed by a racing
      // run after this statement began is not in its snapshot: then it is read again.
      const rows = yield* sql`
        WITH inserted AS (
          INSERT INTO conversation_extractions (conversation_id, extraction)
          VALUES (${input.conversationId}, ${json}::jsonb)
          ON CONFLICT (conversation_id) DO NOTHING
          RETURNING 1
        )
        SELECT ${json}::text AS extraction FROM inserted
        UNION ALL
        SELECT extraction::text FROM conversation_extractions
        WHERE conversation_id = ${input.conversationId} AND NOT EXISTS (SELECT 1 FROM inserted)`
      const [row] = yield* Schema.decodeUnknown(Schema.Array(StoredExtraction))(rows)
      if (row !== undefined) return row.extraction
      const stored = yield* find(input.conversationId)
      return Option.getOrElse(stored, () => input.extraction)
    })

    /** Replaces the stored extraction (force_reprocess). */
    const replace = Effect.fn("ExtractionRepository.replace")(function*(input: {
      readonly conversationId: string
      readonly extraction: Extraction
    }) {
      const json = yield* encode(input.extraction)
      yield* sql`
        INSERT INTO conversation_extractions (conversation_id, extraction)
        VALUES (${input.conversationId}, ${json}::jsonb)
        ON CONFLICT (conversation_id) DO UPDATE SET extraction = excluded.extraction, created_at = now()`
    })

    return { find, keepFirst, replace } as const
  })
}) {}
