/**
 * The player's local calendar, through Intl only. Daily summaries, life events and touchpoint
 * windows all follow the player's day, not the server's.
 */
const formatters = new Map<string, Intl.DateTimeFormat>()

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  const cached = formatters.get(timeZone)
  if (cached !== undefined) return cached
  const formatter = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23"
  })
  formatters.set(timeZone, formatter)
  return formatter
}

export const isValidTimeZone = (timeZone: string): boolean => {
  if (timeZone.trim() === "") return false
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

export interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
}

/** Throws a RangeError for an unknown time zone: callers validate with `isValidTimeZone` first. */
export const localParts = (instant: Date, timeZone: string): LocalParts => {
  const parts = formatterFor(timeZone).formatToParts(instant)
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? Number.NaN)
  return { year: part("year"), month: part("month"), day: part("day"), hour: part("hour"), minute: part("minute") }
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0")

/** "YYYY-MM-DD" in the time zone. */
export const localDate = (instant: Date, timeZone: string): string => {
  const { day, month, year } = localParts(instant, timeZone)
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`
}

/** 0..23 in the time zone. */
export const localHour = (instant: Date, timeZone: string): number => localParts(instant, timeZone).hour
