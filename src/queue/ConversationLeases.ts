import { SqlClient } from "@effect/sql"
import { Data, Duration, Effect } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { conversationLeaseWrites } from "../conversation/ConversationRepository.js"
import { mailboxLeaseWrites } from "../player/UserRepository.js"
import { ExecutionRepository, type StageResults } from "../runs/ExecutionRepository.js"
import { isFinalAttempt, retryDelayMs } from "./RetryBackoff.js"
import { recordClaims } from "../observability/ServiceMetrics.js"

/**
 * Leases make "at most one run at a time" hold across instances. A run holds two leases under
 * one owner token: the conversation's (so nobody else processes it) and the user's (the actor
 * model's one mailbox per user: two runs of one user never overlap). Leases expire, so a crashed
 * instance's work is claimed again; a live run extends them with `heartbeat`. All times come
 * from the database's clock, the one clock every instance shares. The writes are the owning
 * repositories' statements (conversations, users, pipeline_executions), composed here.
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

/** How a run's execution ends, recorded in the same transaction that releases the leases. */
export interface ExecutionEnd {
  readonly executionId: string
  readonly status: "success" | "partial_success" | "failed"
  readonly error: string | null
  readonly failedStage: Parameters<ExecutionRepository["finishSql"]>[0]["failedStage"]
  readonly totalDurationMs: number
  /** Stage results not recorded yet (merged into those that were). */
  readonly stageResults?: StageResults | undefined
}

export class ConversationLeases extends Effect.Service<ConversationLeases>()("aftertalk/ConversationLeases", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* AppConfig
    const executions = yield* ExecutionRepository
    const leaseMs = Duration.toMillis(config.leaseDuration)
    const conversationWrites = conversationLeaseWrites(sql, leaseMs)
    const mailboxWrites = mailboxLeaseWrites(sql, leaseMs)

    /**
     * Claims one named conversation for a run now (the HTTP triggers), in one statement: the
     * conversation locked (`FOR UPDATE`, as every claim and the message path lock it first), then,
     * only when it may run, the user's mailbox taken, and only with the mailbox, a dead run's
     * execution closed, the conversation leased and, when given, the run's execution created. What the statement found says why it did not.
     */
    const claim = Effect.fn("ConversationLeases.claim")(function*(input: {
      readonly conversationId: string
      readonly owner: string
      readonly force: boolean
      /** The run's execution, created by the same statement when the claim succeeds. */
      readonly execution?: Parameters<ExecutionRepository["createSql"]>[0] | undefined
    }) {
      const id = sql`${input.conversationId}::uuid`
      const [row] = yield* sql<{
        user_id: string
        status: string
        lease_live: boolean
        mailbox_taken: boolean
        attempt: number | null
      }>`
        WITH conversation AS (
          SELECT user_id, status, (lease_expires_at IS NOT NULL AND lease_expires_at > now()) AS lease_live
          FROM conversations WHERE id = ${id} FOR UPDATE
        ),
        eligible AS (
          SELECT user_id, status FROM conversation
          WHERE NOT (status = 'processing' AND lease_live) AND (status <> 'processed' OR ${input.force})
        ),
        mailbox AS (${mailboxWrites.take(sql`(SELECT user_id FROM eligible)`, input.owner)}),
        abandoned AS (${
        executions.closeAbandonedSql({
          claimedAgain: sql`SELECT ${id} FROM eligible, mailbox WHERE eligible.status = 'processing'`,
          givenUp: sql`SELECT NULL::uuid WHERE false`
        })
      }),
        leased AS (${conversationWrites.lease(sql`SELECT ${id} FROM mailbox`, sql`${input.owner}::text`)})
        ${input.execution === undefined ? sql`` : sql`, created AS (${executions.createSql(input.execution, "leased")})`}
        SELECT c.user_id, c.status, c.lease_live, EXISTS (SELECT 1 FROM mailbox) AS mailbox_taken,
               (SELECT processing_attempts FROM leased) AS attempt
        FROM conversation c`
      if (row === undefined) return yield* new ConversationNotFound({ conversationId: input.conversationId })
      if (row.status === "processing" && row.lease_live) {
        return yield* new ConversationBusy({ conversationId: input.conversationId })
      }
      if (row.status === "processed" && !input.force) {
        return yield* new ConversationAlreadyProcessed({ conversationId: input.conversationId })
      }
      if (!row.mailbox_taken) return yield* new UserBusy({ userId: row.user_id })
      const claim: Claim = {
        conversationId: input.conversationId,
        userId: row.user_id,
        owner: input.owner,
        attempt: row.attempt ?? 1
      }
      yield* recordClaims("named", 1)
      return claim
    })

    /** Extends both leases of a live run in one statement; false when the run no longer holds them. */
    const heartbeat = Effect.fn("ConversationLeases.heartbeat")(function*(claim: Claim) {
      const rows = yield* sql`
        WITH conversation AS (${conversationWrites.extend(claim.conversationId, claim.owner)}),
             mailbox AS (${mailboxWrites.extend(claim.userId, claim.owner)})
        SELECT id FROM conversation`
      return rows.length > 0
    })

    /** The two leases' release as statements a WITH can hold (data-modifying CTEs stay at the top level). */
    const releaseWrites = (claim: Claim, outcome: RunOutcome) => {
      const final = isFinalAttempt(claim.attempt, config.maxAttempts)
      const conversation = conversationWrites.release(
        claim.conversationId,
        claim.owner,
        outcome._tag === "Failed"
          ? { _tag: "Failed", error: outcome.error, retryInMs: final ? null : retryDelayMs(claim.attempt) }
          : outcome
      )
      return { conversation, mailbox: mailboxWrites.release(claim.userId, claim.owner) }
    }

    const releaseBoth = (claim: Claim, outcome: RunOutcome) => {
      const { conversation, mailbox } = releaseWrites(claim, outcome)
      return sql`WITH conversation AS (${conversation}), mailbox AS (${mailbox}) SELECT id FROM conversation`
    }

    /**
     * Ends a run: its execution's outcome recorded and both leases released in one statement
     * (atomic, one round trip), so a crash leaves either the whole end or none of it (a successful run is never left leased
     * and run again). Processed; failed critically (queued again with backoff, or `failed` for
     * good after MAX_ATTEMPTS); or interrupted by shutdown (queued at once, the attempt not
     * counted). Guarded by the owner token, so a run whose lease was taken over changes nothing.
     */
    const end = Effect.fn("ConversationLeases.end")(function*(claim: Claim, outcome: RunOutcome, execution: ExecutionEnd) {
      const { conversation, mailbox } = releaseWrites(claim, outcome)
      yield* sql`
        WITH execution AS (${
        executions.finishSql({
          id: execution.executionId,
          status: execution.status,
          error: execution.error,
          failedStage: execution.failedStage,
          totalDurationMs: execution.totalDurationMs,
          stageResults: execution.stageResults
        })
      }), conversation AS (${conversation}), mailbox AS (${mailbox})
        SELECT 1`
    })

    /** Releases the leases of a claim whose run never started (no execution to record). */
    const release = Effect.fn("ConversationLeases.release")(function*(claim: Claim, outcome: RunOutcome) {
      yield* releaseBoth(claim, outcome)
    })

    return { claim, heartbeat, end, release, leaseDuration: config.leaseDuration } as const
  }),
  dependencies: [AppConfig.Default, ExecutionRepository.Default]
}) {}
