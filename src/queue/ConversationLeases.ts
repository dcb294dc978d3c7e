import { SqlClient } from "@effect/sql"
import { Data, Duration, Effect } from "effect"
import { isFinalAttempt, retryDelayMs } from "./RetryBackoff.js"
import { AppConfig } from "../config/AppConfig.js"
import { recordClaims } from "../observability/ServiceMetrics.js"

/**
 * Leases make "at most one run at a time" hold across instances. A run holds two leases under
 * one owner token: the conversation's (so nobody else processes it) and the user's (the actor
 * model's one mailbox per user: two runs of one user never overlap). Leases expire, so a crashed
 * instance's work is claimed again; a live run extends them with `heartbeat`. All times come
 * from the database's clock, the one clock every instance shares.
 */

export class ConversationNotFound extends Data.TaggedError("ConversationNotFound")<{ readonly conversationId: string }> {}
export class ConversationAlreadyProcessed extends Data.TaggedError("ConversationAlreadyProcessed")<{
  readonly conversationId: string
}> {}
export class ConversationBusy extends Data.TaggedError("ConversationBusy")<{ readonly conversationId: string }> {}
/** Another conversation of the same user is being processed: wait for the user's mailbox. */
export class UserBusy extends Data.TaggedError("UserBusy")<{ readonly userId: string }> {}

export interface Claim {
  readonly conversationId: string
  readonly userId: string
  readonly owner: string
  /** Attempts counted so far, this one included. */
  readonly attempt: number
}

export type RunOutcome =
  | { readonly _tag: "Processed" }
  | { readonly _tag: "Failed"; readonly error: string }
  | { readonly _tag: "Interrupted" }

export class ConversationLeases extends Effect.Service<ConversationLeases>()("aftertalk/ConversationLeases", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* AppConfig
    const leaseMs = Duration.toMillis(config.leaseDuration)

    /** Claims one named conversation for a run now (the HTTP triggers). */
    const claim = Effect.fn("ConversationLeases.claim")(function*(input: {
      readonly conversationId: string
      readonly owner: string
      readonly force: boolean
    }) {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const [row] = yield* sql<{ user_id: string; status: string; lease_live: boolean }>`
          SELECT user_id, status, (lease_expires_at IS NOT NULL AND lease_expires_at > now()) AS lease_live
          FROM conversations WHERE id = ${input.conversationId} FOR UPDATE`
        if (row === undefined) return yield* new ConversationNotFound({ conversationId: input.conversationId })
        if (row.status === "processing" && row.lease_live) {
          return yield* new ConversationBusy({ conversationId: input.conversationId })
        }
        if (row.status === "processed" && !input.force) {
          return yield* new ConversationAlreadyProcessed({ conversationId: input.conversationId })
        }
        const user = yield* sql`
          UPDATE users SET pipeline_lease_owner = ${input.owner},
                 pipeline_lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
          WHERE id = ${row.user_id}
            AND (pipeline_lease_owner IS NULL OR pipeline_lease_expires_at <= now())
          RETURNING id`
        if (user.length === 0) return yield* new UserBusy({ userId: row.user_id })
        if (row.status === "processing") {
          // Taking over an expired lease: the run that held it died; close its execution.
          yield* sql`
            UPDATE pipeline_executions
            SET status = 'failed', completed_at = now(), current_stage = NULL,
                error = 'lease expired: the run stopped without finishing; claimed again'
            WHERE conversation_id = ${input.conversationId} AND status IN ('queued', 'processing')`
        }
        const [claimed] = yield* sql<{ processing_attempts: number }>`
          UPDATE conversations
          SET status = 'processing', lease_owner = ${input.owner},
              lease_expires_at = now() + ${leaseMs} * interval '1 millisecond',
              processing_attempts = processing_attempts + 1, next_attempt_at = NULL, updated_at = now()
          WHERE id = ${input.conversationId}
          RETURNING processing_attempts`
        const claim: Claim = {
          conversationId: input.conversationId,
          userId: row.user_id,
          owner: input.owner,
          attempt: claimed?.processing_attempts ?? 1
        }
        yield* recordClaims("named", 1)
        return claim
      }))
    })

    /** Extends both leases of a live run; false when the run no longer holds them. */
    const heartbeat = Effect.fn("ConversationLeases.heartbeat")(function*(claim: Claim) {
      const rows = yield* sql`
        UPDATE conversations SET lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
        WHERE id = ${claim.conversationId} AND lease_owner = ${claim.owner} AND status = 'processing'
        RETURNING id`
      yield* sql`
        UPDATE users SET pipeline_lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
        WHERE id = ${claim.userId} AND pipeline_lease_owner = ${claim.owner}`
      return rows.length > 0
    })

    /**
     * Ends a run: processed; failed critically (queued again with backoff, or `failed` for good
     * after MAX_ATTEMPTS); or interrupted by shutdown (queued at once, the attempt not counted).
     * Guarded by the owner token, so a run whose lease was taken over changes nothing.
     */
    const release = Effect.fn("ConversationLeases.release")(function*(claim: Claim, outcome: RunOutcome) {
      yield* sql.withTransaction(Effect.gen(function*() {
        switch (outcome._tag) {
          case "Processed":
            yield* sql`
              UPDATE conversations
              SET status = 'processed', processed_at = now(), last_error = NULL, lease_owner = NULL,
                  lease_expires_at = NULL, next_attempt_at = NULL, updated_at = now()
              WHERE id = ${claim.conversationId} AND lease_owner = ${claim.owner}`
            break
          case "Failed": {
            const final = isFinalAttempt(claim.attempt, config.maxAttempts)
            yield* sql`
              UPDATE conversations
              SET status = ${final ? "failed" : "queued"}, last_error = ${outcome.error}, lease_owner = NULL,
                  lease_expires_at = NULL, updated_at = now(),
                  next_attempt_at = ${final ? null : sql`now() + ${retryDelayMs(claim.attempt)} * interval '1 millisecond'`}
              WHERE id = ${claim.conversationId} AND lease_owner = ${claim.owner}`
            break
          }
          case "Interrupted":
            yield* sql`
              UPDATE conversations
              SET status = 'queued', next_attempt_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                  processing_attempts = greatest(processing_attempts - 1, 0), updated_at = now()
              WHERE id = ${claim.conversationId} AND lease_owner = ${claim.owner}`
            break
        }
        yield* sql`
          UPDATE users SET pipeline_lease_owner = NULL, pipeline_lease_expires_at = NULL
          WHERE id = ${claim.userId} AND pipeline_lease_owner = ${claim.owner}`
      }))
    })

    return { claim, heartbeat, release, leaseDuration: config.leaseDuration } as const
  })
}) {}
