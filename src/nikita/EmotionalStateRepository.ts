import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Effect, type Option, Schema } from "effect"
import { EmotionalState } from "../game/Emotional.js"

/**
 * `emotional_states`: Nikita's emotional state history, one row per processed conversation.
 * A re-run of a conversation replaces its row, so its effect is never compounded.
 */

export const RecordedEmotionalState = Schema.Struct({
  ...EmotionalState.fields,
  conversation_id: Schema.NullOr(Schema.String),
  created_at: Schema.DateFromSelf
})
export type RecordedEmotionalState = typeof RecordedEmotionalState.Type

/** The state a conversation produced, for the player, at the run's moment. */
export interface ConversationMood {
  readonly userId: string
  readonly conversationId: string
  readonly state: EmotionalState
  readonly at: Date
}

export class EmotionalStateRepository extends Effect.Service<EmotionalStateRepository>()(
  "aftertalk/EmotionalStateRepository",
  {
    effect: Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const findLatest = SqlSchema.findOne({
        Request: Schema.Struct({ userId: Schema.String, excludingConversationId: Schema.String }),
        Result: RecordedEmotionalState,
        execute: ({ excludingConversationId, userId }) =>
          sql`
            SELECT arousal, valence, dominance, intimacy, conversation_id, created_at
            FROM emotional_states
            WHERE user_id = ${userId}
              AND conversation_id IS DISTINCT FROM ${excludingConversationId}
            ORDER BY created_at DESC, id
            LIMIT 1`
      })

      /** The user's latest state recorded by another conversation: where this one starts from. */
      const latestExcluding = Effect.fn("EmotionalStateRepository.latestExcluding")(
        (input: {
          readonly userId: string
          readonly excludingConversationId: string
        }): Effect.Effect<Option.Option<RecordedEmotionalState>, SqlError.SqlError> =>
          findLatest(input).pipe(Effect.catchTag("ParseError", Effect.die))
      )

      const findForConversation = SqlSchema.findOne({
        Request: Schema.String,
        Result: RecordedEmotionalState,
        execute: (conversationId) =>
          sql`
            SELECT arousal, valence, dominance, intimacy, conversation_id, created_at
            FROM emotional_states WHERE conversation_id = ${conversationId}`
      })

      const forConversation = Effect.fn("EmotionalStateRepository.forConversation")(
        (conversationId: string): Effect.Effect<Option.Option<RecordedEmotionalState>, SqlError.SqlError> =>
          findForConversation(conversationId).pipe(Effect.catchTag("ParseError", Effect.die))
      )

      /** Records the state this conversation produced, replacing the one an earlier run recorded. */
      const recordForConversation = Effect.fn("EmotionalStateRepository.recordForConversation")(function*(input: ConversationMood) {
        const { state } = input
        yield* sql`
          INSERT INTO emotional_states (user_id, conversation_id, arousal, valence, dominance, intimacy, created_at)
          VALUES (${input.userId}, ${input.conversationId}, ${state.arousal}, ${state.valence}, ${state.dominance},
                  ${state.intimacy}, ${input.at})
          ON CONFLICT (conversation_id) WHERE conversation_id IS NOT NULL DO UPDATE
          SET arousal = excluded.arousal, valence = excluded.valence, dominance = excluded.dominance,
              intimacy = excluded.intimacy, created_at = excluded.created_at`
      })

      /**
       * Records the state this conversation produced unless a row for it is there already, and
       * answers the row as stored (`recorded`: an earlier run's, read by a second statement).
       */
      const recordOnce = Effect.fn("EmotionalStateRepository.recordOnce")(function*(input: ConversationMood) {
        const { state } = input
        const [row] = yield* sql<{ inserted: boolean }>`
          WITH inserted AS (
            INSERT INTO emotional_states (user_id, conversation_id, arousal, valence, dominance, intimacy, created_at)
            VALUES (${input.userId}, ${input.conversationId}, ${state.arousal}, ${state.valence}, ${state.dominance},
                    ${state.intimacy}, ${input.at})
            ON CONFLICT (conversation_id) WHERE conversation_id IS NOT NULL DO NOTHING
            RETURNING 1
          )
          SELECT EXISTS (SELECT 1 FROM inserted) AS inserted`
        if (row?.inserted === true) return { recorded: false, state } as const
        const stored = yield* forConversation(input.conversationId)
        if (stored._tag === "None") return yield* Effect.dieMessage(`emotional state of ${input.conversationId} vanished after a conflict`)
        return { recorded: true, state: stored.value } as const
      })

      return { latestExcluding, forConversation, recordForConversation, recordOnce } as const
    })
  }
) {}
