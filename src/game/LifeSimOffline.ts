/**
 * Nikita's day without a model: 3-5 small events from template tables, seeded by user and local
 * date so a re-run (or a second conversation the same day) finds the very same day. The events
 * have the shape the model's answer is validated into (`LifeEvent`), so the stage stores either
 * alike. Each event nudges valence and arousal by at most ±0.15: a day of them (capped at ±0.3
 * by the emotional rules) moves Nikita's mood, no single one dominates it.
 */
import { LifeDomain, type LifeEvent, TimeSlot } from "./LifeEventSchema.js"
import { roundTo2 } from "./Metrics.js"
import { type SeededRandom, seededRandom } from "./SeededRandom.js"

const fillers = {
  project: ["quarterly report", "app launch", "rebranding campaign", "client pitch", "data migration"],
  weekday: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
  friend: ["Mia", "Lena", "her old roommate Sasha", "Jonas from the climbing gym", "her cousin Ada"],
  place: ["the corner café", "the farmers' market", "the new ramen bar", "the park by the river", "the little bookshop"],
  topic: ["a messy breakup", "moving abroad", "a surprise job offer", "a birthday party", "an old secret"],
  exercise: ["yoga", "running", "climbing", "boxing", "swimming"],
  family: ["Grandma's health", "a family reunion", "her brother's wedding", "selling the old house"],
  item: ["keys", "phone", "favourite scarf", "sketchbook", "headphones"],
  book: ["that novel everyone talks about", "a memoir about Antarctica", "a thriller set in Berlin"],
  trip: ["a weekend in Lisbon", "concert tickets for next month", "a train trip to the coast"]
} as const
type Filler = (key: keyof typeof fillers) => string

type Mood = "up" | "down" | "mixed"
interface Template {
  readonly domain: LifeDomain
  readonly mood: Mood
  readonly major: boolean
  /** Slots the event makes sense in; all when absent. */
  readonly slots?: ReadonlyArray<TimeSlot>
  readonly text: (fill: Filler) => string
}

/** Every domain has at least 5 slot-free templates, so a day of 5 events never runs out. */
export const lifeEventTemplates: ReadonlyArray<Template> = [
  { domain: "work", mood: "up", major: true, text: (f) => `The team lead praised the ${f("project")} in front of everyone` },
  { domain: "work", mood: "down", major: false, text: (f) => `A meeting about the ${f("project")} ran an hour over` },
  { domain: "work", mood: "up", major: false, text: (f) => `Finally fixed the bug that had blocked the ${f("project")} for days` },
  { domain: "work", mood: "down", major: true, text: (f) => `The ${f("project")} deadline moved up to ${f("weekday")}` },
  { domain: "work", mood: "up", major: false, text: (f) => `A new colleague asked for help with the ${f("project")}` },
  { domain: "work", mood: "mixed", major: true, text: (f) => `Presented the ${f("project")} and stumbled over the numbers` },
  {
    domain: "work",
    mood: "down",
    major: false,
    slots: ["evening", "night"],
    text: (f) => `Stayed up answering emails about the ${f("project")}`
  },
  { domain: "social", mood: "up", major: false, text: (f) => `Ran into ${f("friend")} at ${f("place")} by chance` },
  { domain: "social", mood: "down", major: false, text: (f) => `${f("friend")} cancelled plans at the last minute` },
  { domain: "social", mood: "mixed", major: true, text: (f) => `A long talk with ${f("friend")} about ${f("topic")}` },
  { domain: "social", mood: "down", major: true, text: (f) => `An awkward argument with ${f("friend")} over ${f("topic")}` },
  { domain: "social", mood: "mixed", major: false, text: (f) => `${f("friend")} called out of the blue about ${f("topic")}` },
  { domain: "social", mood: "up", major: false, text: (f) => `Helped ${f("friend")} carry boxes into a new flat` },
  { domain: "social", mood: "up", major: false, slots: ["afternoon"], text: (f) => `Lunch with ${f("friend")} at ${f("place")}` },
  {
    domain: "social",
    mood: "up",
    major: true,
    slots: ["evening", "night"],
    text: (f) => `Drinks with ${f("friend")} at ${f("place")}`
  },
  { domain: "personal", mood: "up", major: false, text: (f) => `A ${f("exercise")} session that felt better than in weeks` },
  { domain: "personal", mood: "mixed", major: true, text: (f) => `A call from Mom about ${f("family")}` },
  { domain: "personal", mood: "down", major: false, text: (f) => `Lost her ${f("item")} and turned the flat upside down` },
  { domain: "personal", mood: "up", major: false, text: (f) => `Finished reading ${f("book")}` },
  { domain: "personal", mood: "up", major: true, text: (f) => `Booked ${f("trip")}` },
  { domain: "personal", mood: "down", major: false, text: () => "A headache that would not go away" },
  { domain: "personal", mood: "down", major: false, slots: ["morning"], text: () => "Overslept and had to skip breakfast" },
  {
    domain: "personal",
    mood: "down",
    major: true,
    slots: ["night"],
    text: (f) => `Could not sleep, thinking about ${f("family")}`
  }
]

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

