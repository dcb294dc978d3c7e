import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Option, Schema } from "effect"
import { Embeddings } from "../model/Embeddings.js"
import { MemoryRepository } from "./MemoryRepository.js"
import { toVectorLiteral } from "./VectorLiteral.js"

/** Facts fetched and embedded per round; each round commits on its own. */
export const defaultBackfillBatchSize = 256

/** Smaller than every generated UUID: where the keyset pagination starts. */
const beforeFirstId = "00000000-0000-0000-0000-000000000000"

const PendingFact = Schema.Struct({ id: Schema.String, fact: Schema.String })
const Pending = Schema.Struct({ count: Schema.Number })

export interface BackfillReport {
  /** Facts without an embedding when the run started. */
  readonly total: number
  readonly embedded: number
  /** Facts whose embedding stayed `None` (provider failed after retries): left NULL for a later run. */
  readonly skipped: number
  readonly elapsedMillis: number
}

const perSecond = (count: number, millis: number) => (millis > 0 ? (count * 1000) / millis : 0)

/**
 * Embeds every memory fact whose embedding IS NULL (stored while the provider was failing), in
 * batches by id with keyset pagination (`id > last`), so facts that still get no embedding are
 * passed over instead of fetched forever. Each batch is one UPDATE statement (the memory
 * repository's, the table's one writer): an interrupted run keeps
 * every finished batch, and running again resumes with what is still NULL. Logs progress
 * (done/total, rate, ETA) after every batch.
 */
export const backfillEmbeddings = Effect.fn("EmbeddingBackfill.run")(function*(
  options: { readonly batchSize?: number } = {}
) {
  const sql = yield* SqlClient.SqlClient
  const embeddings = yield* Embeddings
  const memory = yield* MemoryRepository
  const batchSize = options.batchSize ?? defaultBackfillBatchSize

  const countPending = SqlSchema.single({
    Request: Schema.Void,
    Result: Pending,
    execute: () => sql`SELECT count(*)::int AS count FROM memory_facts WHERE embedding IS NULL`
  })
  const pendingAfter = SqlSchema.findAll({
    Request: Schema.String,
    Result: PendingFact,
    execute: (after) => sql`
      SELECT id, fact FROM memory_facts
      WHERE embedding IS NULL AND id > ${after}
      ORDER BY id
      LIMIT ${batchSize}`
  })
  const storeEmbeddings = memory.storeMissingEmbeddings

  // A count without its row, or rows of our own table failing their schema, are bugs; a SqlError
  // stays a failure the caller sees.
  const { count: total } = yield* countPending(undefined).pipe(
    Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
  )
  const started = yield* Clock.currentTimeMillis
  yield* Effect.log(`embedding backfill: ${total} fact(s) without an embedding`).pipe(
    Effect.annotateLogs({ total, batchSize, provider: embeddings.provider })
  )

  let after = beforeFirstId
  let embedded = 0
  let skipped = 0
  while (true) {
    const batch = yield* pendingAfter(after).pipe(Effect.catchTag("ParseError", Effect.die))
    const last = batch.at(-1)
    if (last === undefined) break
    const vectors = yield* embeddings.embedMany(batch.map((row) => row.fact))
    const ready = batch.flatMap((row, index) =>
      Option.match(vectors[index] ?? Option.none(), {
        onNone: () => [],
        onSome: (vector) => [{ id: row.id, embedding: toVectorLiteral(vector) }]
      })
    )
    const storedCount = ready.length === 0
      ? 0
      : (yield* storeEmbeddings(ready).pipe(Effect.catchTag("ParseError", Effect.die))).length
    embedded += storedCount
    skipped += batch.length - storedCount
    after = last.id

    const elapsed = (yield* Clock.currentTimeMillis) - started
    const done = embedded + skipped
    const rate = perSecond(done, elapsed)
    const remaining = Math.max(0, total - done)
    yield* Effect.log(
      `embedding backfill: ${done}/${total} (${rate.toFixed(1)}/s, ETA ${rate > 0 ? Math.ceil(remaining / rate) : "?"} s)`
    ).pipe(Effect.annotateLogs({ done, total, embedded, skipped, ratePerSecond: Number(rate.toFixed(1)) }))
  }

  const report: BackfillReport = { total, embedded, skipped, elapsedMillis: (yield* Clock.currentTimeMillis) - started }
  yield* Effect.log(`embedding backfill finished: ${embedded} embedded, ${skipped} skipped`).pipe(
    Effect.annotateLogs({ ...report })
  )
  return report
})
