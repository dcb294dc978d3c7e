import { Clock, Duration, Effect, Option } from "effect"
import { ConversationListing, type ListedConversation } from "../conversation/ConversationListing.js"
import { ConversationRepository } from "../conversation/ConversationRepository.js"
import type { KeysetPosition } from "../db/Keyset.js"
import { CliFailure, print, table } from "./Output.js"

/**
 * `aftertalk retry-failed [--since <duration>]`: every `failed` conversation (or those that failed
 * within the duration, by their last update) back in the queue with a fresh set of attempts, the
 * same as the dashboard's retry button, one by one. A conversation another operator retried
 * meanwhile is passed over.
 */

export const parseSince = (raw: string): Effect.Effect<Duration.Duration, CliFailure> =>
  Option.match(Duration.decodeUnknown(raw.trim()), {
    onNone: () => Effect.fail(new CliFailure({ message: `--since: expected a duration such as "24 hours", got ${JSON.stringify(raw)}` })),
    onSome: Effect.succeed
  })

export const retryFailed = (since: Option.Option<Duration.Duration>) =>
  Effect.gen(function*() {
    const listing = yield* ConversationListing
    const conversations = yield* ConversationRepository
    const now = yield* Clock.currentTimeMillis
    const cutoff = Option.map(since, (duration) => now - Duration.toMillis(duration))

    const failed: Array<ListedConversation> = []
    let before: KeysetPosition | undefined
    while (true) {
      const page = yield* listing.list({ selection: { _tag: "Status", status: "failed" }, limit: 200, before })
      failed.push(...page.conversations.filter((c) => Option.match(cutoff, { onNone: () => true, onSome: (at) => c.updated_at.getTime() >= at })))
      if (Option.isNone(page.next)) break
      before = page.next.value
    }

    const requeued = yield* Effect.filter(failed, (conversation) =>
      conversations.requeueFailed(conversation.conversation_id).pipe(
        Effect.as(true),
        Effect.catchAll(() => Effect.succeed(false))
      ))
    if (requeued.length > 0) {
      yield* print(table(["conversation_id", "user_id", "last_error"], requeued.map((c) => [
        c.conversation_id,
        c.user_id,
        (c.last_error ?? "").replace(/\s+/g, " ").slice(0, 80)
      ])))
    }
    yield* print(`${requeued.length} failed conversation(s) queued again`)
  })
