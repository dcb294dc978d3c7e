import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { ConversationRepository } from "../../conversation/ConversationRepository.js"
import { Api } from "../Api.js"
import { NotFound } from "../Errors.js"

export const ConversationsLive = HttpApiBuilder.group(Api, "conversations", (handlers) =>
  Effect.gen(function*() {
    const conversations = yield* ConversationRepository
    return handlers.handle("getConversation", ({ path }) =>
      conversations.find(path.conversation_id).pipe(
        Effect.orDie,
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(new NotFound({ message: `No conversation ${path.conversation_id}.` })),
          onSome: Effect.succeed
        }))
      ))
  }))
