import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Tasks } from "../../queue/Tasks.js"
import { Api } from "../Api.js"
import { Disabled } from "../Errors.js"
import { databaseUnavailable } from "./Unavailable.js"

/** Delegates to the `Tasks` service; a lost database is 503 `unavailable`, kept typed to the edge. */
export const TasksLive = HttpApiBuilder.group(Api, "tasks", (handlers) =>
  Effect.gen(function*() {
    const tasks = yield* Tasks
    return handlers
      .handle("processConversations", ({ payload }) =>
        tasks.processConversations({ limit: payload.limit }).pipe(
          Effect.catchTags({
            PipelineDisabled: (error) => Effect.fail(new Disabled({ message: error.message })),
            SqlError: databaseUnavailable
          })
        ))
      .handle("decay", () => tasks.decay().pipe(Effect.catchTag("SqlError", databaseUnavailable)))
  }))
