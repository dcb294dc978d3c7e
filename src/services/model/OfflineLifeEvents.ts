import type { LifeDomain, LifeEvents, TimeSlot } from "../../domain/LifeEventSchema.js"
import { hashString, seededRandom } from "./OfflineText.js"

interface Template {
  readonly domain: LifeDomain
  readonly description: string
  readonly importance: number
  readonly valence: number
  readonly arousal: number
}

/** Nikita's ordinary days, from dull to memorable; the numbers are the event's base impact. */
const templates: ReadonlyArray<Template> = [
  { domain: "work", description: "Her client finally approved the design she had reworked three times.", importance: 0.75, valence: 0.4, arousal: 0.3 },
  { domain: "work", description: "A deadline moved up by two days and she had to rearrange everything.", importance: 0.6, valence: -0.3, arousal: 0.4 },
  { domain: "work", description: "A long, quiet stretch of focused work on a new illustration.", importance: 0.3, valence: 0.15, arousal: -0.1 },
  { domain: "work", description: "Her manager criticised her presentation in front of the team.", importance: 0.8, valence: -0.5, arousal: 0.45 },
  { domain: "work", description: "She fixed a printing problem that had stalled the whole studio.", importance: 0.45, valence: 0.25, arousal: 0.2 },
  { domain: "social", description: "Coffee with her best friend Mara, who shared big news about moving abroad.", importance: 0.7, valence: 0.1, arousal: 0.35 },
  { domain: "social", description: "A group chat argument about weekend plans left her annoyed.", importance: 0.35, valence: -0.25, arousal: 0.25 },
  { domain: "social", description: "Her sister called to catch up and they laughed for an hour.", importance: 0.5, valence: 0.35, arousal: 0.15 },
  { domain: "social", description: "She ran into an old classmate at the market and felt awkward.", importance: 0.3, valence: -0.1, arousal: 0.2 },
  { domain: "social", description: "Neighbours invited her to a rooftop dinner that ran late.", importance: 0.45, valence: 0.3, arousal: 0.3 },
  { domain: "personal", description: "A slow morning run along the canal cleared her head.", importance: 0.25, valence: 0.3, arousal: -0.15 },
  { domain: "personal", description: "She slept badly and woke up with a headache.", importance: 0.35, valence: -0.3, arousal: -0.25 },
  { domain: "personal", description: "She finished the novel she had been reading for weeks and cried at the ending.", importance: 0.4, valence: 0.1, arousal: 0.2 },
  { domain: "personal", description: "Her landlord announced a rent increase for next month.", importance: 0.7, valence: -0.45, arousal: 0.4 },
  { domain: "personal", description: "She repotted her plants and rearranged her balcony.", importance: 0.2, valence: 0.2, arousal: -0.1 }
]

const slots: ReadonlyArray<TimeSlot> = ["morning", "afternoon", "evening", "night"]

const round2 = (value: number): number => Math.round(value * 100) / 100

/**
 * 3-5 events spread over the day, picked and varied by a random source seeded from `seedText`
 * (the life_sim prompt names the user and date), so the same day always gets the same events.
 */
export const lifeEventsOffline = (seedText: string): LifeEvents => {
  const random = seededRandom(hashString(seedText))
  const count = 3 + Math.floor(random() * 3)
  const chosen = templates
    .map((template) => ({ template, order: random() }))
    .sort((a, b) => a.order - b.order)
    .slice(0, count)
  const jitter = () => (random() - 0.5) * 0.1
  const events = chosen.map(({ template }, index) => {
    return {
      time_slot: slots[Math.min(slots.length - 1, Math.floor((index * slots.length) / count))] ?? "evening",
      domain: template.domain,
      description: template.description,
      importance: round2(Math.min(1, Math.max(0, template.importance + jitter()))),
      valence_delta: round2(Math.min(1, Math.max(-1, template.valence + jitter()))),
      arousal_delta: round2(Math.min(1, Math.max(-1, template.arousal + jitter())))
    }
  })
  return { events }
}
