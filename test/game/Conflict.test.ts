import { describe, expect, it } from "@effect/vitest"
import {
  type ConflictState,
  type ConflictUpdate,
  conflictZone,
  cooledTemperature,
  type Horseman,
  horsemenHeat,
  initialConflictState,
  nextConflictState,
  type RepairAttempt,
  scoreChangeHeat
} from "../../src/game/Conflict.js"

const t0 = new Date("2025-03-01T12:00:00Z")
const hoursLater = (hours: number): Date => new Date(t0.getTime() + hours * 3_600_000)
const at = (temperature: number, criticalSince: Date | null = null): ConflictState => ({
  temperature,
  criticalSince,
  updatedAt: t0
})
const calmUpdate: ConflictUpdate = {
  previous: at(40),
  now: t0,
  scoreChange: 0,
  score: 50,
  horsemen: [],
  repairAttempt: "none"
}

describe("zones", () => {
  it.each([
    [0, "calm"],
    [24.99, "calm"],
    [25, "warm"],
    [49.99, "warm"],
    [50, "hot"],
    [74.99, "hot"],
    [75, "critical"],
    [100, "critical"]
  ] as const)("%d is %s", (temperature, zone) => {
    expect(conflictZone(temperature)).toBe(zone)
  })
})

describe("temperature rules", () => {
  it.each([
    { temperature: 40, hours: 10, cooled: 35 },
    { temperature: 40, hours: 0.5, cooled: 39.75 },
    { temperature: 10, hours: 48, cooled: 0 },
    { temperature: 40, hours: -3, cooled: 40 }
  ])("passive cooling 0.5/h: $temperature after $hours h → $cooled", ({ cooled, hours, temperature }) => {
    expect(cooledTemperature(temperature, hours)).toBe(cooled)
  })

  it.each([
    { change: -2, heat: 3 },
    { change: -3, heat: 4.5 },
    { change: -4, heat: 11 },
    { change: -6, heat: 14 },
    { change: 0, heat: 0 },
    { change: 4, heat: -2 },
    { change: 6, heat: -3 }
  ])("score change $change → $heat", ({ change, heat }) => {
    expect(scoreChangeHeat(change)).toBe(heat)
  })

  it.each<{ horsemen: ReadonlyArray<Horseman>; heat: number }>([
    { horsemen: [], heat: 0 },
    { horsemen: ["criticism"], heat: 4 },
    { horsemen: ["contempt"], heat: 8 },
    { horsemen: ["defensiveness"], heat: 3 },
    { horsemen: ["stonewalling"], heat: 5 },
    { horsemen: ["criticism", "contempt", "defensiveness", "stonewalling"], heat: 20 },
    { horsemen: ["contempt", "contempt", "criticism"], heat: 12 }
  ])("horsemen $horsemen → +$heat", ({ heat, horsemen }) => {
    expect(horsemenHeat(horsemen)).toBe(heat)
  })

  it.each<{ repair: RepairAttempt; temperature: number }>([
    { repair: "none", temperature: 40 },
    { repair: "adequate", temperature: 35 },
    { repair: "good", temperature: 25 },
    { repair: "excellent", temperature: 15 }
  ])("repair $repair from 40 → $temperature", ({ repair, temperature }) => {
    expect(nextConflictState({ ...calmUpdate, repairAttempt: repair }).state.temperature).toBe(temperature)
  })

  it("combines cooling, score change, horsemen and repair in that order", () => {
    const result = nextConflictState({
      previous: at(40),
      now: hoursLater(10),
      scoreChange: -4,
      score: 45,
      horsemen: ["contempt", "stonewalling"],
      repairAttempt: "adequate"
    })
    expect(result.state.temperature).toBe(40 - 5 + 11 + 13 - 5)
    expect(result.zone).toBe("hot")
    expect(result.state.updatedAt).toEqual(hoursLater(10))
  })

  it("clamps to 0..100 and cools before heating", () => {
    expect(nextConflictState({ ...calmUpdate, previous: at(95), horsemen: ["contempt"], scoreChange: -6 }).state.temperature)
      .toBe(100)
    expect(nextConflictState({ ...calmUpdate, previous: at(5), now: hoursLater(100), horsemen: ["criticism"] }).state.temperature)
      .toBe(4)
    expect(nextConflictState({ ...calmUpdate, previous: at(10), repairAttempt: "excellent" }).state.temperature).toBe(0)
  })

  it("a new player starts calm", () => {
    expect(initialConflictState(t0)).toEqual({ temperature: 0, criticalSince: null, updatedAt: t0 })
  })
})

describe("critical zone tracking", () => {
  it("records when the critical zone is entered", () => {
    const result = nextConflictState({ ...calmUpdate, previous: at(70), horsemen: ["contempt"] })
    expect(result.zone).toBe("critical")
    expect(result.state.criticalSince).toEqual(t0)
    expect(result.hoursCritical).toBe(0)
  })

  it("keeps the entry time while it stays critical", () => {
    const since = new Date(t0.getTime() - 10 * 3_600_000)
    const result = nextConflictState({ ...calmUpdate, previous: at(90, since), now: hoursLater(2) })
    expect(result.state.temperature).toBe(89)
    expect(result.state.criticalSince).toEqual(since)
    expect(result.hoursCritical).toBe(12)
  })

  it("restarts the clock when cooling left the zone during the gap", () => {
    const since = new Date(t0.getTime() - 10 * 3_600_000)
    const result = nextConflictState({ ...calmUpdate, previous: at(80, since), now: hoursLater(20), horsemen: ["contempt"], scoreChange: -4 })
    expect(result.state.temperature).toBe(70 + 8 + 11)
    expect(result.state.criticalSince).toEqual(hoursLater(20))
  })

  it("clears it when leaving the zone", () => {
    const result = nextConflictState({ ...calmUpdate, previous: at(80, t0), repairAttempt: "good" })
    expect(result.zone).toBe("hot")
    expect(result.state.criticalSince).toBeNull()
    expect(result.hoursCritical).toBe(0)
  })
})

describe("warning and breakup", () => {
  const since = (hoursAgo: number) => new Date(t0.getTime() - hoursAgo * 3_600_000)
  it.each([
    { name: "calm, good score", temperature: 40, criticalFor: null, score: 50, outcome: "none" },
    { name: "critical for 24 h exactly", temperature: 80, criticalFor: 24, score: 50, outcome: "none" },
    { name: "critical for 25 h", temperature: 80, criticalFor: 25, score: 50, outcome: "warning" },
    { name: "critical 49 h but only 90", temperature: 90, criticalFor: 49, score: 50, outcome: "warning" },
    { name: "critical 48 h at 95", temperature: 95, criticalFor: 48, score: 50, outcome: "warning" },
    { name: "critical 49 h at 95", temperature: 95, criticalFor: 49, score: 50, outcome: "breakup" },
    { name: "score under 20", temperature: 10, criticalFor: null, score: 19.99, outcome: "warning" },
    { name: "score 20", temperature: 10, criticalFor: null, score: 20, outcome: "none" },
    { name: "score under 10", temperature: 10, criticalFor: null, score: 9.99, outcome: "breakup" },
    { name: "score 10", temperature: 10, criticalFor: null, score: 10, outcome: "warning" }
  ])("$name → $outcome", ({ criticalFor, outcome, score, temperature }) => {
    const previous = at(temperature, criticalFor === null ? null : since(criticalFor))
    expect(nextConflictState({ ...calmUpdate, previous, score }).outcome).toBe(outcome)
  })
})
