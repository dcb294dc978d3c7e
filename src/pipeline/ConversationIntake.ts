import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { type NewMessage, type NewVoiceCall, latestTurnAt } from "../conversation/ConversationModel.js"
import { ConversationRepository } from "../conversation/ConversationRepository.js"
import { UserRepository } from "../player/UserRepository.js"

/**
 * What the pipeline runs over comes in here: a message posted to a conversation or a voice call
 * from the webhook, stored with the player's contact in one transaction. Contact lives in the
 * player's row, so two repositories write, each its own table; the lock order is theirs (the
 * conversation row, then the users row).
 */
export class ConversationIntake extends Effect.Service<ConversationIntake>()("aftertalk/ConversationIntake", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const conversations = yield* ConversationRepository
    const users = yield* UserRepository

    /** The message in the user's open conversation; none when the user is unknown. */
    const appendMessage = Effect.fn("ConversationIntake.appendMessage")(function*(userId: string, message: NewMessage) {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const appended = yield* conversations.appendMessage(userId, message)
        // Only the player's own messages count as contact: a proactive message from Nikita that
        // goes unanswered must not reset the inactivity that decay measures.
        if (Option.isSome(appended) && message.role === "user") yield* users.recordContact(userId, message.sent_at ?? null)
        return appended
      }))
    })

    /** The call, stored once; none when the player is unknown. */
    const storeVoiceCall = Effect.fn("ConversationIntake.storeVoiceCall")(function*(call: NewVoiceCall) {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const stored = yield* conversations.storeVoiceCall(call)
        // A call is contact with the player, as a message of theirs is: decay measures from it.
        const playerTurns = call.turns.filter((turn) => turn.role === "user")
        if (Option.isSome(stored) && stored.value.status === "accepted" && playerTurns.length > 0) {
          yield* users.recordContact(call.userId, latestTurnAt(playerTurns, call.startedAt))
        }
        return stored
      }))
    })

    return { appendMessage, storeVoiceCall } as const
  }),
  dependencies: [ConversationRepository.Default, UserRepository.Default]
}) {}