const slotOrder: ReadonlyArray<TimeSlot> = TimeSlot.literals

const impact = (random: SeededRandom, mood: Mood): Pick<LifeEvent, "valence_delta" | "arousal_delta"> => {
  switch (mood) {
    case "up":
      return { valence_delta: roundTo2(random.between(0.03, 0.15)), arousal_delta: roundTo2(random.between(0, 0.1)) }
    case "down":
      return { valence_delta: roundTo2(-random.between(0.03, 0.15)), arousal_delta: roundTo2(random.between(0.02, 0.15)) }
    case "mixed":
      return { valence_delta: roundTo2(random.between(-0.05, 0.05)), arousal_delta: roundTo2(random.between(0.03, 0.12)) }
  }
}

/**
 * 3-5 events: the first four take distinct slots, a fifth shares one; events are returned in slot
 * order. No template is used twice in a day. Major events weigh 0.55-0.95, minor ones 0.2-0.6,
 * so some days bring an event important enough (≥ 0.7) to trigger a touchpoint.
 */
export const offlineLifeEventsFrom = (random: SeededRandom): ReadonlyArray<LifeEvent> => {
  const count = random.integer(3, 5)
  const distinct = random.shuffle(slotOrder).slice(0, Math.min(count, slotOrder.length))
  const slots = count > slotOrder.length ? [...distinct, distinct[random.integer(0, distinct.length - 1)]] : distinct
  const used = new Set<Template>()
  const fill: Filler = (key) => random.pick(fillers[key])
  const events = slots.map((slot): LifeEvent => {
    const domain = random.pick(LifeDomain.literals)
    const fitting = lifeEventTemplates.filter((t) =>
      t.domain === domain && !used.has(t) && (t.slots === undefined || t.slots.includes(slot))
    )
    const pool = fitting.length > 0 ? fitting : lifeEventTemplates.filter((t) => t.domain === domain)
    const template = pool[random.integer(0, pool.length - 1)]
    used.add(template)
    return {
      time_slot: slot,
      domain,
      description: capitalize(template.text(fill)),
      importance: roundTo2(template.major ? random.between(0.55, 0.95) : random.between(0.2, 0.6)),
      ...impact(random, template.mood)
    }
  })
  return events.sort((a, b) => slotOrder.indexOf(a.time_slot) - slotOrder.indexOf(b.time_slot))
}

/** The offline day of a user's local date ("YYYY-MM-DD"). */
export const offlineLifeEvents = (input: { readonly userId: string; readonly localDate: string }): ReadonlyArray<LifeEvent> =>
  offlineLifeEventsFrom(seededRandom(input.userId, input.localDate, "life_sim"))
