import type { SqlError } from "@effect/sql/SqlError"
import { Cause, Clock, type Context, Duration, Effect, Either, Exit, Fiber, Option, Ref, Schedule } from "effect"
import type { ExecutionRepository, StageResult, StageResults } from "../runs/ExecutionRepository.js"
import { type CriticalStageError, type CriticalStageName, type EarlierOutputs, type PipelineRun, type StageName, stageNames } from "./Stage.js"
import { criticalTimedOut, recoverableTimedOut, type StagePlan, stageLevels } from "./PipelineStep.js"
import * as Deadline from "../model/Deadline.js"
import { recordStage } from "../observability/ServiceMetrics.js"

/** A recoverable stage gets one more try, half a second later (DOMAIN.md's game rule). */
export const RecoverableRetry = Schedule.addDelay(Schedule.recurs(1), () => "500 millis")

/** The stage running now and when it started: what a timeout or status poll names. */
export type CurrentStage = Option.Option<{ readonly stage: StageName; readonly startedAtMs: number }>

/**
 * The stages running now (several at once). The last one of a level stays listed until the next
 * level starts, so a budget running out between two stages still names the stage just run.
 */
export type RunningStages = ReadonlyArray<{ readonly stage: StageName; readonly startedAtMs: number }>

/** Of the stages running, the earliest in pipeline order: one name, the same on every run. */
export const earliestRunning = (running: RunningStages): CurrentStage =>
  Option.fromNullable(
    stageNames.map((name) => running.find((r) => r.stage === name)).find((r) => r !== undefined)
  )

export interface StagesCompleted {
  readonly outputs: EarlierOutputs
  readonly results: StageResults
  readonly failedStages: ReadonlyArray<StageName>
}

export interface StagesStopped {
  readonly _tag: "StagesStopped"
  readonly error: CriticalStageError
  readonly results: StageResults
  readonly stageStartedAtMs: number
}

/**
 * Progress writes of one run are at least this far apart (the first this long after the run's
 * start, which the execution's start recorded). Status polling sees a run's progress with this
 * delay at most, and a run shorter than this writes none: its end records every result.
 */
export const ProgressWriteInterval = Duration.millis(250)

/**
 * Runs `extraction`, then the other stages level by level (`stageLevels` of the plan's `after`):
 * the stages of a level run concurrently, and the next level starts when all of them ended. A
 * critical stage's error stops the run once its level has ended (no later level runs; stages
 * beside it finish rather than being cut mid-write, and being idempotent per conversation, a
 * retry applies nothing twice); a recoverable one is retried once, then recorded, and the run
 * goes on. Each level's results are written to the execution as the level ends so that status
 * polling sees progress, but behind the stages (no later stage reads them, so the next level does
 * not wait for that round trip) and by one writer: its writes are `ProgressWriteInterval` apart,
 * each takes every level that ended since the last, in level order. When the stages end, what no
 * write took yet is left to the run's end, which records every result; a write under way is
 * waited for, so the run's end is always written after it. Every stage runs under its own
 * deadline, the earlier of its timeout and the run's deadline (`runDeadlineMs`), which the
 * model's attempts and retries read to fit inside it.
 */
