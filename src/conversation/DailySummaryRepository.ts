import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import {
  addConversation,
  type ConversationOfTheDay,
  type DailySummaryState,
  dominantTone,
  emptyDay,
  KeyMoment,
  ToneCounts
} from "../game/DailySummary.js"
import { EmotionalTone } from "../game/EmotionalTone.js"

/**
 * `daily_summaries`: one row per player and local date. Folding a conversation in is a
 * read-modify-write under the row's lock, so two runs of the same player's day (which the
 * per-user lease already prevents) could still not lose each other's counts. The row is created
 * and locked in the same transaction, so not finding it, or a row failing its schema, is a bug.
 */

export const DailySummary = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  summary_date: Schema.String,
  conversation_ids: Schema.Array(Schema.String),
  conversation_count: Schema.Number,
  score_start: Schema.Number,
  score_end: Schema.Number,
  key_moments: Schema.Array(KeyMoment),
  tone_counts: ToneCounts,
  dominant_tone: Schema.NullOr(EmotionalTone)
})
export type DailySummary = typeof DailySummary.Type

const DayKey = Schema.Struct({ userId: Schema.String, summaryDate: Schema.String })

/** A uuid[] literal (uuids hold no character the literal would need to quote). */
const uuidArray = (ids: ReadonlyArray<string>) => `{${ids.join(",")}}`

const stateOf = (row: DailySummary): DailySummaryState => ({
  conversationIds: row.conversation_ids,
  scoreStart: row.score_start,
  scoreEnd: row.score_end,
  keyMoments: row.key_moments,
  toneCounts: row.tone_counts
})

