import { Duration, Effect, Option } from "effect"
import { initialEmotionalState, lifeEventDelta, nextEmotionalState } from "../../game/Emotional.js"
import type { LifeEvent } from "../../game/LifeEventSchema.js"
import { eventHasHappened } from "../../game/DayTime.js"
import { localDate } from "../../game/LocalTime.js"
import { EmotionalStateRepository } from "../../nikita/EmotionalStateRepository.js"
import { recoverableStage } from "../Stage.js"

/** Two small queries. */
export const EmotionalTimeout = Duration.seconds(5)

const HOUR_MS = 3_600_000

/**
 * DOMAIN.md adds "today's life-event deltas" on every update; taken literally, a player with five
 * conversations a day would push Nikita's mood with the same events five times, and a morning
 * conversation would feel tonight's date already. An event counts once, in the first update at
 * or after its slot's start (`game/DayTime.ts`): the day's events that have happened by now and
 * had not yet happened when the previous state was recorded (all that have happened when that
 * state is from an earlier day). Later updates carry them in the previous state, where they fade
 * with the half-life like everything else.
 */
export const lifeEventsToApply = (input: {
  readonly events: ReadonlyArray<LifeEvent>
  readonly previousRecordedAt: Option.Option<Date>
  readonly now: Date
  readonly timeZone: string
}): ReadonlyArray<LifeEvent> => {
  const today = localDate(input.now, input.timeZone)
  const happenedNow = input.events.filter((event) => eventHasHappened(event, today, input.now, input.timeZone))
  return Option.match(input.previousRecordedAt, {
    onNone: () => happenedNow,
    onSome: (at) => happenedNow.filter((event) => !eventHasHappened(event, today, at, input.timeZone))
  })
}

/**
 * Stage 4: Nikita's emotional state after this conversation (rules in `domain/Emotional.ts`). It
 * starts from the player's latest state recorded by another conversation (or the resting state
 * at the player's creation) and writes this conversation's row; a re-run returns that row
 * unchanged, and force_reprocess replaces it. Tone comes
 * from the extraction (neutral without one), the day's events from `life_sim` (none without them),
 * chapter and score from the player as the run found them.
 */
export const emotional = recoverableStage({
  name: "emotional",
  timeout: EmotionalTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const repository = yield* EmotionalStateRepository
      const userId = run.user.id
      const conversationId = run.conversation.id
      // Once per conversation: a re-run (even of an older conversation after a newer one) finds
      // its row and applies nothing again; force_reprocess recomputes and replaces it. With the
      // run's load at hand, the write itself finds the row (and answers it) instead of a read first.
      const found = run.found
      if (!run.forceReprocess && found === undefined) {
        const recorded = yield* repository.forConversation(conversationId)
        if (Option.isSome(recorded)) {
          const { arousal, dominance, intimacy, valence } = recorded.value
          yield* Effect.logInfo("emotional state already recorded for this conversation")
          return { arousal, valence, dominance, intimacy }
        }
      }
      const previous = found === undefined
        ? Option.map(
          yield* repository.latestExcluding({ userId, excludingConversationId: conversationId }),
          ({ created_at, ...state }) => ({ ...state, createdAt: created_at })
        )
        : found.emotionalBefore
      const from = Option.getOrElse(
        Option.map(previous, ({ arousal, createdAt, dominance, intimacy, valence }) => ({
          state: { arousal, valence, dominance, intimacy },
          at: createdAt
        })),
        () => ({ state: initialEmotionalState, at: run.user.createdAt })
      )
      const events = lifeEventsToApply({
        events: earlier.life_sim ?? [],
        previousRecordedAt: Option.map(previous, (row) => row.createdAt),
        now: run.startedAt,
        timeZone: run.user.timezone
      })
      const state = nextEmotionalState({
        previous: from.state,
        hoursElapsed: (run.startedAt.getTime() - from.at.getTime()) / HOUR_MS,
        lifeEventDeltas: events.map(lifeEventDelta),
        tone: earlier.extraction.emotional_tone ?? "neutral",
        chapter: run.user.chapter,
        relationshipScore: run.user.relationshipScore
      })
      const record = { userId, conversationId, state, at: run.startedAt }
      if (run.forceReprocess || found === undefined) yield* repository.recordForConversation(record)
      else {
        const stored = yield* repository.recordOnce(record)
        if (stored.recorded) {
          const { arousal, dominance, intimacy, valence } = stored.state
          yield* Effect.logInfo("emotional state already recorded for this conversation")
          return { arousal, valence, dominance, intimacy }
        }
      }
      yield* Effect.logInfo("emotional state updated").pipe(
        Effect.annotateLogs({ ...state, life_events_applied: events.length, from_previous: Option.isSome(previous) })
      )
      return state
    })
})
