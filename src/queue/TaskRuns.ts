import { SqlClient, SqlSchema } from "@effect/sql"
import { Cause, Effect, Exit, Schema } from "effect"
import { Instance } from "../config/Instance.js"

export const TaskName = Schema.Literal("process_conversations", "decay")
export type TaskName = typeof TaskName.Type

/**
 * `task_runs`: one row per call of a cron-style task, `running` while it works, then `success`
 * with its answer as `result` or `failed` with the first line of the failure, so operators can see
 * what ran, where and with which outcome even when the caller gave up waiting.
 */
export class TaskRuns extends Effect.Service<TaskRuns>()("aftertalk/TaskRuns", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const instance = yield* Instance

    const start = SqlSchema.single({
      Request: TaskName,
      Result: Schema.Struct({ id: Schema.String }),
      execute: (task) => sql`INSERT INTO task_runs (task, instance_id) VALUES (${task}, ${instance.id}) RETURNING id`
    })

    const finish = (id: string, exit: Exit.Exit<object, unknown>) =>
      Exit.match(exit, {
        onSuccess: (result) =>
          sql`
            UPDATE task_runs SET status = 'success', result = ${JSON.stringify(result)}::jsonb, completed_at = now()
            WHERE id = ${id}`,
        onFailure: (cause) =>
          sql`
            UPDATE task_runs SET status = 'failed', completed_at = now(),
                   error = ${Cause.isInterruptedOnly(cause) ? "interrupted" : Cause.pretty(cause).split("\n")[0] ?? "failed"}
            WHERE id = ${id}`
      }).pipe(Effect.catchTag("SqlError", (error) => Effect.logWarning("could not record a task's outcome", error)))

    /** Runs `work` as one recorded run of `task`. */
    const track = Effect.fn("TaskRuns.track")(function*<A extends object, E, R>(task: TaskName, work: Effect.Effect<A, E, R>) {
      // An INSERT … RETURNING always answers its row: a missing or malformed one is a bug.
      const run = yield* start(task).pipe(Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die }))
      return yield* work.pipe(
        Effect.onExit((exit) => finish(run.id, exit)),
        Effect.annotateLogs({ task, task_run_id: run.id })
      )
    })

    return { track } as const
  }),
  dependencies: [Instance.Default]
}) {}
