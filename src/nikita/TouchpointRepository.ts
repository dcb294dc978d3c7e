import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"

/**
 * `scheduled_touchpoints`: Nikita's proactive messages, at most one per conversation (the unique
 * `conversation_id`). Delivery is someone else's job; the pipeline only schedules and reads the
 * user's recent history for the cooldowns.
 */

export const TouchpointTrigger = Schema.Literal("gap", "event", "time")
export type TouchpointTrigger = typeof TouchpointTrigger.Type

export const ScheduledTouchpoint = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  conversation_id: Schema.NullOr(Schema.String),
  trigger_type: TouchpointTrigger,
  trigger_context: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  deliver_at: Schema.DateFromSelf,
  status: Schema.Literal("pending", "delivered", "cancelled"),
  delivered_at: Schema.NullOr(Schema.DateFromSelf),
  created_at: Schema.DateFromSelf
})
export type ScheduledTouchpoint = typeof ScheduledTouchpoint.Type

/** What the cooldown rules need to know about the user's other touchpoints. */
export const TouchpointHistory = Schema.Struct({
  has_pending: Schema.Boolean,
  last_delivered_at: Schema.NullOr(Schema.DateFromSelf),
  last_created_at: Schema.NullOr(Schema.DateFromSelf)
})
export type TouchpointHistory = typeof TouchpointHistory.Type

export interface NewTouchpoint {
  readonly userId: string
  readonly conversationId: string
  readonly trigger: TouchpointTrigger
  readonly triggerContext: Readonly<Record<string, unknown>>
  readonly deliverAt: Date
}

export class TouchpointRepository extends Effect.Service<TouchpointRepository>()("aftertalk/TouchpointRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const findForConversation = SqlSchema.findOne({
      Request: Schema.String,
      Result: ScheduledTouchpoint,
      execute: (conversationId) => sql`SELECT * FROM scheduled_touchpoints WHERE conversation_id = ${conversationId}`
    })

    /** The row this conversation already scheduled, if any: a re-run returns it instead of scheduling again. */
    const forConversation = Effect.fn("TouchpointRepository.forConversation")(
      (conversationId: string) => findForConversation(conversationId),
      Effect.catchTag("ParseError", Effect.die)
    )

    // The conversation's own row is left out so that its existence never suppresses itself.
    const findHistory = SqlSchema.single({
      Request: Schema.Struct({ userId: Schema.String, excludingConversationId: Schema.String }),
      Result: TouchpointHistory,
      execute: ({ excludingConversationId, userId }) =>
        sql`
          SELECT coalesce(bool_or(status = 'pending'), false) AS has_pending,
                 max(delivered_at) AS last_delivered_at,
                 max(created_at) AS last_created_at
          FROM scheduled_touchpoints
          WHERE user_id = ${userId}
            AND conversation_id IS DISTINCT FROM ${excludingConversationId}::uuid`
    })

    const history = Effect.fn("TouchpointRepository.history")(
      (input: { readonly userId: string; readonly excludingConversationId: string }) => findHistory(input),
      // An aggregate without GROUP BY always returns one row.
      Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
    )

    const insert = SqlSchema.findAll({
      Request: Schema.Struct({
        userId: Schema.String,
        conversationId: Schema.String,
        trigger: TouchpointTrigger,
        triggerContext: Schema.String,
        deliverAt: Schema.DateFromSelf
      }),
      Result: ScheduledTouchpoint,
      execute: (row) =>
        sql`
          INSERT INTO scheduled_touchpoints (user_id, conversation_id, trigger_type, trigger_context, deliver_at)
          VALUES (${row.userId}, ${row.conversationId}, ${row.trigger}, ${row.triggerContext}::jsonb, ${row.deliverAt})
          ON CONFLICT (conversation_id) DO NOTHING
          RETURNING *`
    })

    /**
     * Schedules the conversation's touchpoint. When a row for the conversation already exists
     * (a concurrent or earlier run), that row is returned and nothing new is written.
     */
    const schedule = Effect.fn("TouchpointRepository.schedule")(function*(touchpoint: NewTouchpoint) {
      const inserted = yield* insert({ ...touchpoint, triggerContext: JSON.stringify(touchpoint.triggerContext) })
      const row = inserted[0]
      if (row !== undefined) {
        yield* Effect.logInfo("touchpoint scheduled").pipe(
          Effect.annotateLogs({ trigger: row.trigger_type, deliver_at: row.deliver_at.toISOString() })
        )
        return { touchpoint: row, created: true } as const
      }
      const existing = yield* findForConversation(touchpoint.conversationId)
      if (Option.isNone(existing)) {
        return yield* Effect.dieMessage(`touchpoint of conversation ${touchpoint.conversationId} vanished after a conflict`)
      }
      return { touchpoint: existing.value, created: false } as const
    }, Effect.catchTag("ParseError", Effect.die))

    return { forConversation, history, schedule } as const
  })
}) {}
