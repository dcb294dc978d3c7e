import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** The tables of the public schema, by name. */
export const tables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
  return rows.map((row) => row.table_name)
})

/** The size of memory_facts.embedding: filled in from EMBEDDING_DIMENSIONS by the first migration. */
export const vectorSize = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ dims: number }>`
    SELECT atttypmod AS dims FROM pg_attribute WHERE attrelid = 'memory_facts'::regclass AND attname = 'embedding'`
  return row?.dims
})

/** Every table the migrations make. */
export const expectedTables = [
  "aftertalk_migrations", "conflict_history", "conversation_extractions", "conversation_threads", "conversations",
  "daily_summaries", "emotional_states", "life_events", "memory_facts", "messages", "nikita_thoughts",
  "pipeline_executions", "ready_prompts", "scheduled_touchpoints", "score_history", "task_runs", "user_metrics", "users"
]
