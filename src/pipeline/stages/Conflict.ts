import { Duration, Effect, Option } from "effect"
import { type ConflictOutcome, nextConflictState } from "../../game/Conflict.js"
import { type Extraction } from "../../game/ExtractionSchema.js"
import {
  type ConflictApplication,
  type ConflictChange,
  ConflictRepository,
  type LockedConflict
} from "../../player/ConflictRepository.js"
import { recoverableStage, type StageOutputs } from "../Stage.js"

/** One statement, or one short transaction. */
export const ConflictTimeout = Duration.seconds(5)

/** The events this stage reports (and records in `conflict_history.events`) per outcome. */
export const conflictEvents: { readonly [O in ConflictOutcome]: ReadonlyArray<string> } = {
  none: [],
  warning: ["conflict_warning"],
  breakup: ["breakup"]
}

/**
 * The change from the locked state. A player whose conflict was never updated has nothing to
 * cool from, so the cooling clock starts now. A breakup ends a running game; a game already
 * over or won keeps its status.
 */
const decide = (input: {
  readonly now: Date
  readonly scoreChange: number
  readonly extraction: Extraction
}) =>
(locked: LockedConflict): ConflictChange => {
  const result = nextConflictState({
    previous: {
      temperature: locked.conflict_temperature,
      criticalSince: locked.conflict_critical_since,
      updatedAt: locked.conflict_updated_at ?? input.now
    },
    now: input.now,
    scoreChange: input.scoreChange,
    score: locked.relationship_score,
    horsemen: input.extraction.signals.horsemen,
    repairAttempt: input.extraction.signals.repair_attempt
  })
  const running = locked.game_status === "active" || locked.game_status === "boss_fight"
  return {
    temperatureBefore: locked.conflict_temperature,
    updatedAtBefore: locked.conflict_updated_at,
    criticalSinceBefore: locked.conflict_critical_since,
    temperature: result.state.temperature,
    zone: result.zone,
    updatedAt: result.state.updatedAt,
    criticalSince: result.state.criticalSince,
    events: conflictEvents[result.outcome],
    status: result.outcome === "breakup" && running ? "game_over" : locked.game_status
  }
}

const toOutput = (application: ConflictApplication): StageOutputs["conflict"] =>
  application.applied
    ? { temperature: application.change.temperature, zone: application.change.zone, events: application.change.events }
    : {
      temperature: application.recorded.temperature_after,
      zone: application.recorded.zone,
      events: application.recorded.events
    }

/**
 * Stage 6: the conflict temperature after this conversation (rules in `domain/Conflict.ts`),
 * applied once per conversation through `conflict_history`, from the player's state as locked
 * at that moment. The score change is `game_state`'s (its recorded values on a re-run; 0 without
 * it), the score the player's current one, horsemen and repair come from the extraction's signals
 * (none without one). A breakup sets `game_over`.
 */
export const conflict = recoverableStage({
  name: "conflict",
  timeout: ConflictTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const repository = yield* ConflictRepository
      const game = earlier.game_state
      const { user } = run
      const application = yield* repository.applyConversationOnce({
        userId: user.id,
        conversationId: run.conversation.id,
        replace: run.forceReprocess,
        // The player as the run found them, with the score and status `game_state` wrote (none
        // to assume when it applied nothing: its output is then what an earlier run recorded).
        assumed: run.found === undefined || game?.applied === false ? undefined : {
          game_status: game?.gameStatus ?? user.gameStatus,
          relationship_score: game?.scoreAfter ?? user.relationshipScore,
          conflict_temperature: user.conflictTemperature,
          conflict_updated_at: Option.getOrNull(user.conflictUpdatedAt),
          conflict_critical_since: Option.getOrNull(user.conflictCriticalSince)
        },
        decide: decide({
          now: run.startedAt,
          scoreChange: game === undefined ? 0 : game.scoreAfter - game.scoreBefore,
          extraction: earlier.extraction
        })
      })
      const output = toOutput(application)
      yield* Effect.logInfo(application.applied ? "conflict updated" : "conflict already updated for this conversation").pipe(
        Effect.annotateLogs({ temperature: output.temperature, zone: output.zone, events: output.events.join(",") })
      )
      return output
    })
})
