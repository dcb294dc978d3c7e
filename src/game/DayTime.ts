import type { TimeSlot } from "./LifeEventSchema.js"
import { localDate, localHour } from "./LocalTime.js"

/**
 * Where a local hour stands in Nikita's day, shared by the prompt, the emotional stage and the
 * touchpoints so that they agree on what "has happened". A slot's events happen from its start
 * hour on; before 06:00 none of the day's events has happened yet (the night slot is the late
 * evening of its own date, not the small hours after it).
 */
export const slotStartHour: { readonly [S in TimeSlot]: number } = { morning: 6, afternoon: 12, evening: 18, night: 22 }

export const slotOrder: { readonly [S in TimeSlot]: number } = { morning: 0, afternoon: 1, evening: 2, night: 3 }

/** Whether an event of `slot` has happened by the local `hour` of its own date. */
export const slotHasHappened = (slot: TimeSlot, hour: number): boolean => hour >= slotStartHour[slot]

/**
 * Whether an event of `slot` on local date `date` has happened at `instant`: always for an
 * earlier date, by the hour on the same date, never for a later date.
 */
export const eventHasHappened = (event: { readonly time_slot: TimeSlot }, date: string, instant: Date, timeZone: string): boolean => {
  const today = localDate(instant, timeZone)
  return date < today ? true : date > today ? false : slotHasHappened(event.time_slot, localHour(instant, timeZone))
}
