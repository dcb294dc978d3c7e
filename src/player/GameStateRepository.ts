import { Effect } from "effect"
import type { ScoreChange, ScoreState } from "./PlayerLedgers.js"
import { UserRepository } from "./UserRepository.js"

export type { LockedPlayer, RecordedScoreChange, ScoreApplication, ScoreChange } from "./PlayerLedgers.js"

/**
 * The player's score and metrics as one conversation changes them, once per conversation
 * (`score_history`), through the player's repository.
 */
export class GameStateRepository extends Effect.Service<GameStateRepository>()("aftertalk/GameStateRepository", {
  effect: Effect.gen(function*() {
    const users = yield* UserRepository

    /**
     * In one statement or one transaction: lock the player, and unless `score_history` already has this
     * conversation, let `decide` compute the change from the locked state and the player's
     * conversation rhythm, then write metrics, player and history together.
     */
    const applyConversationOnce = Effect.fn("GameStateRepository.applyConversationOnce")(
      (input: {
        readonly userId: string
        readonly conversationId: string
        /** force_reprocess: revert this conversation's recorded change and apply the new one. */
        readonly replace?: boolean
        /** The player as the run found it: written in one statement while still so (`applyOnce`). */
        readonly assumed?: ScoreState | undefined
        readonly decide: (state: ScoreState) => ScoreChange
      }) => users.applyScoreOnce(input)
    )

    return { applyConversationOnce } as const
  }),
  dependencies: [UserRepository.Default]
}) {}
