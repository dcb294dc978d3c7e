import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer, Option } from "effect"
import { ApplicationLive } from "../AppLayer.js"
import { DatabaseLive } from "../db/Database.js"
import { Migrations } from "../db/Migrations.js"
import { backfillEmbeddings } from "../memory/EmbeddingBackfill.js"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import { Embeddings } from "../model/Embeddings.js"
import { PipelineOrchestrator } from "../pipeline/Pipeline.js"
import { ExecutionRepository } from "../runs/ExecutionRepository.js"
import { oneLineFailures, ServiceLive, withRuntime } from "../Service.js"
import { runDemo } from "./Demo.js"
import { parseSince, retryFailed } from "./RetryFailed.js"
import { CliFailure, print, progressBar, stageTable } from "./Output.js"

/**
 * `aftertalk <command>`: the service and the operator's tools, all on the configuration the
 * service uses (DATABASE_URL or DATA_DIR, OPENAI_*). Every failure a person can fix is one line
 * on stderr with exit code 1; results go to stdout, logs and progress to stderr.
 */

/** A tool's program over the application (database, repositories, pipeline), without HTTP or stream. */
const tool = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  program.pipe(Effect.provide(ApplicationLive), withRuntime("tool"), oneLineFailures)

const serve = Command.make("serve", {}, () =>
  Layer.launch(ServiceLive).pipe(withRuntime("service"), oneLineFailures)).pipe(
    Command.withDescription("Run the service: the HTTP API on HOST:PORT and the pipeline's stream (what npm start runs).")
  )

const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function*() {
    const { applied } = yield* Migrations
    yield* print(applied.length === 0
      ? "the database is up to date"
      : `applied ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
  }).pipe(Effect.provide(DatabaseLive), withRuntime("tool"), oneLineFailures)).pipe(
    Command.withDescription("Apply pending migrations to the configured database and exit (the service also does this at start).")
  )

const conversationId = Args.text({ name: "conversation_id" }).pipe(
  Args.withDescription("The conversation to run the pipeline on")
)
const force = Options.boolean("force").pipe(Options.withDescription("Run it again even if it was already processed"))

const processCommand = Command.make("process", { conversationId, force }, (input) =>
  tool(Effect.gen(function*() {
    const orchestrator = yield* PipelineOrchestrator
    const executions = yield* ExecutionRepository
    const report = yield* orchestrator.process(input.conversationId, { trigger: "task", forceReprocess: input.force }).pipe(
      Effect.catchTag("PipelineFailed", (failed) =>
        Effect.gen(function*() {
          const execution = yield* executions.find(failed.executionId)
          yield* print(stageTable(Option.match(execution, { onNone: () => ({}), onSome: (found) => found.stage_results })))
          return yield* new CliFailure({ message: `the run failed at ${failed.failedStage}: ${failed.reason}` })
        })),
      Effect.catchTags({
        ConversationNotFound: () => new CliFailure({ message: `no conversation ${input.conversationId}` }),
        ConversationAlreadyProcessed: () =>
          new CliFailure({ message: `conversation ${input.conversationId} was already processed; add --force to run it again` }),
        ConversationInProgress: () => new CliFailure({ message: `conversation ${input.conversationId} is being processed right now` }),
        UserBusy: () => new CliFailure({ message: `another run of this player did not finish within the run's budget` })
      })
    )
    yield* print(stageTable(report.stageResults))
    yield* print(`${report.status} in ${report.totalDurationMs} ms (execution ${report.executionId})`)
  }))).pipe(Command.withDescription("Run the pipeline on one conversation now and print its stage table."))

const backfill = Command.make("backfill-embeddings", {}, () =>
  Effect.gen(function*() {
    let bar: ReturnType<typeof progressBar> | undefined
    const report = yield* backfillEmbeddings({
      onProgress: (done, total) => {
        bar ??= progressBar("embedding", total)
        return bar.update(done)
      }
    })
    yield* print(`${report.embedded} embedded, ${report.skipped} skipped of ${report.total} in ${report.elapsedMillis} ms`)
  }).pipe(
    Effect.provide(Layer.mergeAll(MemoryRepository.Default, Embeddings.Default).pipe(Layer.provideMerge(DatabaseLive))),
    withRuntime("tool"),
    oneLineFailures
  )).pipe(Command.withDescription("Embed the memory facts stored while embeddings were unavailable; safe to interrupt and run again."))

const since = Options.text("since").pipe(
  Options.optional,
  Options.withDescription("Only those that failed within this duration, e.g. \"24 hours\" (default: all)")
)

const retryFailedCommand = Command.make("retry-failed", { since }, (input) =>
  tool(Effect.flatMap(
    Option.match(input.since, { onNone: () => Effect.succeedNone, onSome: (raw) => Effect.asSome(parseSince(raw)) }),
    retryFailed
  ))).pipe(Command.withDescription("Put failed conversations back in the queue with a fresh set of attempts."))

const demo = Command.make("demo", {}, () => tool(runDemo)).pipe(
  Command.withDescription("Create sample players and conversations in the configured database, process them, and print one player's prompt and facts.")
)

export const aftertalk = Command.make("aftertalk").pipe(
  Command.withDescription("aftertalk: the post-conversation pipeline of Nikita."),
  Command.withSubcommands([serve, migrate, processCommand, retryFailedCommand, backfill, demo])
)

export const runCli = Command.run(aftertalk, { name: "aftertalk", version: "0.1.0" })
