import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"

/**
 * `conversation_threads`: open topics a conversation left behind, for Nikita to pick up later.
 * A topic is stored once per conversation (unique (conversation_id, topic)), so re-runs add nothing.
 */

export const Thread = Schema.Struct({
  id: Schema.String,
  conversation_id: Schema.String,
  topic: Schema.String,
  status: Schema.Literal("open", "resolved"),
  created_at: Schema.DateFromSelf
})
export type Thread = typeof Thread.Type

export class ThreadRepository extends Effect.Service<ThreadRepository>()("aftertalk/ThreadRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /** Returns how many topics were new. */
    const addThreads = Effect.fn("ThreadRepository.addThreads")(function*(input: {
      readonly userId: string
      readonly conversationId: string
      readonly topics: ReadonlyArray<string>
    }) {
      const topics = [...new Set(input.topics.map((topic) => topic.trim()).filter((topic) => topic !== ""))]
      if (topics.length === 0) return 0
      const rows = topics.map((topic) => ({ user_id: input.userId, conversation_id: input.conversationId, topic }))
      const inserted = yield* sql`
        INSERT INTO conversation_threads ${sql.insert(rows)}
        ON CONFLICT (conversation_id, topic) DO NOTHING
        RETURNING id`
      return inserted.length
    })

    const findOpen = SqlSchema.findAll({
      Request: Schema.Struct({ userId: Schema.String, limit: Schema.Number }),
      Result: Thread,
      execute: ({ limit, userId }) =>
        sql`
          SELECT id, conversation_id, topic, status, created_at FROM conversation_threads
          WHERE user_id = ${userId} AND status = 'open'
          ORDER BY created_at DESC, topic
          LIMIT ${limit}`
    })

    /** The user's newest open threads. */
    const open = Effect.fn("ThreadRepository.open")((input: { readonly userId: string; readonly limit: number }) =>
      findOpen(input).pipe(Effect.catchTag("ParseError", Effect.die))
    )

    return { addThreads, open } as const
  })
}) {}
