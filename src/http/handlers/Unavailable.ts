import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import { Unavailable } from "../Errors.js"

/**
 * A handler's lost database, kept typed to the edge: API.md's `503 unavailable` (the edge adds
 * `Retry-After`), logged with the database's own message for operators.
 */
export const databaseUnavailable = (error: SqlError) =>
  Effect.logWarning("database unavailable", error).pipe(
    Effect.zipRight(Effect.fail(new Unavailable({ message: "The database cannot be reached right now; try again shortly." })))
  )