export const runStages = <R>(input: {
  readonly plan: StagePlan<R>
  readonly run: PipelineRun
  readonly context: Context.Context<R>
  readonly current: Ref.Ref<RunningStages>
  /** Only where progress is written, so a test can run the stages without a database. */
  readonly executions: Pick<ExecutionRepository, "recordStages">
  readonly runDeadlineMs: number
  /** Every stage's result as it ends, also those not written yet (a budget running out reads them). */
  readonly results?: Ref.Ref<StageResults>
}): Effect.Effect<StagesCompleted, StagesStopped | SqlError> =>
  Effect.flatMap(Clock.currentTimeMillis, (runStartMs) => {
    // The progress writer: the levels ended and not written yet, whether a writer is on them (it
    // stays on until nothing is left, or its write failed), and its fiber.
    let unwritten: { readonly results: StageResults; readonly next: StageName | undefined } | undefined
    let writing = false
    let writer: Fiber.RuntimeFiber<void, SqlError> | undefined
    let lastWriteMs = runStartMs
    const interval = Duration.toMillis(ProgressWriteInterval)
    const writeUnwritten: Effect.Effect<void, SqlError> = Effect.suspend(() =>
      unwritten === undefined
        ? Effect.sync(() => {
          writing = false
        })
        : Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.zipRight(
            Effect.sleep(Duration.millis(Math.max(0, lastWriteMs + interval - now))),
            Effect.suspend(() => {
              const taken = unwritten
              unwritten = undefined
              if (taken === undefined) return writeUnwritten
              return Effect.zipRight(
                Effect.uninterruptible(Effect.zipRight(
                  Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => (lastWriteMs = at))),
                  input.executions.recordStages(input.run.executionId, taken.results, taken.next)
                )),
                writeUnwritten
              )
            })
          ))
    )
    /**
     * Ends the writer: nothing more is written (the run's end records it), a write under way ends
     * first, and a write that failed fails the run.
     */
    const stopWriting = Effect.suspend(() => {
      unwritten = undefined
      const running = writer
      return running === undefined ? Effect.void : Effect.flatMap(Fiber.interrupt(running), (exit) =>
        Exit.isFailure(exit) && Option.isSome(Cause.failureOption(exit.cause)) ? exit : Effect.void)
    })

    return Effect.gen(function*() {
      const { context, current, plan, run, runDeadlineMs } = input
      const writes = yield* Effect.scope
      const recordBehind = (stageResults: StageResults, next: StageName | undefined) =>
        Effect.suspend(() => {
          unwritten = unwritten === undefined
            ? { results: stageResults, next }
            : { results: { ...unwritten.results, ...stageResults }, next }
          if (writing) return Effect.void
          writing = true
          return Effect.map(Effect.forkIn(writeUnwritten, writes), (fiber) => {
            writer = fiber
          })
        })
      let results: StageResults = {}
      const setResult = (name: StageName, result: StageResult) => {
        results = { ...results, [name]: result }
        return input.results === undefined ? Effect.void : Ref.set(input.results, results)
      }

      const levels = [["extraction" as const], ...stageLevels(["memory_update", ...plan.recoverable.map((s) => s.name)], plan.after)]
      // The last stage of a level to end writes the level's results and, as the one running, the
      // next level's first stage: one write per level (none after a critical failure names a next
      // stage: the run stops). The last level's results are written by the run's end.
      const levelEnds = yield* Ref.make({ left: 0, stopping: false, last: false, next: Option.none<StageName>(), ended: {} as StageResults })
      const ended = (name: StageName, result: StageResult, stops: boolean) =>
        Ref.modify(levelEnds, (level) => {
          const state = { ...level, left: level.left - 1, stopping: level.stopping || stops, ended: { ...level.ended, [name]: result } }
          const write = state.left === 0 && !(state.last && !state.stopping)
            ? Option.some({ results: state.ended, next: state.stopping ? undefined : Option.getOrUndefined(state.next) })
            : Option.none()
          return [write, state]
        })

      /** One stage: enter, run under its deadline, record its result. */
      const attempt = <A, E extends { readonly message: string }>(
        stage: { readonly name: StageName; readonly timeout: Duration.Duration },
        work: Effect.Effect<A, E, R>,
        timedOut: () => E,
        retry: boolean,
        judge: (output: A, result: StageResult) => StageResult = (_, result) => result
      ) =>
        Effect.gen(function*() {
          const startedAtMs = yield* Clock.currentTimeMillis
          yield* Ref.update(current, (running) => [...running, { stage: stage.name, startedAtMs }])
          const deadlineMs = Math.min(runDeadlineMs, startedAtMs + Duration.toMillis(stage.timeout))
          const timed = work.pipe(
            Effect.timeoutFail({ duration: stage.timeout, onTimeout: timedOut })
          )
          const outcome = yield* (retry ? Effect.retry(timed, RecoverableRetry) : timed).pipe(
            Deadline.within(deadlineMs),
            Effect.provide(context),
            Effect.annotateLogs("stage", stage.name),
            Effect.either
          )
          const durationMs = (yield* Clock.currentTimeMillis) - startedAtMs
          const result: StageResult = Either.match(outcome, {
            onLeft: (error) => ({ status: "failed", success: false, duration_ms: durationMs, error: error.message }),
            onRight: (output) => judge(output, { status: "success", success: true, duration_ms: durationMs, error: null })
          })
          yield* setResult(stage.name, result)
          yield* recordStage(stage.name, Either.isRight(outcome) ? "success" : "failed", durationMs)
          const write = yield* ended(stage.name, result, !retry && Either.isLeft(outcome))
          if (Option.isSome(write)) yield* recordBehind(write.value.results, write.value.next)
          yield* Ref.update(current, (running) => running.length > 1 ? running.filter((r) => r.stage !== stage.name) : running)
          return { outcome, startedAtMs }
        })

      const critical = <A>(
        stage: { readonly name: CriticalStageName; readonly timeout: Duration.Duration },
        work: Effect.Effect<A, CriticalStageError, R>,
        judge?: (output: A, result: StageResult) => StageResult
      ) =>
        Effect.flatMap(attempt(stage, work, () => criticalTimedOut(stage.name, stage.timeout), false, judge), ({ outcome, startedAtMs }) =>
          Either.match(outcome, {
            onRight: Effect.succeed,
            onLeft: (error) =>
              Effect.logError("critical stage failed; the run stops").pipe(
                Effect.annotateLogs({ stage: stage.name, error: error.message }),
                Effect.zipRight(
                  Effect.fail<StagesStopped>({ _tag: "StagesStopped", error, results, stageStartedAtMs: startedAtMs })
                )
              )
          }))

      const startLevel = (index: number) => {
        const level = levels[index] ?? []
        return Effect.zipRight(
          Ref.set(current, []),
          Ref.set(levelEnds, {
            left: level.length,
            stopping: false,
            last: index === levels.length - 1,
            next: Option.fromNullable(levels[index + 1]?.[0]),
            ended: {}
          })
        )
      }

      // The execution names `extraction` as running from its start (ExecutionRepository.start).
      yield* startLevel(0)
      // A fallback to the empty extraction lets the run go on, but it did not do its job: the run
      // is partial, and the extraction's result carries the reason.
      const extraction = yield* critical(plan.extraction, plan.extraction.run(run, {}), (output, result): StageResult =>
        output.fallbackReason === undefined ? result : {
          status: "failed",
          success: false,
          duration_ms: result.duration_ms,
          error: `no usable extraction, continued with the empty one: ${output.fallbackReason}`
        })
      let outputs: EarlierOutputs = { extraction }
      const failed = new Set<StageName>()
      if (extraction.fallbackReason !== undefined) failed.add("extraction")

      /** One stage of a level, reading what the levels before handed on; its output keyed by name. */
      const runOne = (name: Exclude<StageName, "extraction">, earlier: EarlierOutputs) => {
        if (name === "memory_update") {
          return Effect.map(
            critical(plan.memoryUpdate, plan.memoryUpdate.run(run, { extraction: earlier.extraction })),
            (memoryUpdate): Partial<EarlierOutputs> => ({ memory_update: memoryUpdate })
          )
        }
        const stage = plan.recoverable.find((s) => s.name === name)
        if (stage === undefined) return Effect.succeed<Partial<EarlierOutputs>>({})
        return Effect.flatMap(
          attempt(stage, stage.run(run, earlier), () => recoverableTimedOut(stage.name, stage.timeout), true),
          ({ outcome }) =>
            Either.match(outcome, {
              onRight: (output) => Effect.succeed<Partial<EarlierOutputs>>(output),
              onLeft: (error) => {
                failed.add(stage.name)
                return Effect.logWarning("recoverable stage failed after its retry; the run goes on").pipe(
                  Effect.annotateLogs({ stage: stage.name, error: error.message }),
                  Effect.as<Partial<EarlierOutputs>>({})
                )
              }
            })
        )
      }

      // Status polling shows the earliest stage of the running level as the one running.
      for (const [index, level] of levels.entries()) {
        if (index === 0) continue
        yield* startLevel(index)
        const earlier = outputs
        const ran = yield* Effect.all(
          level.flatMap((name) => name === "extraction" ? [] : [runOne(name, earlier)]),
          { concurrency: "unbounded", mode: "either" }
        )
        for (const outcome of ran) {
          if (Either.isLeft(outcome)) return yield* Effect.fail<StagesStopped>({ ...outcome.left, results })
          outputs = { ...outputs, ...outcome.right }
        }
      }
      yield* Ref.set(current, [])
      const failedStages = stageNames.filter((name) => failed.has(name))
      return { outputs, results, failedStages }
    }).pipe(
      Effect.exit,
      Effect.flatMap((exit) => Effect.zipRight(stopWriting, exit)),
      Effect.scoped,
      Effect.annotateLogs({ conversation_id: input.run.conversation.id, execution_id: input.run.executionId })
    )
  })
