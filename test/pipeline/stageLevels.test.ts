import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { pipelineDependencies } from "../../src/pipeline/Pipeline.js"
import { type StagePlan, stageLevels } from "../../src/pipeline/PipelineStep.js"
import { earliestRunning, type RunningStages, runStages } from "../../src/pipeline/RunStages.js"
import { type PipelineRun, type StageName, stageNames } from "../../src/pipeline/Stage.js"
import type { StageResults } from "../../src/runs/ExecutionRepository.js"
import { neutralOutputs, stagesActing } from "../support/FakeStages.js"

const afterExtraction = stageNames.filter((n): n is Exclude<StageName, "extraction"> => n !== "extraction")

describe("the pipeline's plan", () => {
  it("waits only for earlier stages, and prompt_builder waits for every stage", () => {
    for (const [stage, waitsFor] of Object.entries(pipelineDependencies)) {
      for (const dependency of waitsFor) {
        expect(stageNames.indexOf(dependency), `${stage} waits for ${dependency}`).toBeLessThan(
          stageNames.findIndex((n) => n === stage)
        )
      }
    }
    expect([...pipelineDependencies.prompt_builder].sort()).toEqual(afterExtraction.filter((n) => n !== "prompt_builder").sort())
  })

  it("groups the eight stages after extraction into five levels", () => {
    expect(stageLevels(afterExtraction, pipelineDependencies)).toEqual([
      ["memory_update", "life_sim"],
      ["emotional", "game_state", "touchpoint"],
      ["conflict"],
      ["summary"],
      ["prompt_builder"]
    ])
  })

  it("without dependencies runs one stage after another", () => {
    expect(stageLevels(afterExtraction, undefined)).toEqual(afterExtraction.map((n) => [n]))
  })

  it("names the earliest running stage in pipeline order", () => {
    const running: RunningStages = [{ stage: "touchpoint", startedAtMs: 5 }, { stage: "emotional", startedAtMs: 7 }]
    expect(earliestRunning(running)).toEqual(Option.some({ stage: "emotional", startedAtMs: 7 }))
    expect(earliestRunning([])).toEqual(Option.none())
  })
})

/** A run as the orchestrator hands it over; the fake stages read nothing of it. */
const fakeRun: PipelineRun = {
  executionId: "00000000-0000-4000-8000-000000000001",
  conversation: {
    id: "00000000-0000-4000-8000-000000000002", userId: "00000000-0000-4000-8000-000000000003", platform: "text",
    startedAt: new Date(0), lastMessageAt: new Date(0), messages: []
  },
  user: {
    id: "00000000-0000-4000-8000-000000000003", timezone: "UTC", gameStatus: "active", chapter: 1, relationshipScore: 50,
    metrics: { intimacy: 50, passion: 50, trust: 50, secureness: 50 }, engagementState: "calibrating",
    vulnerabilityExchanges: 0, previousInteractionAt: Option.none(), conflictTemperature: 0,
    conflictUpdatedAt: Option.none(), conflictCriticalSince: Option.none(), createdAt: new Date(0)
  },
  startedAt: new Date(0),
  forceReprocess: false
}

/** Nine fake stages each taking 200 ms of (test) clock, run by the real level-by-level runner. */
const timedRun = (plan: StagePlan<never>, writeMs = 0) =>
  Effect.gen(function*() {
    const current = yield* Ref.make<RunningStages>([])
    const recorded = yield* Ref.make<ReadonlyArray<StageName>>([])
    const executions = {
      recordStages: (_id: string, results: StageResults) =>
        Effect.sleep(Duration.millis(writeMs)).pipe(
          Effect.zipRight(Ref.update(recorded, (list) => [...list, ...(Object.keys(results) as Array<StageName>)]))
        )
    }
    const fiber = yield* Effect.fork(
      Effect.gen(function*() {
        const startedAtMs = yield* Clock.currentTimeMillis
        const outcome = yield* Effect.either(
          runStages({ plan, run: fakeRun, context: yield* Effect.context<never>(), current, executions, runDeadlineMs: 60_000 })
        )
        return { outcome, elapsedMs: (yield* Clock.currentTimeMillis) - startedAtMs }
      })
    )
    yield* TestClock.adjust(Duration.seconds(30))
    const { elapsedMs, outcome } = yield* Fiber.join(fiber)
    return { elapsedMs, outcome, recorded: yield* Ref.get(recorded) }
  })

