import { SqlClient, SqlSchema } from "@effect/sql"
import { Duration, Effect, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import type { Claim } from "./ConversationLeases.js"
import { Instance } from "../config/Instance.js"
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
 * 1. lock the players whose mailbox is free or expired and who have due work, oldest work first
 *    (`FOR UPDATE OF u SKIP LOCKED`: a player another claimer is taking is skipped, not waited for);
 * 2. lock each such player's earliest-started due conversation (`FOR UPDATE SKIP LOCKED`; one being
 *    written by a message append is skipped until next time);
 * 3. set the conversation's lease (UPDATE … RETURNING) and copy its owner and expiry to the player.
 * A player's mailbox lease only changes with the player's row locked, so two claimers never lease
 * one player twice. SKIP LOCKED never waits, so taking players before conversations (the reverse
 * of ConversationRepository's lock order) cannot deadlock. Times come from the database's clock;
 * `now` (tests, operators) only moves what counts as due, while leases always start at now().
 */

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
    const staleMs = Duration.toMillis(config.staleAfter)
    const leaseMs = Duration.toMillis(config.leaseDuration)

    const clockOf = (now: Date | undefined) => (now === undefined ? sql`now()` : sql`${now}::timestamptz`)

    const isDue = (clock: ReturnType<typeof clockOf>) =>
      sql`(
        (c.status = 'active' AND c.platform = 'text'
          AND c.last_message_at < ${clock} - ${staleMs} * interval '1 millisecond')
        OR (c.status = 'queued' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= ${clock}))
        OR (c.status = 'processing' AND c.lease_expires_at <= ${clock}
          AND c.processing_attempts < ${config.maxAttempts}))`

    const dueSince = sql`CASE c.status
      WHEN 'active' THEN c.last_message_at + ${staleMs} * interval '1 millisecond'
      WHEN 'queued' THEN coalesce(c.next_attempt_at, c.updated_at)
      ELSE c.lease_expires_at END`

    /**
     * One statement, so one round trip and one snapshot: give up on exhausted expired leases, lock
     * players, lock one conversation each, set both leases, close executions left by dead runs.
     */
    const claimStatement = SqlSchema.findAll({
      Request: Schema.Struct({ limit: Schema.Number, now: Schema.UndefinedOr(Schema.DateFromSelf) }),
      Result: ClaimRow,
      execute: ({ limit, now }) =>
        sql`
          WITH exhausted AS (
            SELECT c.id FROM conversations c
            WHERE c.status = 'processing' AND c.lease_expires_at <= ${clockOf(now)}
              AND c.processing_attempts >= ${config.maxAttempts}
            FOR UPDATE SKIP LOCKED
          ), given_up AS (
            UPDATE conversations c
            SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL,
                last_error = 'lease expired during attempt ' || c.processing_attempts || ' of ' || ${config.maxAttempts}::int
                  || ': the run stopped without finishing (its instance died or lost the database)',
                updated_at = now()
            FROM exhausted e WHERE c.id = e.id
            RETURNING c.id, c.user_id, c.processing_attempts
          ), due AS (
            SELECT c.user_id, min(${dueSince}) AS due_since
            FROM conversations c WHERE ${isDue(clockOf(now))}
            GROUP BY c.user_id
          ), players AS (
            SELECT u.id FROM users u JOIN due d ON d.user_id = u.id
            WHERE u.pipeline_lease_owner IS NULL OR u.pipeline_lease_expires_at <= ${clockOf(now)}
            ORDER BY d.due_since, u.id
            LIMIT ${limit}
            FOR UPDATE OF u SKIP LOCKED
          ), picked AS (
            SELECT next.id FROM players p
            CROSS JOIN LATERAL (
              SELECT c.id FROM conversations c
              WHERE c.user_id = p.id AND ${isDue(clockOf(now))}
              ORDER BY c.started_at, c.id
              LIMIT 1
              FOR UPDATE SKIP LOCKED
            ) next
          ), claimed AS (
            UPDATE conversations
            SET status = 'processing', lease_owner = ${instance.id}::text || '/' || gen_random_uuid()::text,
                lease_expires_at = now() + ${leaseMs} * interval '1 millisecond',
                processing_attempts = processing_attempts + 1, next_attempt_at = NULL, updated_at = now()
            WHERE id IN (SELECT id FROM picked)
            RETURNING id, user_id, lease_owner, lease_expires_at, processing_attempts
          ), mailbox AS (
            UPDATE users u SET pipeline_lease_owner = c.lease_owner, pipeline_lease_expires_at = c.lease_expires_at
            FROM claimed c WHERE u.id = c.user_id
          ), abandoned AS (
            UPDATE pipeline_executions
            SET status = 'failed', completed_at = now(), current_stage = NULL,
                error = CASE WHEN conversation_id IN (SELECT id FROM given_up)
                  THEN 'lease expired: the run stopped without finishing'
                  ELSE 'lease expired: the run stopped without finishing; claimed again' END
            WHERE status IN ('queued', 'processing')
              AND conversation_id IN (SELECT id FROM given_up UNION ALL SELECT id FROM claimed)
          )
          SELECT 'claimed' AS outcome, id AS conversation_id, user_id, lease_owner AS owner,
                 processing_attempts AS attempt FROM claimed
          UNION ALL
          SELECT 'given_up', id, user_id, NULL, processing_attempts FROM given_up`
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
  })
}) {}
