import { Duration, Effect, Option } from "effect"
import { initialEmotionalState, lifeEventDelta, nextEmotionalState } from "../../game/Emotional.js"
import type { LifeEvent } from "../../game/LifeEventSchema.js"
import { localDate } from "../../game/LocalTime.js"
import { EmotionalStateRepository } from "../../nikita/EmotionalStateRepository.js"
import { recoverableStage } from "../Stage.js"

/** Two small queries. */
export const EmotionalTimeout = Duration.seconds(5)

const HOUR_MS = 3_600_000

/**
 * DOMAIN.md adds "today's life-event deltas" on every update; taken literally, a player with five
 * conversations a day would push Nikita's mood with the same events five times. A day's events
 * are counted once: only when the state this one starts from was recorded on an earlier local
 * day (or there is none). Later updates of the same day carry them in the previous state, where
 * they fade with the half-life like everything else.
 */
export const lifeEventsToApply = (input: {
  readonly events: ReadonlyArray<LifeEvent>
  readonly previousRecordedAt: Option.Option<Date>
  readonly now: Date
  readonly timeZone: string
}): ReadonlyArray<LifeEvent> =>
  Option.match(input.previousRecordedAt, {
    onNone: () => input.events,
    onSome: (at) => localDate(at, input.timeZone) === localDate(input.now, input.timeZone) ? [] : input.events
  })

/**
 * Stage 4: Nikita's emotional state after this conversation (rules in `domain/Emotional.ts`). It
 * starts from the player's latest state recorded by another conversation (or the resting state
 * at the player's creation) and writes this conversation's row, replacing the one a previous
 * run wrote: a re-run recomputes from the same starting point instead of compounding. Tone comes
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
      const previous = yield* repository.latestExcluding({ userId, excludingConversationId: conversationId })
      const from = Option.getOrElse(
        Option.map(previous, ({ arousal, created_at, dominance, intimacy, valence }) => ({
          state: { arousal, valence, dominance, intimacy },
          at: created_at
        })),
        () => ({ state: initialEmotionalState, at: run.user.createdAt })
      )
      const events = lifeEventsToApply({
        events: earlier.life_sim ?? [],
        previousRecordedAt: Option.map(previous, (row) => row.created_at),
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
      yield* repository.recordForConversation({ userId, conversationId, state, at: run.startedAt })
      yield* Effect.logInfo("emotional state updated").pipe(
        Effect.annotateLogs({ ...state, life_events_applied: events.length, from_previous: Option.isSome(previous) })
      )
      return state
    })
})
