import { HttpApiError, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * The errors a client sees. Every body carries API.md's envelope: `error` (a short machine code,
 * filled in by the constructor) and `message` (a sentence a person can act on); `_tag` comes with
 * `Schema.TaggedError` and stays as an extra field.
 */

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { error: Schema.tag("not_found"), message: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "The resource does not exist" })
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { error: Schema.tag("unauthorized"), message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Missing or wrong bearer secret" })
) {}

/** Malformed JSON or a schema violation; `issues` lists every violation with its path. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()(
  "InvalidRequest",
  {
    error: Schema.tag("invalid_request"),
    message: Schema.String,
    issues: Schema.optional(Schema.Array(HttpApiError.Issue))
  },
  HttpApiSchema.annotations({ status: 400, description: "The request is malformed or violates the schema" })
) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { error: Schema.tag("payload_too_large"), message: Schema.String, max_body_bytes: Schema.Int },
  HttpApiSchema.annotations({ status: 413, description: "The request body is larger than MAX_BODY_BYTES" })
) {}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { error: Schema.tag("conflict"), message: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "The request conflicts with the current state" })
) {}

export class Disabled extends Schema.TaggedError<Disabled>()(
  "Disabled",
  { error: Schema.tag("disabled"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "UNIFIED_PIPELINE_ENABLED is false" })
) {}

/** A defect (a bug or an unreachable database): the details go to the log, never to the client. */
export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  { error: Schema.tag("internal_error"), message: Schema.String },
  HttpApiSchema.annotations({ status: 500, description: "An unexpected failure; the details are in the server log" })
) {}

/**
 * The database could not be used (unreachable, restarting, out of connections): try again after
 * the `Retry-After` header's seconds. Never bad input, so never a 500.
 */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { error: Schema.tag("unavailable"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The database cannot be used right now; retry after Retry-After seconds" })
) {}

/** Too many failed attempts at the bearer secret from one address (AuthThrottle.ts). */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()(
  "TooManyRequests",
  { error: Schema.tag("too_many_requests"), message: Schema.String, retry_after_seconds: Schema.Int },
  HttpApiSchema.annotations({ status: 429, description: "Too many failed attempts at the bearer secret; retry after Retry-After seconds" })
) {}
