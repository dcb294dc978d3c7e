import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Tasks } from "../../queue/Tasks.js"
import { Api } from "../Api.js"
import { Disabled } from "../Errors.js"

/** Delegates to the `Tasks` service; its database failures are defects here (500 by the edge middleware). */
export const TasksLive = HttpApiBuilder.group(Api, "tasks", (handlers) =>
  Effect.gen(function*() {
    const tasks = yield* Tasks
    return handlers
      .handle("processConversations", ({ payload }) =>
        tasks.processConversations({ limit: payload.limit }).pipe(
          Effect.catchAll((error): Effect.Effect<never, Disabled> =>
            error._tag === "PipelineDisabled" ? Effect.fail(new Disabled({ message: error.message })) : Effect.die(error)
          )
        ))
      .handle("decay", () => tasks.decay().pipe(Effect.orDie))
  }))
