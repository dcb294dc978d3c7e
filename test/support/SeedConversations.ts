import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** `players` players with `perPlayer` queued two-message text conversations each, an hour apart. */
export const seedConversations = (players: number, perPlayer: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`
      WITH players AS (
        INSERT INTO users (id, display_name)
        SELECT gen_random_uuid(), 'Player ' || n FROM generate_series(1, ${players}) n RETURNING id
      ), metrics AS (
        INSERT INTO user_metrics (user_id) SELECT id FROM players
      ), queued AS (
        INSERT INTO conversations (user_id, platform, status, message_count, started_at, last_message_at)
        SELECT p.id, 'text', 'queued', 2, now() - n * interval '1 hour', now() - n * interval '1 hour' + interval '2 minutes'
        FROM players p CROSS JOIN generate_series(1, ${perPlayer}) n
        RETURNING id, started_at
      )
      INSERT INTO messages (conversation_id, seq, role, content, sent_at)
      SELECT q.id, s.seq, s.role, s.content, q.started_at + s.seq * interval '1 minute'
      FROM queued q CROSS JOIN (VALUES
        (1, 'user', 'I finally finished the project at work today, thank you for cheering me on'),
        (2, 'nikita', 'I am so proud of you! Tell me everything about it')
      ) AS s (seq, role, content)`).pipe(Effect.orDie)
