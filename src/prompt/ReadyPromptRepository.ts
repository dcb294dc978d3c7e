import type { Statement } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { PgClient } from "@effect/sql-pg"
import { Clock, Effect, Either, Option, Schema } from "effect"
import { DatabasePool } from "../db/Database.js"
import { GameStatus } from "../game/GameEvents.js"
import { Platform } from "../game/Platform.js"
import { type KeptPrompt, makeLivePromptCache, type Rendered, renderKept } from "./LivePromptCache.js"
import { decodeLivePrompt } from "./PromptLive.js"

/**
 * The pre-built system prompts the chat runtime reads before each conversation: one current row
 * per user and platform (unique index `ready_prompts_current`), older rows kept as history.
 *
 * `setAllCurrent` serialises writers per user and platform with transaction-scoped advisory locks,
 * then locks the current rows (`SELECT … FOR UPDATE`), clears them and inserts the new ones. The
 * common case is one statement that takes the advisory locks itself before it locks, clears or
 * inserts anything; its snapshot, though, is taken before it waits for them, so when a writer it
 * waited for made a new row current, the unique index `ready_prompts_current` refuses the insert
 * and the statement changes nothing. Only then does the writer take the locks in a transaction of
 * its own and run the statement again after them, when its snapshot sees every earlier writer's
 * row. Without the advisory lock two writers that both find no current row (a player's first
 * prompt) would both insert and one would fail on the unique index; retrying without the lock
 * would not settle it under heavy contention, since every retry can race the next winner again.
 * The advisory lock touches no table, so writers never block message posts or state updates.
 */

export const ReadyPrompt = Schema.Struct({
  user_id: Schema.String,
  platform: Platform,
  prompt_text: Schema.String,
  token_count: Schema.Int,
  pipeline_version: Schema.String,
  generated_at: Schema.DateFromSelf,
  generation_time_ms: Schema.Int,
  conversation_id: Schema.NullOr(Schema.String)
})
export type ReadyPrompt = typeof ReadyPrompt.Type

export const NewReadyPrompt = Schema.Struct({
  user_id: Schema.String,
  platform: Platform,
  prompt_text: Schema.String,
  token_count: Schema.Int,
  pipeline_version: Schema.String,
  generation_time_ms: Schema.Int,
  conversation_id: Schema.NullOr(Schema.String),
  /** What the prompt was built from, kept for debugging and replays. */
  context_snapshot: Schema.Unknown
})
export type NewReadyPrompt = typeof NewReadyPrompt.Type

const Key = Schema.Struct({ user_id: Schema.String, platform: Platform })

const CurrentRow = Schema.Struct({
  ...ReadyPrompt.fields,
  id: Schema.String,
  live: Schema.NullOr(Schema.Unknown),
  relationship_score: Schema.Number,
  game_status: GameStatus,
  last_interaction_at: Schema.NullOr(Schema.DateFromSelf)
})

type CurrentRow = typeof CurrentRow.Type

/** The unique index of current prompts refused an insert: a concurrent writer made one current first. */
const isCurrentTaken = (error: unknown): boolean => {
  const cause = error instanceof SqlError ? error.cause : undefined
  return typeof cause === "object" && cause !== null && "code" in cause && cause.code === "23505" &&
    "constraint" in cause && cause.constraint === "ready_prompts_current"
}

const isPlatform = Schema.is(Platform)
const isGameStatus = Schema.is(GameStatus)
const isInt = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value)

/**
 * The current-prompt row when it has `CurrentRow`'s shape, checked field by field: the statement
 * fixes that shape, and decoding every read's row through the schema cost more than the rest of
 * its handling. A row that fails the check goes through the schema, for its precise error.
 */
const currentRowOf = (row: Record<string, unknown>): CurrentRow | undefined => {
  const {
    conversation_id, game_status, generated_at, generation_time_ms, id, last_interaction_at, live, pipeline_version,
    platform, prompt_text, relationship_score, token_count, user_id
  } = row
  return typeof id === "string" && typeof user_id === "string" && isPlatform(platform) && typeof prompt_text === "string" &&
      isInt(token_count) && typeof pipeline_version === "string" && generated_at instanceof Date &&
      isInt(generation_time_ms) && (conversation_id === null || typeof conversation_id === "string") &&
      typeof relationship_score === "number" && isGameStatus(game_status) &&
      (last_interaction_at === null || last_interaction_at instanceof Date)
    ? {
      id, user_id, platform, prompt_text, token_count, pipeline_version, generated_at, generation_time_ms, conversation_id,
      live, relationship_score, game_status, last_interaction_at
    }
    : undefined
}

