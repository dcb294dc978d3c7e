import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Queue, Ref } from "effect"
import { ConversationStream } from "../../src/queue/ConversationStream.js"
import { PipelineRuns } from "../../src/queue/PipelineRuns.js"
import { Tasks } from "../../src/queue/Tasks.js"
import { WorkerPool } from "../../src/queue/WorkerPool.js"
import { StreamState } from "../../src/runs/StreamState.js"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { stagesActing } from "../support/FakeStages.js"
import { insertConversation, insertPlayer } from "../stages/fixtures.js"
import { conversationState, eventually, executionsOf, instanceOver } from "./support.js"

/**
 * One worker pool per instance: the stream, `POST /tasks/process-conversations` and the async
 * trigger's background runs share its STREAM_CONCURRENCY slots, its runs in flight and its drain
 * (one SHUTDOWN_GRACE for all). The instance is composed as the application composes it
 * (`triggersOver`); each run's extraction waits at a gate the test opens, so what runs at once is
 * decided by the test, never by timing.
 */

/** Stages the test controls: a run's extraction reports that it started, then waits for its conversation's gate. */
const gatedStages = Effect.gen(function*() {
  const gates = new Map<string, Deferred.Deferred<void>>()
  const started = yield* Queue.unbounded<string>()
  /** Runs of the stream and the task (they hold a slot) in their stages right now, and the most seen. */
  const onSlots = yield* Ref.make(0)
  const mostOnSlots = yield* Ref.make(0)
  /** Conversations run by the async trigger: in flight too, but on no slot. */
  const background = new Set<string>()

  const plan = stagesActing((name, run) => {
    if (name !== "extraction") return Effect.void
    const id = run.conversation.id
    const slotted = !background.has(id)
    return Effect.gen(function*() {
      if (slotted) {
        const now = yield* Ref.updateAndGet(onSlots, (n) => n + 1)
        yield* Ref.update(mostOnSlots, (most) => Math.max(most, now))
      }
      yield* Queue.offer(started, id)
      const gate = gates.get(id)
      if (gate !== undefined) yield* Deferred.await(gate)
    }).pipe(Effect.ensuring(slotted ? Ref.update(onSlots, (n) => n - 1) : Effect.void))
  }, { stages: ["extraction"] })

  /** A new player's queued conversation, held at its gate once its run starts. */
  const gatedConversation = Effect.gen(function*() {
    const id = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: new Date() })
    gates.set(id, yield* Deferred.make<void>())
    return id
  })
  /** Lets the conversation's run go on past extraction. */
  const open = (id: string) =>
    Effect.suspend(() => {
      const gate = gates.get(id)
      return gate === undefined ? Effect.dieMessage(`no gate for ${id}`) : Deferred.succeed(gate, undefined)
    })

  return { plan, nextStarted: Queue.take(started), mostOnSlots, background, gatedConversation, open } as const
})

describe.skipIf(!postgresAvailable)("one worker pool per instance", () => {
  it.scopedLive("the stream, the task and the async trigger share its slots, its runs in flight and its drain", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const stages = yield* gatedStages

      yield* Effect.gen(function*() {
        const stream = yield* ConversationStream
        const tasks = yield* Tasks
        const runs = yield* PipelineRuns
        const pool = yield* WorkerPool

        // The task takes both slots: its two runs wait at their gates.
        const c = yield* stages.gatedConversation
        const d = yield* stages.gatedConversation
        const task = yield* Effect.forkScoped(tasks.processConversations({ limit: 2 }))
        expect([yield* stages.nextStarted, yield* stages.nextStarted].sort()).toEqual([c, d].sort())
        // The stream counts the task's runs as its own, and so does the instance's WorkerPool.
        expect(yield* stream.inFlight).toBe(2)
        expect(yield* pool.inFlight).toBe(2)

        // An async run takes no slot, but it is one of the same runs in flight.
        const e = yield* stages.gatedConversation
        stages.background.add(e)
        yield* runs.submit(e, { trigger: "http_async" })
        expect(yield* stages.nextStarted).toBe(e)
        expect(yield* stream.inFlight).toBe(3)

        // The stream, started now, finds no free slot at its first poll (which sets it running):
        // f stays queued, and starts only once a task run has ended.
        const f = yield* stages.gatedConversation
        yield* Effect.forkScoped(stream.run)
        yield* eventually(Effect.flatMap(StreamState, (state) => state.get), (status) => status === "running")
        expect((yield* conversationState(f)).status).toBe("queued")
        yield* stages.open(c)
        expect(yield* stages.nextStarted).toBe(f)

        // The stream's drain waits for every run of the pool: the task's, the async one and its own.
        yield* Effect.forEach([d, e, f], stages.open)
        expect(yield* stream.drain("30 seconds")).toMatchObject({ interrupted: 0 })
        for (const id of [c, d, e, f]) expect((yield* conversationState(id)).status).toBe("processed")
        expect(yield* Fiber.join(task)).toMatchObject({ detected: 2, processed: 2 })
        const triggerOf = (id: string) => Effect.map(executionsOf(id), (executions) => executions.map((execution) => execution.trigger))
        const triggers = yield* Effect.forEach([c, d, e, f], triggerOf)
        expect(triggers).toEqual([["task"], ["task"], ["http_async"], ["stream"]])

        // Never more than STREAM_CONCURRENCY runs of the stream and the task at once, in total.
        expect(yield* Ref.get(stages.mostOnSlots)).toBe(2)
      }).pipe(Effect.scoped, Effect.provide(instanceOver(url, { STREAM_CONCURRENCY: "2" }, stages.plan)))
    }))
})
