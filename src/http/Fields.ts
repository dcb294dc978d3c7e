import { ParseResult, Schema } from "effect"

/** Field schemas shared by the API's groups: what a valid value looks like on the wire. */

const isoTimestamp =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

// `new Date` rolls 2025-02-30 over into March; a caller who sent that made a mistake.
const isCalendarTimestamp = (text: string): boolean => {
  const match = isoTimestamp.exec(text)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** ISO-8601 with a zone in, ISO-8601 UTC (`toISOString`) out. */
export const Timestamp = Schema.String.pipe(
  Schema.filter(isCalendarTimestamp, {
    message: () => "Expected an ISO-8601 timestamp with a zone, such as 2025-01-31T18:30:00Z",
    jsonSchema: { format: "date-time" }
  }),
  Schema.compose(Schema.Date)
).annotations({ identifier: "Timestamp" })

/**
 * An IANA time zone known to this runtime, decoded to its canonical spelling ("europe/paris"
 * becomes "Europe/Paris") so that stored zones compare equal.
 */
export const TimeZone = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (zone, _, ast) => {
    try {
      return ParseResult.succeed(new Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone)
    } catch {
      // Intl throws a RangeError for a zone it does not know.
      return ParseResult.fail(
        new ParseResult.Type(ast, zone, `Unknown IANA time zone ${JSON.stringify(zone)}; use a name such as "Europe/Paris" or "UTC"`)
      )
    }
  },
  encode: ParseResult.succeed
}).annotations({ identifier: "TimeZone", description: "An IANA time zone such as Europe/Paris", examples: ["UTC", "Europe/Paris"] })

/** Text stored in a PostgreSQL `text` column, which cannot hold NUL characters. */
export const StoredText = (minLength: number, maxLength: number) =>
  Schema.String.pipe(
    Schema.minLength(minLength),
    Schema.maxLength(maxLength),
    Schema.filter((text) => !text.includes("\u0000"), { message: () => "Expected text without NUL characters" })
  )

/**
 * A choice among string literals whose violation lists every allowed value (a bare literal union
 * reports one issue per member, so the message would name only the first).
 */
export const oneOf = <Literals extends readonly [string, ...Array<string>]>(schema: Schema.Literal<Literals>) => {
  const allowed: ReadonlyArray<string> = schema.literals
  const expected = allowed.map((literal) => JSON.stringify(literal)).join(", ")
  return Schema.String.pipe(
    Schema.filter((text) => allowed.includes(text), {
      message: (issue) => `Expected one of ${expected}, actual ${JSON.stringify(issue.actual)}`,
      jsonSchema: { enum: allowed }
    }),
    Schema.compose(schema)
  )
}
