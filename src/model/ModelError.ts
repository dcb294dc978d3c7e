import { Data, Duration, Option } from "effect"

/** One attempt (or the whole call, offline) exceeded its time budget. */
export class ModelTimeout extends Data.TaggedError("ModelTimeout")<{
  readonly message: string
  readonly timeout: Duration.Duration
}> {
  static after(operation: string, timeout: Duration.Duration): ModelTimeout {
    return new ModelTimeout({ message: `${operation} timed out after ${Duration.format(timeout)}`, timeout })
  }
}

/** 429 from the provider (not a quota problem): retried, honouring `retryAfter` when given. */
export class ModelRateLimited extends Data.TaggedError("ModelRateLimited")<{
  readonly message: string
  readonly retryAfter: Option.Option<Duration.Duration>
}> {}

/** 408, 409, 5xx or a connection failure: the provider may answer later. */
export class ModelUnavailable extends Data.TaggedError("ModelUnavailable")<{
  readonly message: string
  readonly status: Option.Option<number>
  readonly retryAfter: Option.Option<Duration.Duration>
}> {}

/** The provider refused the request for good (other 4xx, `insufficient_quota`, unknown offline task). */
export class ModelRejected extends Data.TaggedError("ModelRejected")<{
  readonly message: string
  readonly status: Option.Option<number>
  readonly code: Option.Option<string>
}> {}

/** The provider answered, but not with what the request's schema asks for. */
export class ModelOutputInvalid extends Data.TaggedError("ModelOutputInvalid")<{
  readonly message: string
  readonly name: string
}> {}

export type ModelError = ModelTimeout | ModelRateLimited | ModelUnavailable | ModelRejected | ModelOutputInvalid

export type TransientModelError = ModelTimeout | ModelRateLimited | ModelUnavailable

/** Whether trying the same request again may succeed. */
export const isTransient = (error: ModelError): error is TransientModelError =>
  error._tag === "ModelTimeout" || error._tag === "ModelRateLimited" || error._tag === "ModelUnavailable"

/** The delay the provider asked for, if any. */
export const retryAfterOf = (error: ModelError): Option.Option<Duration.Duration> =>
  error._tag === "ModelRateLimited" || error._tag === "ModelUnavailable" ? error.retryAfter : Option.none()
