import { createHash } from "node:crypto"
import { Duration, Effect } from "effect"
import { LifeEvents } from "../../game/LifeEventSchema.js"
import { personaSentence } from "../../game/NikitaPersona.js"
import { offlineLifeEvents } from "../../game/LifeSimOffline.js"
import { localDate } from "../../game/LocalTime.js"
import { LanguageModel } from "../../model/LanguageModel.js"
import { LifeEventRepository } from "../../nikita/LifeEventRepository.js"
import { ModelTimeout } from "../../model/ModelError.js"
import { recoverableStage } from "../Stage.js"

/** The model gets a shorter budget than the stage so that the offline fallback and the write still fit. */
export const LifeSimModelTimeout = Duration.seconds(10)
export const LifeSimTimeout = Duration.seconds(15)

const lifeEventsSystem = [
  `You write Nikita's day. ${personaSentence("third")}`,
  "She is the player's companion in a relationship game, but this day is her own life.",
  "Answer with JSON matching the given schema: 3 to 5 events, at most one per time slot (morning,",
  "afternoon, evening, night), each in the domain work, social or personal, described in one sentence in",
  "the third person. importance is 0 (trivial) to 1 (life-changing); most days have one event of 0.7 or",
  "more at most. valence_delta and arousal_delta are the event's effect on her mood and energy, mostly",
  "within ±0.3. Make the day ordinary and believable, with ups and downs."
].join("\n")

/**
 * No player id goes to the model: it needs none. A short digest of player and date varies the
 * day between players (the offline provider seeds its generator from the request) without
 * telling the provider who the player is.
 */
const lifeEventsPrompt = (userId: string, date: string) =>
  `Nikita's day on ${date} (variation ${createHash("sha256").update(`${userId}:${date}`).digest("hex").slice(0, 8)}). Write its events.`

/** The model's day; on any model failure (after its retries) or timeout, the offline one. */
const generateDay = (userId: string, date: string) =>
  Effect.gen(function*() {
    const model = yield* LanguageModel
    const generated = yield* model.generateObject({
      name: "life_events",
      schema: LifeEvents,
      system: lifeEventsSystem,
      prompt: lifeEventsPrompt(userId, date)
    }).pipe(
      Effect.timeoutFail({
        duration: LifeSimModelTimeout,
        onTimeout: () => ModelTimeout.after("life_events", LifeSimModelTimeout)
      })
    )
    return { events: generated.events, source: "model" as const }
  }).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("life events from the model failed: using the offline generator").pipe(
        Effect.annotateLogs({ error: error._tag, reason: error.message }),
        Effect.as({ events: offlineLifeEvents({ userId, localDate: date }), source: "offline" as const })
      )
    )
  )

/**
 * Stage 3: Nikita's day for the player's local date (DOMAIN.md, life_sim), generated once per
 * player and date and then only read, so every conversation of that day (and every re-run) sees
 * the same day. The day is the local date of the conversation (its last message), not of the
 * run, so a conversation processed after midnight still belongs to the day it happened, as its
 * daily summary does. The generator seeds nothing from the conversation: the offline day depends
 * on player and date only. Up to 5 events are kept.
 */
export const lifeSim = recoverableStage({
  name: "life_sim",
  timeout: LifeSimTimeout,
  run: (run) =>
    Effect.gen(function*() {
      const repository = yield* LifeEventRepository
      const userId = run.user.id
      const date = localDate(run.conversation.lastMessageAt, run.user.timezone)
      // The run's load found the day (of the same local date); a run built without it reads it.
      const existing = run.found === undefined ? yield* repository.forDay({ userId, date }) : run.found.lifeEvents
      if (existing.length > 0) return existing
      const generated = yield* generateDay(userId, date)
      const stored = yield* repository.storeDayOnce({ userId, date, events: generated.events })
      yield* Effect.logInfo("life events generated").pipe(
        Effect.annotateLogs({ date, source: generated.source, generated: generated.events.length, stored: stored.inserted })
      )
      return stored.events
    })
})
