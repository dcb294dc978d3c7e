import { Option } from "effect"

/**
 * Checks on a request before anything decodes it, so that no input can reach a code path that
 * fails with a 5xx: JSON nested deeper than any of our bodies needs (the schema error formatter
 * recurses once per level and overflows the stack at a few thousand), and NUL characters, which
 * PostgreSQL's `text` refuses (the database error would otherwise be a 5xx).
 */

/** Far deeper than any body of the API (the webhook nests five levels), far below a stack overflow. */
export const maxJsonDepth = 400

/**
 * The deepest nesting of `[` and `{` in `text`, skipping string contents; stops counting once past
 * `limit`. A linear scan, no recursion and no parse: safe on any input.
 */
export const jsonDepthExceeds = (text: string, limit: number = maxJsonDepth): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

const hasNul = (text: string) => text.includes("\u0000")

/**
 * The path (`data.conversation_id`, `transcript.3.message`, or a key's own path) of the first string
 * in `value` holding a NUL, as a key or a value. Recursion is bounded by {@link jsonDepthExceeds},
 * which runs first.
 */
export const pathOfNul = (value: unknown, path: ReadonlyArray<string | number> = []): Option.Option<string> => {
  const here = () => (path.length === 0 ? "request body" : path.join("."))
  if (typeof value === "string") return hasNul(value) ? Option.some(here()) : Option.none()
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOfNul(value[i], [...path, i])
      if (Option.isSome(found)) return found
    }
    return Option.none()
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, field] of Object.entries(value)) {
      if (hasNul(key)) return Option.some([...path, key.replaceAll("\u0000", "\\u0000")].join("."))
      const found = pathOfNul(field, [...path, key])
      if (Option.isSome(found)) return found
    }
  }
  return Option.none()
}

/** True when the URL's path or query carries a NUL, raw or percent-encoded. */
export const urlHasNul = (url: string): boolean => hasNul(url) || /%00/i.test(url)

/** The longest piece of client input an error message quotes. */
export const maxQuoted = 120

/** `text` cut to `max` characters with an ellipsis, so that a message never prints a whole value. */
export const truncate = (text: string, max: number = maxQuoted): string =>
  text.length <= max ? text : `${text.slice(0, max)}…`
