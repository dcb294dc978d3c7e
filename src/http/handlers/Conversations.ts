import { HttpApiBuilder } from "@effect/platform"
import { Duration, Effect, Option } from "effect"
import { AppConfig } from "../../config/AppConfig.js"
import { ConversationListing, type ConversationSelection } from "../../conversation/ConversationListing.js"
import { ConversationRepository } from "../../conversation/ConversationRepository.js"
import { Api } from "../Api.js"
import { NotFound } from "../Errors.js"
import { NotFailed } from "../groups/Conversations.js"
import { cursorOf } from "../Paging.js"

const notFound = (conversationId: string) => new NotFound({ message: `No conversation ${conversationId}.` })

export const ConversationsLive = HttpApiBuilder.group(Api, "conversations", (handlers) =>
  Effect.gen(function*() {
    const conversations = yield* ConversationRepository
    const listing = yield* ConversationListing
    const { stuckAfter } = yield* AppConfig
    return handlers
      .handle("getConversation", ({ path }) =>
        conversations.find(path.conversation_id).pipe(
          Effect.orDie,
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(notFound(path.conversation_id)),
            onSome: Effect.succeed
          }))
        ))
      .handle("listConversations", ({ urlParams }) => {
        const selection: ConversationSelection = urlParams.status === undefined
          ? { _tag: "All" }
          : urlParams.status === "stuck"
          ? { _tag: "Stuck", silentSeconds: Duration.toSeconds(stuckAfter) }
          : { _tag: "Status", status: urlParams.status }
        return Effect.map(
          listing.list({ selection, limit: urlParams.limit, before: urlParams.before }),
          (page) => ({ conversations: page.conversations, next_before: cursorOf(page.next) })
        )
      })
      .handle("retryConversation", ({ path }) =>
        conversations.requeueFailed(path.conversation_id).pipe(
          Effect.catchTags({
            NoSuchConversation: () => Effect.fail(notFound(path.conversation_id)),
            ConversationNotFailed: ({ status }) =>
              Effect.fail(
                new NotFailed({
                  message: `Conversation ${path.conversation_id} is ${status}, not failed; only a failed conversation can be retried` +
                    (status === "processed" ? ` (run it again with POST /pipeline/process/${path.conversation_id} and force_reprocess).` : "."),
                  status
                })
              )
          }),
          Effect.tap(() => Effect.logInfo("conversation put back in the queue by an operator")),
          Effect.annotateLogs({ conversation_id: path.conversation_id })
        ))
  }))
