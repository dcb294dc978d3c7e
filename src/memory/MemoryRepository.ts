import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Cache, Effect, Option, Schema } from "effect"
import type { GraphType } from "../game/ExtractionSchema.js"
import { Embeddings } from "../model/Embeddings.js"
import {
  EXTRACTED_FACT_CONFIDENCE,
  EXTRACTED_FACT_SOURCE,
  MemoryFact,
  normalizeFact,
  ScoredMemoryFact,
  SUPERSEDE_SIMILARITY
} from "./MemoryFact.js"
import { toVectorParameter } from "./VectorLiteral.js"

/**
 * `memory_facts`: what Nikita remembers about the player, the two of them and herself. Facts are
 * never deleted: a newer, similar fact marks the old one inactive with `superseded_by`, so the
 * history of what she was told stays readable.
 */

export interface NewFact {
  readonly text: string
  readonly graphType: GraphType
  /** `None` when embedding failed: the fact is stored unsearchable until the backfill embeds it. */
  readonly embedding: Option.Option<ReadonlyArray<number>>
}

export interface AddFactsResult {
  readonly inserted: number
  readonly superseded: number
  readonly unchanged: number
  readonly withoutEmbedding: number
}

type FactOutcome = "inserted" | "superseded" | "unchanged"


/** Rows of our own table that fail our own schema are a bug, not a condition callers handle. */
const decodeOrDie = <A, I>(schema: Schema.Schema<A, I>) => (rows: ReadonlyArray<unknown>) =>
  Schema.decodeUnknown(Schema.Array(schema))(rows).pipe(Effect.orDie)

