import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { LifeEvent } from "../game/LifeEventSchema.js"

/**
 * `life_events`: Nikita's day per player and local date, generated once and then only read.
 * The table holds up to 5 events per (user, date); a slot may hold two (sql/0004).
 */

const DayRequest = Schema.Struct({ userId: Schema.String, date: Schema.String })

/** DOMAIN.md: 3-5 events a day. */
export const MAX_EVENTS_PER_DAY = 5

export class LifeEventRepository extends Effect.Service<LifeEventRepository>()("aftertalk/LifeEventRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const findDay = SqlSchema.findAll({
      Request: DayRequest,
      Result: LifeEvent,
      execute: ({ date, userId }) =>
        sql`
          SELECT time_slot, domain, description, importance, valence_delta, arousal_delta
          FROM life_events
          WHERE user_id = ${userId} AND event_date = ${date}::date
          ORDER BY CASE time_slot WHEN 'morning' THEN 1 WHEN 'afternoon' THEN 2 WHEN 'evening' THEN 3 ELSE 4 END,
                   created_at`
    })

    /** The day's events in slot order (morning → night); empty when none were generated yet. */
    const forDay = Effect.fn("LifeEventRepository.forDay")(
      (input: { readonly userId: string; readonly date: string }): Effect.Effect<ReadonlyArray<LifeEvent>, SqlError.SqlError> =>
        findDay(input).pipe(Effect.catchTag("ParseError", Effect.die))
    )

    /**
     * Stores the day's events unless the day already has some, and returns the day as stored.
     * A transaction-scoped advisory lock on (user, date) makes concurrent writers take turns, so a
     * day is never a mix of two generations. At most `MAX_EVENTS_PER_DAY` are kept.
     */
    const storeDayOnce = Effect.fn("LifeEventRepository.storeDayOnce")(function*(input: {
      readonly userId: string
      readonly date: string
      readonly events: ReadonlyArray<LifeEvent>
    }) {
      const firstPerSlot = input.events.slice(0, MAX_EVENTS_PER_DAY)
      return yield* sql.withTransaction(
        Effect.gen(function*() {
          yield* sql`SELECT pg_advisory_xact_lock(hashtext(${`life_events:${input.userId}:${input.date}`}))`
          const existing = yield* forDay(input)
          if (existing.length > 0 || firstPerSlot.length === 0) return { events: existing, inserted: 0 }
          const rows = firstPerSlot.map((event) => ({ user_id: input.userId, event_date: input.date, ...event }))
          const inserted = yield* sql`
            INSERT INTO life_events ${sql.insert(rows)}
            RETURNING id`
          return { events: yield* forDay(input), inserted: inserted.length }
        })
      )
    })

    return { forDay, storeDayOnce } as const
  })
}) {}
