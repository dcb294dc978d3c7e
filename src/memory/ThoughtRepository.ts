import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"

/**
 * `nikita_thoughts`: Nikita's inner reflections after a conversation, feeding the prompt's
 * "inner life". Unique (conversation_id, content), so re-runs add nothing.
 */

export const Thought = Schema.Struct({
  id: Schema.String,
  conversation_id: Schema.String,
  content: Schema.String,
  created_at: Schema.DateFromSelf
})
export type Thought = typeof Thought.Type

export class ThoughtRepository extends Effect.Service<ThoughtRepository>()("aftertalk/ThoughtRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /** Returns how many thoughts were new. */
    const addThoughts = Effect.fn("ThoughtRepository.addThoughts")(function*(input: {
      readonly userId: string
      readonly conversationId: string
      readonly thoughts: ReadonlyArray<string>
    }) {
      const contents = [...new Set(input.thoughts.map((thought) => thought.trim()).filter((thought) => thought !== ""))]
      if (contents.length === 0) return 0
      const rows = contents.map((content) => ({ user_id: input.userId, conversation_id: input.conversationId, content }))
      const inserted = yield* sql`
        INSERT INTO nikita_thoughts ${sql.insert(rows)}
        ON CONFLICT (conversation_id, content) DO NOTHING
        RETURNING id`
      return inserted.length
    })

    const findRecent = SqlSchema.findAll({
      Request: Schema.Struct({ userId: Schema.String, limit: Schema.Number }),
      Result: Thought,
      execute: ({ limit, userId }) =>
        sql`
          SELECT id, conversation_id, content, created_at FROM nikita_thoughts
          WHERE user_id = ${userId}
          ORDER BY created_at DESC, content
          LIMIT ${limit}`
    })

    /** The user's newest thoughts. */
    const recent = Effect.fn("ThoughtRepository.recent")((input: { readonly userId: string; readonly limit: number }) =>
      findRecent(input).pipe(Effect.catchTag("ParseError", Effect.die))
    )

    return { addThoughts, recent } as const
  })
}) {}
