import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ConversationClaims } from "../../src/queue/ConversationClaims.js"
import { postgresAvailable } from "../support/Db.js"
import { send } from "../support/TestApp.js"
import { converse, newPlayer, nightShiftTalk, PipelineApp, playerState, scriptExtraction } from "./pipelineSupport.js"

/**
 * A crash between a run's last stage and its end. The end (the execution's outcome and both
 * leases released) is one transaction; a trigger makes its lease release fail once, after the
 * execution row was written in the same transaction, as a process dying at that moment would
 * leave it. Nothing of the end may survive, and the conversation must be run again, once.
 */

/** Fails the statement releasing a processing conversation's lease while the conversation is listed. */
const armEndCrash = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS test_end_crash (conversation_id uuid PRIMARY KEY)`
  yield* sql`
    CREATE OR REPLACE FUNCTION test_end_crash() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.lease_owner IS NOT NULL AND NEW.lease_owner IS NULL
         AND EXISTS (SELECT 1 FROM test_end_crash WHERE conversation_id = NEW.id) THEN
        RAISE EXCEPTION 'test fault: crash while ending the run';
      END IF;
      RETURN NEW;
    END $$`
  yield* sql`DROP TRIGGER IF EXISTS test_end_crash ON conversations`
  yield* sql`CREATE TRIGGER test_end_crash BEFORE UPDATE ON conversations FOR EACH ROW EXECUTE FUNCTION test_end_crash()`
})

const executionsOf = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ id: string; status: string }>`
      SELECT id, status FROM pipeline_executions WHERE conversation_id = ${conversationId} ORDER BY created_at`)

const conversationOf = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ status: string; lease_owner: string | null; user_lease_owner: string | null }>`
      SELECT c.status, c.lease_owner, u.pipeline_lease_owner AS user_lease_owner
      FROM conversations c JOIN users u ON u.id = c.user_id WHERE c.id = ${conversationId}`.pipe(
      Effect.map((rows) => rows[0])
    ))

describe.skipIf(!postgresAvailable)("a crash while a run ends", () => {
  layer(PipelineApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("rolls the whole end back; the conversation is run again after the lease expires, and once only", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* armEndCrash
        yield* scriptExtraction()
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        yield* sql`INSERT INTO test_end_crash (conversation_id) VALUES (${conversationId})`

        // Every stage ran; only the end failed.
        const crashed = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(crashed.status).toBe(503)
        const [first] = yield* executionsOf(conversationId)
        // The outcome written in the end's transaction was rolled back with the release.
        expect(first?.status).toBe("processing")
        expect(yield* conversationOf(conversationId)).toMatchObject({ status: "processing", lease_owner: expect.any(String) })
        expect((yield* playerState(userId)).scoreHistory).toBe(1)

        // While the lease is live nobody takes the conversation.
        yield* sql`DELETE FROM test_end_crash`
        expect((yield* send("POST", `/pipeline/process/${conversationId}`)).status).toBe(409)
        expect((yield* (yield* ConversationClaims).claimDue({ limit: 10 })).map((c) => c.conversationId)).not.toContain(
          conversationId
        )

        // The lease expires (as it does when the instance that held it is gone): claimed again and run.
        yield* sql`UPDATE conversations SET lease_expires_at = now() - interval '1 second' WHERE id = ${conversationId}`
        yield* sql`UPDATE users SET pipeline_lease_expires_at = now() - interval '1 second' WHERE id = ${userId}`
        const rerun = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(rerun.status).toBe(200)
        expect(rerun.json).toMatchObject({ status: "success" })
        expect(yield* conversationOf(conversationId)).toEqual({ status: "processed", lease_owner: null, user_lease_owner: null })

        // After the recorded success nothing runs it again: not the trigger, not the stream's claim.
        expect((yield* send("POST", `/pipeline/process/${conversationId}`)).status).toBe(409)
        expect((yield* (yield* ConversationClaims).claimDue({ limit: 10 })).map((c) => c.conversationId)).not.toContain(
          conversationId
        )
        const executions = yield* executionsOf(conversationId)
        // The crashed run closed as abandoned when the conversation was claimed again; one success.
        expect(executions.map((e) => e.status)).toEqual(["failed", "success"])
        // The score changed once although every stage ran twice.
        expect((yield* playerState(userId)).scoreHistory).toBe(1)
      }))
  })
})