/** How many players' prompts an instance keeps decoded and rendered (`LivePromptCache.ts`). */
const KEPT_PROMPTS = 1_000

export class ReadyPromptRepository extends Effect.Service<ReadyPromptRepository>()("aftertalk/ReadyPromptRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const pool = yield* DatabasePool

    const kept = makeLivePromptCache(KEPT_PROMPTS)

    // One indexed query (ready_prompts_current) with the player's row by primary key: what the
    // read renders the live sections from. When this instance keeps the current prompt's live
    // parts already, neither they nor the stored text (which the rendering replaces) travel.
    // It runs before every conversation of every player, so it is a named statement on the pool
    // (`DatabasePool`): prepared once per connection, and without the SQL client's per-statement work.
    const currentStatement = {
      name: "aftertalk.ready_prompts.current",
      text: `
        SELECT rp.id, rp.user_id, rp.platform, rp.token_count, rp.pipeline_version,
          rp.created_at AS generated_at, rp.generation_time_ms, rp.conversation_id,
          CASE WHEN rp.id = $1::uuid THEN '' ELSE rp.prompt_text END AS prompt_text,
          CASE WHEN rp.id = $1::uuid THEN NULL ELSE rp.context_snapshot -> 'live' END AS live,
          u.relationship_score, u.game_status, u.last_interaction_at
        FROM ready_prompts rp JOIN users u ON u.id = rp.user_id
        WHERE rp.user_id = $2 AND rp.platform = $3 AND rp.is_current`
    }
    const decodeRow = Schema.decodeUnknownEither(CurrentRow)

    const findCurrent = (userId: string, platform: Platform, keptId: string | null) =>
      Effect.async<Option.Option<CurrentRow>, SqlError>((resume) => {
        pool.query({ ...currentStatement, values: [keptId, userId, platform] }, (error, result) => {
          if (error !== undefined && error !== null) {
            return resume(Effect.fail(new SqlError({ cause: error, message: "Failed to execute statement" })))
          }
          const [row] = result.rows
          if (row === undefined) return resume(Effect.succeed(Option.none()))
          const checked = currentRowOf(row)
          if (checked !== undefined) return resume(Effect.succeed(Option.some(checked)))
          const decoded = decodeRow(row)
          resume(Either.isRight(decoded) ? Effect.succeed(Option.some(decoded.right)) : Effect.die(decoded.left))
        })
      })

    // A reused rendering gives the same answer object, so that whoever encodes it can keep its
    // encoding with it (the HTTP route does, PromptRoute.ts). The rest of the answer is the row of
    // the prompt the rendering belongs to, and a prompt's row never changes (a rebuild is a new row).
    const served = new WeakMap<Rendered, ReadyPrompt>()

    /**
     * The prompt as true at `now`: its live sections rendered for this moment and the player's
     * current score (`PromptLive.ts`). A row stored before prompts carried their live parts is
     * served as stored.
     */
    const atMoment = (row: CurrentRow, known: KeptPrompt | undefined, now: Date): ReadyPrompt => {
      const { game_status, id, last_interaction_at, live, relationship_score, ...prompt } = row
      const current = known?.promptId === id
        ? known
        : Option.match(decodeLivePrompt(live), {
          onNone: () => kept.forget(prompt.user_id, prompt.platform),
          onSome: (decoded) => kept.keep(prompt.user_id, prompt.platform, id, decoded)
        })
      if (current === undefined) return prompt
      const rendered = renderKept(current, {
        now,
        relationshipScore: relationship_score,
        gameStatus: game_status,
        lastInteractionAt: last_interaction_at
      })
      const answered = served.get(rendered)
      if (answered !== undefined) return answered
      const answer = { ...prompt, prompt_text: rendered.text, token_count: rendered.tokenCount }
      served.set(rendered, answer)
      return answer
    }

    // Every key's lock in one row, taken in a fixed order (no two writers wait on each other).
    const writerLocks = (keys: ReadonlyArray<typeof Key.Type>) => {
      const names = [...new Set(keys.map((k) => `${k.user_id}:${k.platform}`))].sort()
      return sql`SELECT ${
        sql.csv(names.map((name) => sql`pg_advisory_xact_lock(hashtext('aftertalk.ready_prompts'), hashtext(${name}))`))
      }`
    }

    // The advisory locks, then the current rows of the keys locked and cleared, then the new ones
    // inserted, in one statement: the current rows are read and every row is written only once
    // the locks are held (each step joins the locks' one row), and `alongside`, another table's
    // write that belongs with the new prompts, commits with them.
    const replaceCurrent = (prompts: ReadonlyArray<NewReadyPrompt>, alongside: Statement.Fragment | undefined) =>
      sql`
        WITH writers AS MATERIALIZED (${writerLocks(prompts)}), locked AS (
          SELECT ready_prompts.id FROM ready_prompts, writers
          WHERE is_current AND (${sql.or(prompts.map((p) => sql`(user_id = ${p.user_id} AND platform = ${p.platform})`))})
          FOR UPDATE OF ready_prompts
        ), cleared AS (
          UPDATE ready_prompts SET is_current = false FROM locked WHERE ready_prompts.id = locked.id RETURNING 1
        )${alongside === undefined ? sql`` : sql`, alongside AS (${alongside})`}
        INSERT INTO ready_prompts (user_id, platform, prompt_text, token_count, pipeline_version,
          generation_time_ms, conversation_id, context_snapshot, is_current)
        SELECT v.* FROM (VALUES ${
        sql.csv(prompts.map((p) =>
          sql`(${p.user_id}::uuid, ${p.platform}, ${p.prompt_text}, ${p.token_count}::int, ${p.pipeline_version},
            ${p.generation_time_ms}::int, ${p.conversation_id}::uuid, ${sql.json(p.context_snapshot)}::jsonb, true)`
        ))
      }) AS v, writers
        WHERE (SELECT count(*) FROM cleared) >= 0
        RETURNING user_id, platform, prompt_text, token_count, pipeline_version, created_at AS generated_at,
          generation_time_ms, conversation_id`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(ReadyPrompt)))
        )

    /**
     * The prompt the chat runtime should use now, rendered for now; none before the pipeline built
     * one. A span without a captured call site (which `Effect.fn` and a plain `withSpan` take on
     * every call, tracer on or off): on the hottest read, it cost more than the rest of this
     * method's own work.
     */
    const current = (userId: string, platform: Platform) =>
      Effect.suspend(() => {
        const known = kept.kept(userId, platform)
        return Effect.zipWith(findCurrent(userId, platform, known?.promptId ?? null), Clock.currentTimeMillis, (row, now) => {
          if (Option.isNone(row)) kept.forget(userId, platform)
          return Option.map(row, (found) => atMoment(found, known, new Date(now)))
        })
      }).pipe(Effect.withSpan("ReadyPromptRepository.current", { attributes: { user_id: userId, platform }, captureStackTrace: false }))

    /**
     * Makes several prompts current at once: all become current, or none does and the previous
     * ones stay. `alongside` (a data-modifying statement, run as part of the same one) commits
     * with them. One statement, unless a concurrent writer made one of the keys current after its
     * snapshot: then the locks first, in a transaction, and the statement again.
     */
    const setAllCurrent = Effect.fn("ReadyPromptRepository.setAllCurrent")(
      function*(prompts: ReadonlyArray<NewReadyPrompt>, alongside?: Statement.Fragment) {
        if (prompts.length === 0) return []
        return yield* replaceCurrent(prompts, alongside).pipe(
          Effect.catchIf(
            isCurrentTaken,
            () => sql.withTransaction(Effect.zipRight(writerLocks(prompts), replaceCurrent(prompts, alongside)))
          )
        )
      },
      Effect.catchTags({ ParseError: Effect.die })
    )

    /** Makes `prompt` the current one for its user and platform; the previous one becomes history. */
    const setCurrent = Effect.fn("ReadyPromptRepository.setCurrent")(
      function*(prompt: NewReadyPrompt) {
        yield* Effect.annotateCurrentSpan({ user_id: prompt.user_id, platform: prompt.platform })
        const [stored] = yield* setAllCurrent([prompt])
        if (stored === undefined) return yield* Effect.dieMessage("ready prompt insert returned no row")
        return stored
      }
    )

    return { current, setCurrent, setAllCurrent } as const
  })
}) {}