export class DailySummaryRepository extends Effect.Service<DailySummaryRepository>()("aftertalk/DailySummaryRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const columns = sql`id, user_id, summary_date::text AS summary_date, conversation_ids::text[] AS conversation_ids,
      conversation_count, score_start, score_end, key_moments, tone_counts, dominant_tone`

    // The first conversation of the day creates the row with its score before as the day's start.
    const ensureDay = SqlSchema.void({
      Request: Schema.Struct({ userId: Schema.String, summaryDate: Schema.String, scoreStart: Schema.Number }),
      execute: ({ scoreStart, summaryDate, userId }) =>
        sql`
          INSERT INTO daily_summaries (user_id, summary_date, score_start, score_end)
          VALUES (${userId}, ${summaryDate}::date, ${scoreStart}, ${scoreStart})
          ON CONFLICT (user_id, summary_date) DO NOTHING`
    })

    const lockDay = SqlSchema.single({
      Request: DayKey,
      Result: DailySummary,
      execute: ({ summaryDate, userId }) =>
        sql`
          SELECT ${columns} FROM daily_summaries
          WHERE user_id = ${userId} AND summary_date = ${summaryDate}::date
          FOR UPDATE`
    })

    const findDay = SqlSchema.findOne({
      Request: DayKey,
      Result: DailySummary,
      execute: ({ summaryDate, userId }) =>
        sql`SELECT ${columns} FROM daily_summaries WHERE user_id = ${userId} AND summary_date = ${summaryDate}::date`
    })

    /** What a day's write sets from the folded day, in both statements that write it. */
    const dayTotals = {
      scoreEnd: Schema.Number,
      keyMoments: Schema.String,
      toneCounts: Schema.String,
      dominantTone: Schema.NullOr(EmotionalTone)
    }

    // The guard on conversation_ids repeats the domain's check in SQL: whatever happens above,
    // the database never lists (or counts) a conversation twice.
    const writeDay = SqlSchema.single({
      Request: Schema.Struct({
        id: Schema.String,
        conversationId: Schema.String,
        conversationCount: Schema.Number,
        ...dayTotals
      }),
      Result: DailySummary,
      execute: (day) =>
        sql`
          UPDATE daily_summaries SET
            conversation_ids = array_append(conversation_ids, ${day.conversationId}::uuid),
            conversation_count = ${day.conversationCount},
            score_end = ${day.scoreEnd},
            key_moments = ${day.keyMoments}::jsonb,
            tone_counts = ${day.toneCounts}::jsonb,
            dominant_tone = ${day.dominantTone},
            updated_at = now()
          WHERE id = ${day.id} AND NOT (${day.conversationId}::uuid = ANY (conversation_ids))
          RETURNING ${columns}`
    })

    // The day as the run found it, folded in one statement: a day not there yet is inserted
    // whole, one there is updated while it still counts the conversations it counted then. A
    // day that another write got to first writes nothing (no row): the caller then locks it.
    const writeFound = SqlSchema.findAll({
      Request: Schema.Struct({
        id: Schema.NullOr(Schema.String),
        userId: Schema.String,
        summaryDate: Schema.String,
        foundIds: Schema.Array(Schema.String),
        conversationIds: Schema.Array(Schema.String),
        scoreStart: Schema.Number,
        ...dayTotals
      }),
      Result: DailySummary,
      execute: (day) =>
        day.id === null
          ? sql`
            INSERT INTO daily_summaries (user_id, summary_date, conversation_ids, conversation_count, score_start, score_end,
                                         key_moments, tone_counts, dominant_tone)
            VALUES (${day.userId}, ${day.summaryDate}::date, ${uuidArray(day.conversationIds)}::uuid[], ${day.conversationIds.length},
                    ${day.scoreStart}, ${day.scoreEnd}, ${day.keyMoments}::jsonb, ${day.toneCounts}::jsonb, ${day.dominantTone})
            ON CONFLICT (user_id, summary_date) DO NOTHING
            RETURNING ${columns}`
          : sql`
            UPDATE daily_summaries SET
              conversation_ids = ${uuidArray(day.conversationIds)}::uuid[], conversation_count = ${day.conversationIds.length},
              score_end = ${day.scoreEnd}, key_moments = ${day.keyMoments}::jsonb, tone_counts = ${day.toneCounts}::jsonb,
              dominant_tone = ${day.dominantTone}, updated_at = now()
            WHERE id = ${day.id} AND conversation_ids = ${uuidArray(day.foundIds)}::uuid[]
            RETURNING ${columns}`
    })

    /**
     * Folds the conversation into the player's day `summaryDate` ("YYYY-MM-DD", local). Returns
     * the day as stored and whether this call counted the conversation (false on a re-run).
     * `found`: the day as the run's load found it (none: not there), which one statement folds
     * the conversation into when the day has not changed since; otherwise, and without it, the
     * day is created, locked and written in a transaction.
     */
    const record = Effect.fn("DailySummaryRepository.record")(function*(input: {
      readonly userId: string
      readonly summaryDate: string
      readonly conversation: ConversationOfTheDay
      readonly found?: Option.Option<DailySummaryState & { readonly id: string }>
    }) {
      const key = { userId: input.userId, summaryDate: input.summaryDate }
      if (input.found !== undefined) {
        const found = input.found
        const { counted, day } = addConversation(Option.getOrElse(found, () => emptyDay(input.conversation.scoreBefore)), input.conversation)
        if (counted) {
          const [written] = yield* writeFound({
            ...key,
            id: Option.isSome(found) ? found.value.id : null,
            foundIds: Option.isSome(found) ? found.value.conversationIds : [],
            conversationIds: day.conversationIds,
            scoreStart: day.scoreStart,
            scoreEnd: day.scoreEnd,
            keyMoments: JSON.stringify(day.keyMoments),
            toneCounts: JSON.stringify(day.toneCounts),
            dominantTone: dominantTone(day.toneCounts, input.conversation.tone)
          })
          if (written !== undefined) return { day: written, counted } as const
        }
      }
      return yield* sql.withTransaction(Effect.gen(function*() {
        yield* ensureDay({ ...key, scoreStart: input.conversation.scoreBefore })
        const current = yield* lockDay(key)
        const { counted, day } = addConversation(stateOf(current), input.conversation)
        if (!counted) return { day: current, counted } as const
        const written = yield* writeDay({
          id: current.id,
          conversationId: input.conversation.conversationId,
          conversationCount: day.conversationIds.length,
          scoreEnd: day.scoreEnd,
          keyMoments: JSON.stringify(day.keyMoments),
          toneCounts: JSON.stringify(day.toneCounts),
          dominantTone: dominantTone(day.toneCounts, input.conversation.tone)
        })
        return { day: written, counted } as const
      }))
    }, Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die }))

    /** The player's day, if anything was recorded for it. */
    const find = Effect.fn("DailySummaryRepository.find")(
      (input: { readonly userId: string; readonly summaryDate: string }) => findDay(input),
      Effect.catchTag("ParseError", Effect.die)
    )

    return { record, find } as const
  })
}) {}
