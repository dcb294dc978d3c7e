/**
 * Secrets that reach text by accident: a URL's password (DATABASE_URL, OPENAI_BASE_URL, echoed in
 * a driver's or SDK's error), an API key or its fragment (OpenAI answers a wrong key with
 * "Incorrect API key provided: sk-abc***xyz"), a bearer token. Every place where an error or a
 * setting becomes text for a log, a response or `last_error` passes it through `redactSecrets`.
 */

const hidden = "***"

const patterns: ReadonlyArray<readonly [RegExp, string]> = [
  // scheme://user:password@host — keep the user, hide the password.
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#@]*@/gi, `$1:${hidden}@`],
  // OpenAI-style keys and the masked fragments its errors quote (sk-…, sk-proj-…, sess-…).
  [/\b(sk|sess|rk|pk)-[A-Za-z0-9_*.-]{3,}/g, `$1-${hidden}`],
  // "API key provided: <anything>" whatever its shape.
  [/(api key provided:\s*)\S+/gi, `$1${hidden}`],
  // Authorization header values and key=value pairs quoted in errors.
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${hidden}`],
  [/\b(api[_-]?key|password|secret|token)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi, `$1$2${hidden}`]
]

/** `text` with every secret-looking part replaced by `***`. */
export const redactSecrets = (text: string): string =>
  patterns.reduce((redacted, [pattern, replacement]) => redacted.replace(pattern, replacement), text)

/** A URL as it may be shown: without its password. */
export const displayUrl = (url: string): string => redactSecrets(url)