export class MemoryRepository extends Effect.Service<MemoryRepository>()("aftertalk/MemoryRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const embeddings = yield* Embeddings

    /**
     * Query embeddings of the last minute: a run's text and voice prompts search with the same
     * query, and concurrent lookups of one text share one request. A text that got no embedding
     * is dropped from the cache, so the next search asks again.
     */
    const queryEmbeddings = yield* Cache.make({
      capacity: 1024,
      timeToLive: "1 minute",
      lookup: (text: string) => embeddings.embed(text)
    })
    const embedQuery = (text: string) =>
      Effect.tap(queryEmbeddings.get(text), (vector) => Option.isNone(vector) ? queryEmbeddings.invalidate(text) : Effect.void)

    const columns = sql`id, user_id, conversation_id, fact, graph_type, is_active, superseded_by, confidence, source, created_at`

    /** The search statement, exposed so that a test can check its plan. */
    const searchStatement = (input: {
      readonly userId: string
      readonly embedding: ReadonlyArray<number>
      readonly limit: number
      readonly graphType?: GraphType
    }) => {
      const vector = toVectorParameter(input.embedding)
      const graphFilter = input.graphType === undefined ? sql`` : sql`AND graph_type = ${input.graphType}`
      return sql`
        SELECT ${columns}, 1 - (embedding <=> ${vector}::vector) AS similarity
        FROM memory_facts
        WHERE user_id = ${input.userId} AND is_active AND embedding IS NOT NULL ${graphFilter}
        ORDER BY embedding <=> ${vector}::vector
        LIMIT ${Math.max(0, Math.floor(input.limit))}`
    }

    const OutcomeRow = Schema.Struct({ inserted: Schema.NullOr(Schema.String), superseded: Schema.Number })

    /**
     * One fact in one statement (atomic, one round trip): known already → unchanged; else
     * inserted, and the most similar active fact (as found before the insert) superseded by it
     * when it is at least SUPERSEDE_SIMILARITY alike.
     */
    const addOne = (input: {
      readonly userId: string
      readonly conversationId: string
      readonly fact: NewFact
    }): Effect.Effect<FactOutcome, SqlError.SqlError> =>
      Effect.gen(function*() {
        const { fact } = input
        const normalized = normalizeFact(fact.text)
        if (normalized === "") return "unchanged"
        const vector = Option.getOrNull(Option.map(fact.embedding, toVectorParameter))
        // A fact this conversation already stored counts as known even after something newer
        // superseded it: a re-run must not bring it back or supersede twice. A fact retired by
        // force_reprocess (superseded by itself, see `retireConversation`) is not known.
        // Another writer storing the identical fact meanwhile makes the insert do nothing.
        const nearest = vector === null
          ? sql`SELECT NULL::uuid AS id, 0::float8 AS similarity WHERE false`
          : sql`
              SELECT id, 1 - (embedding <=> ${vector}::vector) AS similarity
              FROM memory_facts
              WHERE user_id = ${input.userId} AND is_active AND embedding IS NOT NULL
              ORDER BY embedding <=> ${vector}::vector
              LIMIT 1`
        const rows = yield* sql`
          WITH known AS (
            SELECT id FROM memory_facts
            WHERE user_id = ${input.userId} AND normalized_fact = ${normalized}
              AND (is_active OR (conversation_id = ${input.conversationId} AND superseded_by IS DISTINCT FROM id))
            LIMIT 1
          ), nearest AS (${nearest}), inserted AS (
            INSERT INTO memory_facts (user_id, conversation_id, fact, normalized_fact, graph_type, embedding,
                                      confidence, source)
            SELECT ${input.userId}::uuid, ${input.conversationId}::uuid, ${fact.text}::text, ${normalized}::text,
                   ${fact.graphType}::text, ${vector}::vector, ${EXTRACTED_FACT_CONFIDENCE}::float8,
                   ${EXTRACTED_FACT_SOURCE}::text
            WHERE NOT EXISTS (SELECT 1 FROM known)
            ON CONFLICT (user_id, normalized_fact) WHERE is_active DO NOTHING
            RETURNING id
          ), superseded AS (
            UPDATE memory_facts SET is_active = false, superseded_by = (SELECT id FROM inserted)
            WHERE id = (SELECT id FROM nearest WHERE similarity >= ${SUPERSEDE_SIMILARITY})
              AND is_active AND EXISTS (SELECT 1 FROM inserted)
            RETURNING id
          )
          SELECT (SELECT id FROM inserted) AS inserted, (SELECT count(*) FROM superseded)::int AS superseded`.pipe(
          Effect.flatMap(decodeOrDie(OutcomeRow))
        )
        const row = rows[0]
        if (row === undefined || row.inserted === null) return "unchanged"
        return row.superseded > 0 ? "superseded" : "inserted"
      })

    /**
     * force_reprocess: takes back a conversation's facts before the new run stores its own. Facts
     * are never deleted: they become inactive, marked superseded by themselves (retired by a
     * re-run, not by a newer fact), and the older facts they had superseded become active again.
     */
    const retireConversation = Effect.fn("MemoryRepository.retireConversation")(function*(input: {
      readonly userId: string
      readonly conversationId: string
    }) {
      yield* sql.withTransaction(Effect.all([
        sql`
          UPDATE memory_facts o SET is_active = true, superseded_by = NULL
          WHERE o.user_id = ${input.userId} AND NOT o.is_active
            AND o.conversation_id IS DISTINCT FROM ${input.conversationId}
            AND o.superseded_by IN (
              SELECT id FROM memory_facts WHERE user_id = ${input.userId} AND conversation_id = ${input.conversationId} AND is_active)
            AND NOT EXISTS (
              SELECT 1 FROM memory_facts a
              WHERE a.user_id = o.user_id AND a.is_active AND a.normalized_fact = o.normalized_fact)`,
        sql`
          UPDATE memory_facts SET is_active = false, superseded_by = id
          WHERE user_id = ${input.userId} AND conversation_id = ${input.conversationId} AND is_active`
      ], { discard: true }))
    })

    /**
     * Stores a conversation's facts, one after another (a later fact may supersede an earlier
     * one of the same batch). Each fact is its own statement, so a crash mid-way keeps what was
     * stored and the re-run finds it unchanged.
     */
    const addFacts = Effect.fn("MemoryRepository.addFacts")(function*(input: {
      readonly userId: string
      readonly conversationId: string
      readonly facts: ReadonlyArray<NewFact>
    }) {
      const result = { inserted: 0, superseded: 0, unchanged: 0, withoutEmbedding: 0 }
      for (const fact of input.facts) {
        const outcome = yield* addOne({ userId: input.userId, conversationId: input.conversationId, fact })
        result[outcome] += 1
        if (outcome !== "unchanged" && Option.isNone(fact.embedding)) result.withoutEmbedding += 1
      }
      const added: AddFactsResult = result
      return added
    })

    /**
     * The user's active facts most similar to `embedding`, best first: an exact scan of the
     * player's active facts (index `memory_facts_by_user`, vectors stored inline; see
     * sql/0003_memory_search_exact.sql), so no fact is ever missed. Facts without an embedding
     * are never returned.
     */
    const search = Effect.fn("MemoryRepository.search")(function*(input: {
      readonly userId: string
      readonly embedding: ReadonlyArray<number>
      readonly limit: number
      readonly graphType?: GraphType
    }) {
      const rows = yield* searchStatement(input)
      return yield* decodeOrDie(ScoredMemoryFact)(rows)
    })

    /** `search` for a text query; an empty result when the query cannot be embedded right now. */
    const searchText = Effect.fn("MemoryRepository.searchText")(function*(input: {
      readonly userId: string
      readonly query: string
      readonly limit: number
      readonly graphType?: GraphType
    }) {
      const embedding = yield* embedQuery(input.query)
      if (Option.isNone(embedding)) {
        yield* Effect.logWarning("memory search without results: the query could not be embedded")
        return []
      }
      const { query: _query, ...rest } = input
      return yield* search({ ...rest, embedding: embedding.value })
    })

    /** The user's newest active facts: the fallback when no query embedding is available. */
    const recent = Effect.fn("MemoryRepository.recent")(function*(input: {
      readonly userId: string
      readonly limit: number
    }) {
      const rows = yield* sql`
        SELECT ${columns} FROM memory_facts
        WHERE user_id = ${input.userId} AND is_active
        ORDER BY created_at DESC, id
        LIMIT ${Math.max(0, Math.floor(input.limit))}`
      return yield* decodeOrDie(MemoryFact)(rows)
    })

    /**
     * `searchText`, with the newest facts to pad a search that found fewer than `limit` (`recent`,
     * empty when it found enough), in one statement.
     */
    const searchTextOrRecent = Effect.fn("MemoryRepository.searchTextOrRecent")(function*(input: {
      readonly userId: string
      readonly query: string
      readonly limit: number
    }) {
      const embedding = yield* embedQuery(input.query)
      if (Option.isNone(embedding)) {
        yield* Effect.logWarning("memory search without results: the query could not be embedded")
        return { found: [], recent: yield* recent(input) }
      }
      const limit = Math.max(0, Math.floor(input.limit))
      const rows = yield* sql<{ part: number }>`
        WITH found AS (
          SELECT row_number() OVER () AS rank, s.* FROM (${searchStatement({ ...input, embedding: embedding.value })}) s
        ),
        recent AS (
          SELECT row_number() OVER (ORDER BY created_at DESC, id) AS rank, ${columns}, NULL::float8 AS similarity
          FROM memory_facts WHERE user_id = ${input.userId} AND is_active
          ORDER BY created_at DESC, id LIMIT ${limit}
        )
        SELECT 0 AS part, found.* FROM found
        UNION ALL
        SELECT 1, recent.* FROM recent WHERE (SELECT count(*) FROM found) < ${limit}
        ORDER BY part, rank`
      return {
        found: yield* decodeOrDie(ScoredMemoryFact)(rows.filter((row) => row.part === 0)),
        recent: yield* decodeOrDie(MemoryFact)(rows.filter((row) => row.part === 1))
      }
    })

    /**
     * The embedding backfill's write: one statement per batch of `[id, vector literal]`;
     * `embedding IS NULL` leaves alone what another writer set meanwhile. Returns the ids updated.
     */
    const storeMissingEmbeddings = SqlSchema.findAll({
      Request: Schema.Array(Schema.Struct({ id: Schema.String, embedding: Schema.String })),
      Result: Schema.Struct({ id: Schema.String }),
      execute: (rows) => sql`
        UPDATE memory_facts SET embedding = data.embedding::vector
        FROM ${sql.updateValues(rows, "data")}
        WHERE memory_facts.id = data.id::uuid AND memory_facts.embedding IS NULL
        RETURNING memory_facts.id`
    })

    return { addFacts, retireConversation, search, searchStatement, searchText, searchTextOrRecent, recent, storeMissingEmbeddings } as const
  }),
  dependencies: [Embeddings.Default]
}) {}
