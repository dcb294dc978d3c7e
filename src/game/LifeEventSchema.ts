import { Schema } from "effect"

export const TimeSlot = Schema.Literal("morning", "afternoon", "evening", "night")
export type TimeSlot = typeof TimeSlot.Type

export const LifeDomain = Schema.Literal("work", "social", "personal")
export type LifeDomain = typeof LifeDomain.Type

const Delta = Schema.Number.pipe(Schema.between(-1, 1))

export const LifeEvent = Schema.Struct({
  time_slot: TimeSlot,
  domain: LifeDomain,
  description: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500)).annotations({
    description: "what happened in Nikita's day, one sentence"
  }),
  importance: Schema.Number.pipe(Schema.between(0, 1)).annotations({ description: "0 trivial to 1 life-changing" }),
  valence_delta: Delta.annotations({ description: "effect on Nikita's mood, -1 to 1" }),
  arousal_delta: Delta.annotations({ description: "effect on Nikita's energy, -1 to 1" })
})
export type LifeEvent = typeof LifeEvent.Type

/** Stage 3's model output: 3-5 events of Nikita's day (DOMAIN.md, life_sim). */
export const LifeEvents = Schema.Struct({
  events: Schema.Array(LifeEvent).pipe(Schema.minItems(3), Schema.maxItems(5))
})
export type LifeEvents = typeof LifeEvents.Type
