import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { AppConfig } from "../../config/AppConfig.js"
import { ReadyPromptRepository } from "../../prompt/ReadyPromptRepository.js"
import { UserRepository } from "../../player/UserRepository.js"
import { ConversationIntake } from "../../pipeline/ConversationIntake.js"
import { Api } from "../Api.js"
import { NotFound } from "../Errors.js"
import { UserStateResponse } from "../groups/Users.js"
import { onDemandPrompt } from "./OnDemandPrompt.js"

const unknownUser = (userId: string) =>
  new NotFound({ message: `No user ${userId}; create it with PUT /users/${userId}.` })

/** The 404 of a read before the pipeline built the player's first prompt on that platform. */
export const noReadyPrompt = (userId: string, platform: string) =>
  new NotFound({
    message: `No ready ${platform} prompt for user ${userId} yet; the pipeline builds one after the user's first processed conversation.`
  })

// Repository errors are database failures: defects here, answered 500 by the edge middleware.
export const UsersLive = HttpApiBuilder.group(Api, "users", (handlers) =>
  Effect.gen(function*() {
    const users = yield* UserRepository
    const intake = yield* ConversationIntake
    const prompts = yield* ReadyPromptRepository
    const { pipelineEnabled } = yield* AppConfig

    return handlers
      .handle("upsertUser", ({ path, payload }) =>
        Effect.gen(function*() {
          const { created, user } = yield* users.upsert(path.user_id, payload).pipe(Effect.orDie)
          // Both statuses share one schema, so the success encoder cannot pick 201 by itself.
          return created
            ? yield* HttpServerResponse.schemaJson(UserStateResponse)(user, { status: 201 }).pipe(Effect.orDie)
            : user
        }))
      .handle("getUser", ({ path }) =>
        users.find(path.user_id).pipe(
          Effect.orDie,
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(unknownUser(path.user_id)), onSome: Effect.succeed }))
        ))
      .handle("postMessage", ({ path, payload }) =>
        intake.appendMessage(path.user_id, payload).pipe(
          Effect.orDie,
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(unknownUser(path.user_id)), onSome: Effect.succeed }))
        ))
      // With the pipeline off no ready prompt is kept up to date: build one from the current state.
      .handle("getPrompt", ({ path, urlParams }) =>
        !pipelineEnabled
          ? onDemandPrompt(path.user_id, urlParams.platform)
          : prompts.current(path.user_id, urlParams.platform).pipe(
            Effect.orDie,
            Effect.flatMap(Option.match({
              onNone: () => Effect.fail(noReadyPrompt(path.user_id, urlParams.platform)),
              onSome: (prompt) => Effect.succeed({ ...prompt, source: "ready" as const })
            }))
          ))
  }))
