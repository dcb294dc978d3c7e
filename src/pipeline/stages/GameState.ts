import { Duration, Effect } from "effect"
import { deriveEngagement, type EngagementInput } from "../../game/Engagement.js"
import { type Extraction } from "../../game/ExtractionSchema.js"
import { applyConversationDeltas } from "../../game/GameState.js"
import {
  GameStateRepository,
  type LockedPlayer,
  type ScoreApplication,
  type ScoreChange
} from "../../player/GameStateRepository.js"
import { recoverableStage, type StageOutputs } from "../Stage.js"

/** One statement, or one short transaction. */
export const GameStateTimeout = Duration.seconds(5)

/**
 * The change from the locked state. The engagement state is derived from the player's rhythm
 * including this conversation (it describes how this conversation came about) and scales its
 * positive deltas; it is also what the player's `engagement_state` becomes.
 */
const decide = (extraction: Extraction) => ({ player, rhythm }: { player: LockedPlayer; rhythm: EngagementInput }): ScoreChange => {
  const engagementState = deriveEngagement(rhythm)
  const result = applyConversationDeltas({
    metrics: { intimacy: player.intimacy, passion: player.passion, trust: player.trust, secureness: player.secureness },
    deltas: extraction.metric_deltas,
    chapter: player.chapter,
    engagement: engagementState,
    status: player.game_status,
    vulnerabilityExchangesSoFar: player.vulnerability_exchanges,
    vulnerabilityExchange: extraction.signals.vulnerability_exchange,
    bossAttempts: player.boss_attempts,
    bossVerdict: extraction.boss_verdict ?? null
  })
  return {
    metrics: result.metrics,
    changes: result.changes,
    scoreBefore: result.scoreBefore,
    scoreAfter: result.scoreAfter,
    events: result.events,
    status: result.status,
    chapter: result.chapter,
    bossAttempts: result.bossAttempts,
    engagementState,
    vulnerabilityExchanges: result.vulnerabilityExchanges,
    playerBefore: {
      game_status: player.game_status,
      chapter: player.chapter,
      boss_attempts: player.boss_attempts,
      engagement_state: player.engagement_state,
      vulnerability_exchanges: player.vulnerability_exchanges
    }
  }
}

const toOutput = (application: ScoreApplication): StageOutputs["game_state"] => {
  const { player } = application
  if (application.applied) {
    const { change } = application
    return {
      applied: true,
      scoreBefore: change.scoreBefore,
      scoreAfter: change.scoreAfter,
      metrics: change.metrics,
      chapter: change.chapter,
      gameStatus: change.status,
      events: change.events
    }
  }
  return {
    applied: false,
    scoreBefore: application.recorded.score_before,
    scoreAfter: application.recorded.score_after,
    metrics: { intimacy: player.intimacy, passion: player.passion, trust: player.trust, secureness: player.secureness },
    chapter: player.chapter,
    gameStatus: player.game_status,
    events: application.recorded.events
  }
}

/**
 * Stage 5: applies the extraction's metric deltas once per conversation (rules in
 * `domain/GameState.ts`), from the player's state as locked at that moment rather than as the run
 * found it (decay may have run in between). A conversation already in `score_history` changes
 * nothing and reports what was recorded (`applied: false`). Without an extraction the deltas are
 * zero: the engagement state still moves and the conversation is still recorded.
 */
export const gameState = recoverableStage({
  name: "game_state",
  timeout: GameStateTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const repository = yield* GameStateRepository
      const { found, user } = run
      const application = yield* repository.applyConversationOnce({
        userId: user.id,
        conversationId: run.conversation.id,
        replace: run.forceReprocess,
        // The player as the run found them: the change is written in one statement while they still are.
        assumed: found === undefined ? undefined : {
          player: {
            chapter: user.chapter,
            game_status: user.gameStatus,
            boss_attempts: found.bossAttempts,
            relationship_score: user.relationshipScore,
            engagement_state: user.engagementState,
            vulnerability_exchanges: user.vulnerabilityExchanges,
            ...user.metrics
          },
          rhythm: found.rhythm
        },
        decide: decide(earlier.extraction)
      })
      const output = toOutput(application)
      yield* Effect.logInfo(application.applied ? "score applied" : "score already applied for this conversation").pipe(
        Effect.annotateLogs({
          score_before: output.scoreBefore,
          score_after: output.scoreAfter,
          game_status: output.gameStatus,
          events: output.events.join(",")
        })
      )
      return output
    })
})
