import { SqlClient, SqlSchema, type Statement } from "@effect/sql"
import { Duration, Effect, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import type { Claim } from "./ConversationLeases.js"
import { Instance } from "../config/Instance.js"
import { conversationLeaseWrites } from "../conversation/ConversationRepository.js"
import { mailboxLeaseWrites } from "../player/UserRepository.js"
import { ExecutionRepository } from "../runs/ExecutionRepository.js"
import { recordClaims } from "../observability/ServiceMetrics.js"

/**
 * The claim the stream and the process-conversations task share: take up to `limit` conversations
 * that are due, at most one per player, and hold both leases for each (the conversation's and the
 * player's mailbox, under one owner token `<instance>/<uuid>`), counting the attempt. Due means:
 *
 * - a text conversation still `active` whose last message is older than STALE_AFTER (voice
 *   calls arrive through the webhook already `queued`);
 * - a `queued` conversation whose `next_attempt_at` has come (NULL counts as due: new calls and
 *   runs put back by a shutdown);
 * - a `processing` conversation whose lease expired: its run died with its instance. It is taken
 *   again at once (the lease's expiry was the wait), unless that run was its last attempt: then it
 *   becomes `failed` with last_error "lease expired …", as a critical failure would have made it.
 *   Executions such dead runs left open are closed as failed so status polling does not wait.
 *
 * One statement (one round trip, one snapshot), graphile-worker / pg-boss style, so several
 * instances can claim at once:
 * 1. read a few candidates from each source's ordered partial index (players with a busy mailbox
 *    filtered out as the index is walked), so a claim costs O(limit) whatever the backlog, then
 *    lock their players, oldest work first (`FOR UPDATE OF u SKIP LOCKED`: a player another
 *    claimer is taking is skipped, not waited for) — graphile-worker's order: candidates first,
 *    per-player exclusion after;
 * 2. lock each such player's earliest-started due conversation (`FOR UPDATE SKIP LOCKED`; one being
 *    written by a message append is skipped until next time);
 * 3. set the conversation's lease (UPDATE … RETURNING) and copy its owner and expiry to the player.
 * A player's mailbox lease only changes with the player's row locked, so two claimers never lease
 * one player twice. SKIP LOCKED never waits, so taking players before conversations (the reverse
 * of ConversationRepository's lock order) cannot deadlock. Times come from the database's clock;
 * `now` (tests, operators) only moves what counts as due, while leases always start at now().
 */

/**
 * Candidates read per conversation to claim: a player with several due conversations appears
 * more than once among them, so a few spare rows keep a claim from coming back short.
 */
const CandidatesPerClaimed = 4

/** A conversation claimed now, or given up on because its last attempt's lease expired. */
const ClaimRow = Schema.Struct({
  outcome: Schema.Literal("claimed", "given_up"),
  conversation_id: Schema.String,
  user_id: Schema.String,
  owner: Schema.NullOr(Schema.String),
  attempt: Schema.Number
})

export class ConversationClaims extends Effect.Service<ConversationClaims>()("aftertalk/ConversationClaims", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* AppConfig
    const instance = yield* Instance
    const executions = yield* ExecutionRepository
    const staleMs = Duration.toMillis(config.staleAfter)
    const leaseMs = Duration.toMillis(config.leaseDuration)

    const conversationWrites = conversationLeaseWrites(sql, leaseMs)
    const mailboxWrites = mailboxLeaseWrites(sql, leaseMs)

    const clockOf = (now: Date | undefined) => (now === undefined ? sql`now()` : sql`${now}::timestamptz`)

    const isDue = (clock: Statement.Fragment) =>
      sql`(
        (c.status = 'active' AND c.platform = 'text'
          AND c.last_message_at < ${clock} - ${staleMs} * interval '1 millisecond')
        OR (c.status = 'queued' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= ${clock}))
        OR (c.status = 'processing' AND c.lease_expires_at <= ${clock}
          AND c.processing_attempts < ${config.maxAttempts}))`

    const mailboxFree = (clock: Statement.Fragment) =>
      sql`(u.pipeline_lease_owner IS NULL OR u.pipeline_lease_expires_at <= ${clock})`

    /**
     * The earliest due conversations of players whose mailbox is free, from each source's
     * ordered partial index (stale text, queued, expired lease), `perSource` rows each: the
     * walk stops after them, so the cost follows the limit, not the backlog.
     */
    const candidates = (clock: Statement.Fragment, perSource: number) =>
      sql`
        (SELECT c.user_id, c.last_message_at + ${staleMs} * interval '1 millisecond' AS due_since
          FROM conversations c JOIN users u ON u.id = c.user_id AND ${mailboxFree(clock)}
          WHERE c.status = 'active' AND c.platform = 'text'
            AND c.last_message_at < ${clock} - ${staleMs} * interval '1 millisecond'
          ORDER BY c.last_message_at LIMIT ${perSource})
        UNION ALL
        (SELECT c.user_id, coalesce(c.next_attempt_at, c.updated_at)
          FROM conversations c JOIN users u ON u.id = c.user_id AND ${mailboxFree(clock)}
          WHERE c.status = 'queued' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= ${clock})
          ORDER BY coalesce(c.next_attempt_at, c.updated_at) LIMIT ${perSource})
        UNION ALL
        (SELECT c.user_id, c.lease_expires_at
          FROM conversations c JOIN users u ON u.id = c.user_id AND ${mailboxFree(clock)}
          WHERE c.status = 'processing' AND c.lease_expires_at <= ${clock}
            AND c.processing_attempts < ${config.maxAttempts}
          ORDER BY c.lease_expires_at LIMIT ${perSource})`

    /**
     * One statement, so one round trip and one snapshot: give up on exhausted expired leases,
     * take candidates, lock their players, lock one conversation each, set both leases, close
     * executions left by dead runs. The writes are the repositories' own statements.
     */
    const claimStatement = SqlSchema.findAll({
      Request: Schema.Struct({ limit: Schema.Number, now: Schema.UndefinedOr(Schema.DateFromSelf) }),
      Result: ClaimRow,
      execute: ({ limit, now }) => {
        const clock = clockOf(now)
        return sql`
          WITH exhausted AS (
            SELECT c.id FROM conversations c
            WHERE c.status = 'processing' AND c.lease_expires_at <= ${clock}
              AND c.processing_attempts >= ${config.maxAttempts}
            FOR UPDATE SKIP LOCKED
          ), given_up AS (
            ${conversationWrites.giveUp(sql`SELECT id FROM exhausted`, config.maxAttempts)}
          ), candidates AS (
            ${candidates(clock, CandidatesPerClaimed * limit)}
          ), players AS (
            SELECT u.id FROM users u
            JOIN (SELECT user_id, min(due_since) AS due_since FROM candidates GROUP BY user_id) d ON d.user_id = u.id
            WHERE ${mailboxFree(clock)}
            ORDER BY d.due_since, u.id
            LIMIT ${limit}
            FOR UPDATE OF u SKIP LOCKED
          ), picked AS (
            SELECT next.id FROM players p
            CROSS JOIN LATERAL (
              SELECT c.id FROM conversations c
              WHERE c.user_id = p.id AND ${isDue(clock)}
              ORDER BY c.started_at, c.id
              LIMIT 1
              FOR UPDATE SKIP LOCKED
            ) next
          ), claimed AS (
            ${conversationWrites.lease(sql`SELECT id FROM picked`, sql`${instance.id}::text || '/' || gen_random_uuid()::text`)}
          ), mailbox AS (
            ${mailboxWrites.takeForClaimed("claimed")}
          ), abandoned AS (
            ${executions.closeAbandonedSql({ claimedAgain: sql`SELECT id FROM claimed`, givenUp: sql`SELECT id FROM given_up` })}
          )
          SELECT 'claimed' AS outcome, id AS conversation_id, user_id, lease_owner AS owner,
                 processing_attempts AS attempt FROM claimed
          UNION ALL
          SELECT 'given_up', id, user_id, NULL, processing_attempts FROM given_up`
      }
    })

    /** Takes up to `limit` due conversations, one per player, leased to this instance. */
    const claimDue = Effect.fn("ConversationClaims.claimDue")(function*(input: {
      readonly limit: number
      readonly now?: Date
    }) {
      const limit = Math.max(0, Math.floor(input.limit))
      const rows = yield* claimStatement({ limit, now: input.now }).pipe(Effect.catchTag("ParseError", Effect.die))
      const claims: Array<Claim> = []
      for (const row of rows) {
        if (row.outcome === "claimed" && row.owner !== null) {
          claims.push({ conversationId: row.conversation_id, userId: row.user_id, owner: row.owner, attempt: row.attempt })
        } else {
          yield* Effect.logWarning("lease expired on the last attempt; conversation failed").pipe(
            Effect.annotateLogs({ conversation_id: row.conversation_id, user_id: row.user_id, attempts: row.attempt })
          )
        }
      }
      yield* recordClaims("due", claims.length)
      if (claims.length > 0) {
        yield* Effect.logDebug("claimed due conversations").pipe(
          Effect.annotateLogs({ claimed: claims.length, limit, instance_id: instance.id })
        )
      }
      return claims
    })

    return { claimDue } as const
  }),
  dependencies: [AppConfig.Default, Instance.Default, ExecutionRepository.Default]
}) {}
