import { Duration, Effect, Option } from "effect"
import { type LifeEvent } from "../../game/LifeEventSchema.js"
import { decideTouchpoint, TouchpointDecision, touchpointDraw } from "../../game/Touchpoint.js"
import { type NewTouchpoint, TouchpointRepository } from "../../nikita/TouchpointRepository.js"
import { type PipelineRun, recoverableStage } from "../Stage.js"

/** Two small queries (none with the run's load) and one insert. */
export const TouchpointTimeout = Duration.seconds(5)

const roundTo2 = (value: number): number => Math.round(value * 100) / 100

/** The row to write for a scheduling decision, with what explains it in `trigger_context`. */
type Planned = Omit<NewTouchpoint, "userId" | "conversationId">

const toSchedule = (run: PipelineRun, events: ReadonlyArray<LifeEvent>, decision: TouchpointDecision): Planned | null =>
  TouchpointDecision.$match(decision, {
    None: (): Planned | null => null,
    Gap: ({ deliverAt, hoursWithoutContact }): Planned => ({
      trigger: "gap",
      deliverAt,
      triggerContext: {
        hours_without_contact: roundTo2(hoursWithoutContact),
        previous_contact_at: Option.getOrNull(Option.map(run.user.previousInteractionAt, (at) => at.toISOString())),
        conversation_started_at: run.conversation.startedAt.toISOString()
      }
    }),
    Event: ({ deliverAt, event, eventIndex }): Planned => ({
      trigger: "event",
      deliverAt,
      triggerContext: {
        event_description: event.description,
        importance: event.importance,
        time_slot: events[eventIndex]?.time_slot ?? null,
        domain: events[eventIndex]?.domain ?? null
      }
    }),
    Time: ({ chance, deliverAt, draw, localHour, window }): Planned => ({
      trigger: "time",
      deliverAt,
      triggerContext: {
        window,
        local_hour: localHour,
        time_zone: run.user.timezone,
        chapter: run.user.chapter,
        chance,
        draw
      }
    })
  })

/**
 * Stage 7: at most one proactive message per conversation (rules in `domain/Touchpoint.ts`).
 * A re-run finds the row it scheduled before and returns it; cooldowns never count the
 * conversation's own row, so a re-run neither schedules twice nor suppresses itself. The time
 * trigger's chance is drawn from a random source seeded by user and conversation, so the re-run
 * draws the same number. Life events come from this run's `life_sim`; when that stage failed the
 * event trigger simply has nothing to look at.
 */
export const touchpoint = recoverableStage({
  name: "touchpoint",
  timeout: TouchpointTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const repository = yield* TouchpointRepository
      // The run's load found both; a run built without it reads them.
      const existing = run.found === undefined
        ? Option.map(yield* repository.forConversation(run.conversation.id), (row) => ({
          trigger: row.trigger_type,
          deliverAt: row.deliver_at
        }))
        : run.found.touchpoint
      if (Option.isSome(existing)) {
        yield* Effect.logInfo("touchpoint already scheduled for this conversation")
        return existing
      }

      const history = run.found === undefined
        ? yield* Effect.map(
          repository.history({ userId: run.user.id, excludingConversationId: run.conversation.id }),
          (row) => ({ hasPending: row.has_pending, lastDeliveredAt: row.last_delivered_at, lastCreatedAt: row.last_created_at })
        )
        : run.found.touchpointHistory
      const events = earlier.life_sim ?? []
      const decision = decideTouchpoint({
        now: run.startedAt,
        conversationStartedAt: run.conversation.startedAt,
        conversationEndedAt: run.conversation.lastMessageAt,
        previousContactAt: Option.getOrNull(run.user.previousInteractionAt),
        timeZone: run.user.timezone,
        chapter: run.user.chapter,
        hasPendingTouchpoint: history.hasPending,
        lastDeliveredAt: history.lastDeliveredAt,
        lastCreatedAt: history.lastCreatedAt,
        lifeEventsToday: events,
        draw: touchpointDraw(run.user.id, run.conversation.id)
      })
      const planned = toSchedule(run, events, decision)
      if (planned === null) {
        yield* Effect.logInfo("no touchpoint").pipe(
          Effect.annotateLogs({ reason: decision._tag === "None" ? decision.reason : "none" })
        )
        return Option.none()
      }
      const { touchpoint } = yield* repository.schedule({
        ...planned,
        userId: run.user.id,
        conversationId: run.conversation.id
      })
      return Option.some({ trigger: touchpoint.trigger_type, deliverAt: touchpoint.deliver_at })
    })
})
