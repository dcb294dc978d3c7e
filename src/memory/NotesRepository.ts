import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"

/**
 * Nikita's notes on a conversation, the only writer of both tables:
 * - `conversation_threads`: open topics a conversation left behind, for Nikita to pick up later;
 * - `nikita_thoughts`: her inner reflections after it, feeding the prompt's "inner life".
 * Each is unique per conversation ((conversation_id, topic), (conversation_id, content)), so
 * re-runs add nothing.
 */

export const Thread = Schema.Struct({
  id: Schema.String,
  conversation_id: Schema.String,
  topic: Schema.String,
  status: Schema.Literal("open", "resolved"),
  created_at: Schema.DateFromSelf
})
export type Thread = typeof Thread.Type

export const Thought = Schema.Struct({
  id: Schema.String,
  conversation_id: Schema.String,
  content: Schema.String,
  created_at: Schema.DateFromSelf
})
export type Thought = typeof Thought.Type

/** Trimmed, non-empty, each once. */
const distinct = (texts: ReadonlyArray<string>) =>
  [...new Set(texts.map((text) => text.trim()).filter((text) => text !== ""))]

const Recent = Schema.Struct({ userId: Schema.String, limit: Schema.Number })

export class NotesRepository extends Effect.Service<NotesRepository>()("aftertalk/NotesRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /** force_reprocess: drops a conversation's threads and thoughts before the new run stores its own. */
    const removeConversation = Effect.fn("NotesRepository.removeConversation")(function*(conversationId: string) {
      yield* sql.withTransaction(Effect.all([
        sql`DELETE FROM conversation_threads WHERE conversation_id = ${conversationId}`,
        sql`DELETE FROM nikita_thoughts WHERE conversation_id = ${conversationId}`
      ], { discard: true }))
    })

    /**
     * A conversation's threads and thoughts in one statement (none when both are empty); how many
     * of each were new. A list that is empty inserts nothing: its part of the statement selects no row.
     */
    const addNotes = Effect.fn("NotesRepository.addNotes")(function*(input: {
      readonly userId: string
      readonly conversationId: string
      readonly topics: ReadonlyArray<string>
      readonly thoughts: ReadonlyArray<string>
    }) {
      const topics = distinct(input.topics)
      const contents = distinct(input.thoughts)
      if (topics.length === 0 && contents.length === 0) return { threads: 0, thoughts: 0 }
      const { conversationId, userId } = input
      const nothing = sql`SELECT 1 AS id WHERE false`
      const threads = topics.length === 0 ? nothing : sql`
        INSERT INTO conversation_threads ${sql.insert(topics.map((topic) => ({ user_id: userId, conversation_id: conversationId, topic })))}
        ON CONFLICT (conversation_id, topic) DO NOTHING
        RETURNING id`
      const thoughts = contents.length === 0 ? nothing : sql`
        INSERT INTO nikita_thoughts ${sql.insert(contents.map((content) => ({ user_id: userId, conversation_id: conversationId, content })))}
        ON CONFLICT (conversation_id, content) DO NOTHING
        RETURNING id`
      const [counts] = yield* sql<{ threads: number; thoughts: number }>`
        WITH threads AS (${threads}), thoughts AS (${thoughts})
        SELECT (SELECT count(*) FROM threads)::int AS threads, (SELECT count(*) FROM thoughts)::int AS thoughts`
      return { threads: counts?.threads ?? 0, thoughts: counts?.thoughts ?? 0 }
    })

    const findOpenThreads = SqlSchema.findAll({
      Request: Recent,
      Result: Thread,
      execute: ({ limit, userId }) =>
        sql`
          SELECT id, conversation_id, topic, status, created_at FROM conversation_threads
          WHERE user_id = ${userId} AND status = 'open'
          ORDER BY created_at DESC, topic
          LIMIT ${limit}`
    })

    const findRecentThoughts = SqlSchema.findAll({
      Request: Recent,
      Result: Thought,
      execute: ({ limit, userId }) =>
        sql`
          SELECT id, conversation_id, content, created_at FROM nikita_thoughts
          WHERE user_id = ${userId}
          ORDER BY created_at DESC, content
          LIMIT ${limit}`
    })

    /** The user's newest open threads. */
    const openThreads = Effect.fn("NotesRepository.openThreads")(
      (input: { readonly userId: string; readonly limit: number }) => findOpenThreads(input),
      Effect.catchTag("ParseError", Effect.die)
    )

    /** The user's newest thoughts. */
    const recentThoughts = Effect.fn("NotesRepository.recentThoughts")(
      (input: { readonly userId: string; readonly limit: number }) => findRecentThoughts(input),
      Effect.catchTag("ParseError", Effect.die)
    )

    return { addNotes, removeConversation, openThreads, recentThoughts } as const
  })
}) {}
