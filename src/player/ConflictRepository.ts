import { Effect } from "effect"
import type { ConflictChange, LockedConflict } from "./PlayerLedgers.js"
import { UserRepository } from "./UserRepository.js"

export type {
  ConflictApplication,
  ConflictChange,
  LockedConflict,
  RecordedConflictChange
} from "./PlayerLedgers.js"

/**
 * The player's conflict temperature as one conversation changes it, once per conversation
 * (`conflict_history`), through the player's repository.
 */
export class ConflictRepository extends Effect.Service<ConflictRepository>()("aftertalk/ConflictRepository", {
  effect: Effect.gen(function*() {
    const users = yield* UserRepository

    /**
     * In one statement or one transaction: lock the player, and unless `conflict_history` already has this
     * conversation, let `decide` compute the change from the locked state and write it.
     */
    const applyConversationOnce = Effect.fn("ConflictRepository.applyConversationOnce")(
      (input: {
        readonly userId: string
        readonly conversationId: string
        /** force_reprocess: revert this conversation's recorded change and apply the new one. */
        readonly replace?: boolean
        /** The player as the run found it: written in one statement while still so (`applyOnce`). */
        readonly assumed?: LockedConflict | undefined
        readonly decide: (locked: LockedConflict) => ConflictChange
      }) => users.applyConflictOnce(input)
    )

    return { applyConversationOnce } as const
  }),
  dependencies: [UserRepository.Default]
}) {}