const taking200ms = (fail?: StageName) => (name: StageName) =>
  Effect.sleep(Duration.millis(200)).pipe(Effect.zipRight(name === fail ? Effect.fail(new Error(`${name} broke`)) : Effect.void))

describe("runStages", () => {
  it.effect("runs independent stages together: 6 levels × 200 ms, not 9 × 200 ms", () =>
    Effect.gen(function*() {
      const { elapsedMs, outcome, recorded } = yield* timedRun({ ...stagesActing(taking200ms()), after: pipelineDependencies })
      expect(elapsedMs).toBe(6 * 200)
      expect(Either.isRight(outcome) && outcome.right.failedStages).toEqual([])
      expect(Either.isRight(outcome) && Object.keys(outcome.right.results).sort()).toEqual([...stageNames].sort())
      expect(Either.isRight(outcome) && outcome.right.results.life_sim?.duration_ms).toBe(200)
      expect(Either.isRight(outcome) && outcome.right.outputs.summary).toEqual(neutralOutputs.summary)
      // Written level by level; the last level's results are written by the run's end.
      expect([...recorded].sort()).toEqual(stageNames.filter((name) => name !== "prompt_builder").sort())
    }))

  it.effect("without a plan's dependencies takes 9 × 200 ms", () =>
    Effect.gen(function*() {
      const { elapsedMs } = yield* timedRun(stagesActing(taking200ms()))
      expect(elapsedMs).toBe(9 * 200)
    }))

  it.effect("a failed memory update stops the run after its level: life_sim finished, nothing later ran", () =>
    Effect.gen(function*() {
      const { outcome, recorded } = yield* timedRun({ ...stagesActing(taking200ms("memory_update")), after: pipelineDependencies })
      expect(Either.isLeft(outcome) && outcome.left._tag === "StagesStopped" && outcome.left.error.stage).toBe("memory_update")
      expect(Either.isLeft(outcome) && outcome.left._tag === "StagesStopped" && Object.keys(outcome.left.results).sort()).toEqual(
        ["extraction", "life_sim", "memory_update"]
      )
      expect([...recorded].sort()).toEqual(["extraction", "life_sim", "memory_update"])
    }))

  it.effect("progress writes run behind the stages: 50 ms writes add nothing to 6 levels × 200 ms", () =>
    Effect.gen(function*() {
      const { elapsedMs, recorded } = yield* timedRun({ ...stagesActing(taking200ms()), after: pipelineDependencies }, 50)
      expect(elapsedMs).toBe(6 * 200)
      expect([...recorded].sort()).toEqual(stageNames.filter((name) => name !== "prompt_builder").sort())
    }))

  it.effect("the run waits for its writes, made in level order, before it answers", () =>
    Effect.gen(function*() {
      // Five level writes of 500 ms each, one after another from the first level's end at 200 ms.
      const { elapsedMs, outcome, recorded } = yield* timedRun({ ...stagesActing(taking200ms()), after: pipelineDependencies }, 500)
      expect(Either.isRight(outcome)).toBe(true)
      expect(elapsedMs).toBe(200 + 5 * 500)
      const levels = [recorded.slice(0, 1), recorded.slice(1, 3), recorded.slice(3, 6), recorded.slice(6, 7), recorded.slice(7)]
      expect(levels.map((level) => [...level].sort())).toEqual(
        [["extraction"], ["life_sim", "memory_update"], ["emotional", "game_state", "touchpoint"], ["conflict"], ["summary"]]
      )
    }))

  it.effect("a recoverable failure is recorded in pipeline order while the run goes on", () =>
    Effect.gen(function*() {
      const { outcome } = yield* timedRun({ ...stagesActing(taking200ms("touchpoint")), after: pipelineDependencies })
      expect(Either.isRight(outcome) && outcome.right.failedStages).toEqual(["touchpoint"])
      expect(Either.isRight(outcome) && outcome.right.results.prompt_builder?.success).toBe(true)
    }))
})
