import { Duration, Either, Redacted } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * ElevenLabs' webhook signature: `ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256>`,
 * the HMAC keyed with ELEVENLABS_WEBHOOK_SECRET over `"<t>.<raw body>"`. The raw bytes as
 * received are what count: JSON parsed and serialised again (other whitespace, key order or
 * escapes) no longer matches. The timestamp bounds a replay to a window around now.
 *
 * Pure: the caller passes the header, the body, the secret and the current time.
 */

/** Header names arrive lower-cased from Node, whatever the sender's spelling. */
export const signatureHeaderName = "elevenlabs-signature"

/** A signature older than this is a replay (or a sender whose clock is badly off). */
export const maxSignatureAge = Duration.minutes(30)
/** Allowed clock skew of a sender running ahead of us. */
export const maxSignatureLead = Duration.minutes(5)

export type SignatureProblem = "missing" | "malformed" | "stale" | "future" | "mismatch"

/** The sentence a sender reads in the 401; says what to fix without revealing anything secret. */
export const describeSignatureProblem = (problem: SignatureProblem): string => {
  switch (problem) {
    case "missing":
      return "Send the header \"ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256>\"."
    case "malformed":
      return "The ElevenLabs-Signature header must read \"t=<unix seconds>,v0=<64 hex digits>\"."
    case "stale":
      return "The ElevenLabs-Signature timestamp is more than 30 minutes old; sign the request again."
    case "future":
      return "The ElevenLabs-Signature timestamp is more than 5 minutes in the future; check the sender's clock."
    case "mismatch":
      return "The ElevenLabs-Signature does not match the body; sign the raw body with ELEVENLABS_WEBHOOK_SECRET."
  }
}

const hmac = (secret: string, timestamp: string, body: Uint8Array): Buffer =>
  createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest()

/** The header value a sender with `secret` would send for `body` at `timestamp` (unix seconds). */
export const signatureFor = (secret: string, timestamp: number, body: Uint8Array | string): string => {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body
  return `t=${timestamp},v0=${hmac(secret, String(timestamp), bytes).toString("hex")}`
}

interface ParsedHeader {
  readonly timestamp: string
  readonly signatures: ReadonlyArray<Buffer>
}

// Several v0 entries are allowed (a sender rotating its secret signs with both).
const parseHeader = (header: string): ParsedHeader | undefined => {
  let timestamp: string | undefined
  const signatures: Array<Buffer> = []
  for (const part of header.split(",")) {
    const separator = part.indexOf("=")
    if (separator < 0) return undefined
    const key = part.slice(0, separator).trim()
    const value = part.slice(separator + 1).trim()
    if (key === "t") {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined
      timestamp = value
    } else if (key === "v0") {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return undefined
      signatures.push(Buffer.from(value, "hex"))
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures }
}

export interface SignedRequest {
  readonly header: string | undefined
  readonly body: Uint8Array
  readonly secret: Redacted.Redacted<string>
  readonly nowMillis: number
}

/** Right when the header signs exactly these bytes within the time window; Left says why not. */
export const verifySignature = (request: SignedRequest): Either.Either<void, SignatureProblem> => {
  if (request.header === undefined || request.header.trim() === "") return Either.left("missing")
  const parsed = parseHeader(request.header)
  if (parsed === undefined) return Either.left("malformed")
  const ageMillis = request.nowMillis - Number(parsed.timestamp) * 1000
  if (ageMillis > Duration.toMillis(maxSignatureAge)) return Either.left("stale")
  if (-ageMillis > Duration.toMillis(maxSignatureLead)) return Either.left("future")
  const expected = hmac(Redacted.value(request.secret), parsed.timestamp, request.body)
  // Both sides are 32 bytes (the header's hex was checked), as timingSafeEqual requires.
  const matches = parsed.signatures.some((candidate) => timingSafeEqual(candidate, expected))
  return matches ? Either.void : Either.left("mismatch")
}
