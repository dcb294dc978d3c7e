import type { Statement } from "@effect/sql"

/**
 * Keyset paging: a page ends at a row's (time, id) and the next page starts strictly after it, so
 * rows inserted meanwhile neither shift nor repeat what a reader already saw (OFFSET would).
 *
 * The time travels as text with microseconds: a JavaScript `Date` keeps milliseconds only, and a
 * position rounded to them would skip or repeat rows created within the same millisecond.
 */
export interface KeysetPosition {
  /** The row's time, ISO-8601 UTC with microseconds. */
  readonly at: string
  readonly id: string
}

/** The SQL expression rendering `column` as a {@link KeysetPosition} time. */
export const positionText = (sql: Statement.Constructor, column: string) =>
  sql`to_char(${sql(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** Newest first: the rows strictly older than `before` in (`column`, id) order. */
export const olderThan = (sql: Statement.Constructor, column: string, before: KeysetPosition) =>
  sql`(${sql(column)}, id) < (${before.at}::timestamptz, ${before.id}::uuid)`
