import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { LifeEvent } from "../game/LifeEventSchema.js"

/**
 * `life_events`: Nikita's day per player and local date, generated once and then only read.
 * The table holds up to 5 events per (user, date); a slot may hold two (sql/0004); one
 * generation per (user, date), marked by its first event (sql/0006).
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

    /** Slot order, as `forDay` reads a day back. */
    const slotRank = { morning: 1, afternoon: 2, evening: 3, night: 4 } as const

    /**
     * Stores the day's events unless the day already has some, and returns the day as stored.
     * One statement: the day's first event goes in only if the day has none (checked by the one
     * mark per day that sql/0006 allows, so a concurrent writer's day counts even when this
     * statement cannot see it yet), the others only if it went in: a day is never a mix of two
     * generations. A day already there is read back. At most `MAX_EVENTS_PER_DAY` are kept.
     */
    const storeDayOnce = Effect.fn("LifeEventRepository.storeDayOnce")(function*(input: {
      readonly userId: string
      readonly date: string
      readonly events: ReadonlyArray<LifeEvent>
    }) {
      const firstPerSlot = input.events.slice(0, MAX_EVENTS_PER_DAY)
      if (firstPerSlot.length === 0) return { events: yield* forDay(input), inserted: 0 }
      const columns = sql`user_id, event_date, time_slot, domain, description, importance, valence_delta, arousal_delta, first_of_day`
      const values = sql`${input.userId}::uuid, ${input.date}::date, time_slot, domain, description, importance, valence_delta, arousal_delta`
      const [row] = yield* sql<{ inserted: number }>`
        WITH day AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(firstPerSlot.map((event, n) => ({ n, ...event })))}::jsonb)
            AS e(n int, time_slot text, domain text, description text, importance float8, valence_delta float8, arousal_delta float8)
        ),
        first AS (
          INSERT INTO life_events (${columns})
          SELECT ${values}, true FROM day
          WHERE n = 0 AND NOT EXISTS (SELECT 1 FROM life_events WHERE user_id = ${input.userId} AND event_date = ${input.date}::date)
          ON CONFLICT (user_id, event_date) WHERE first_of_day DO NOTHING
          RETURNING 1
        ),
        rest AS (
          INSERT INTO life_events (${columns})
          SELECT ${values}, false FROM day WHERE n > 0 AND EXISTS (SELECT 1 FROM first) ORDER BY n
          RETURNING 1
        )
        SELECT ((SELECT count(*) FROM first) + (SELECT count(*) FROM rest))::int AS inserted`
      const inserted = row?.inserted ?? 0
      if (inserted === 0) return { events: yield* forDay(input), inserted }
      const events = firstPerSlot.map((event, n) => ({ event, n }))
        .sort((a, b) => slotRank[a.event.time_slot] - slotRank[b.event.time_slot] || a.n - b.n)
        .map(({ event }) => event)
      return { events, inserted }
    })

    return { forDay, storeDayOnce } as const
  })
}) {}
