import { Option, ParseResult, Schema } from "effect"
import type { KeysetPosition } from "../db/Keyset.js"

/**
 * Query fields of the paged listings. `before` is opaque to clients: they pass back the
 * `next_before` of the page they read. It carries a row's position (time with microseconds and
 * id) in base64url, so it survives URLs unescaped.
 */

const positionPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const Position = Schema.Struct({ at: Schema.String, id: Schema.String })

export const Cursor = Schema.transformOrFail(Schema.String, Position, {
  strict: true,
  decode: (text, _, ast) => {
    const decoded = Buffer.from(text, "base64url").toString("utf8")
    if (!positionPattern.test(decoded)) {
      return ParseResult.fail(new ParseResult.Type(ast, text, "Expected the next_before of an earlier page"))
    }
    const [at = "", id = ""] = decoded.split("|")
    return ParseResult.succeed({ at, id })
  },
  encode: (position) => ParseResult.succeed(Buffer.from(`${position.at}|${position.id}`, "utf8").toString("base64url"))
}).annotations({
  identifier: "Cursor",
  description: "The next_before of the previous page; absent for the first page"
})

export const cursorOf = (next: Option.Option<KeysetPosition>): string | null =>
  Option.match(next, { onNone: () => null, onSome: (position) => Schema.encodeSync(Cursor)(position) })

/** How many rows a page holds: 1..100, 20 when absent. */
export const PageLimit = Schema.optionalWith(
  Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)).annotations({ description: "Rows per page, 1..100 (20 when absent)" }),
  { default: () => 20 }
)
