import { describe, expect, it } from "@effect/vitest"
import { isValidTimeZone, localDate, localHour } from "../../src/game/LocalTime.js"

describe("localDate and localHour", () => {
  it.each([
    { instant: "2025-03-01T23:30:00Z", zone: "UTC", date: "2025-03-01", hour: 23 },
    { instant: "2025-03-01T23:30:00Z", zone: "Europe/Berlin", date: "2025-03-02", hour: 0 },
    { instant: "2025-03-01T23:30:00Z", zone: "Asia/Tokyo", date: "2025-03-02", hour: 8 },
    { instant: "2025-03-01T03:30:00Z", zone: "America/Los_Angeles", date: "2025-02-28", hour: 19 },
    { instant: "2025-03-01T18:45:00Z", zone: "Asia/Kolkata", date: "2025-03-02", hour: 0 },
    { instant: "2025-12-31T22:00:00Z", zone: "Pacific/Auckland", date: "2026-01-01", hour: 11 },
    { instant: "2025-07-01T12:00:00Z", zone: "America/New_York", date: "2025-07-01", hour: 8 },
    { instant: "2025-01-01T12:00:00Z", zone: "America/New_York", date: "2025-01-01", hour: 7 },
    { instant: "2025-03-01T00:00:00Z", zone: "UTC", date: "2025-03-01", hour: 0 }
  ])("$instant in $zone is $date, hour $hour", ({ date, hour, instant, zone }) => {
    expect(localDate(new Date(instant), zone)).toBe(date)
    expect(localHour(new Date(instant), zone)).toBe(hour)
  })

  it("throws for an unknown time zone", () => {
    expect(() => localDate(new Date(0), "Mars/Olympus_Mons")).toThrow(RangeError)
  })
})

describe("isValidTimeZone", () => {
  it.each([
    ["Europe/Berlin", true],
    ["UTC", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Mars/Olympus_Mons", false],
    ["", false],
    ["   ", false]
  ] as const)("%s → %s", (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid)
  })
})
