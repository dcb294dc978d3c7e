import { createRequire } from "node:module"

/**
 * Token counting for chat prompts with `o200k_base`, the encoding of gpt-4o and gpt-4o-mini.
 * Special-token markers in user text (`<|endoftext|>`) count as plain text instead of throwing.
 *
 * The encoding's tables take about half a second of CPU to load, so they are loaded on the first
 * count (a prompt being built), not when the service starts: a process that only serves, migrates
 * or fails its configuration never pays for them.
 */
const asPlainText = { disallowedSpecial: new Set<string>() }

type O200k = typeof import("gpt-tokenizer/encoding/o200k_base")
let loaded: O200k | undefined
const o200k = (): O200k => (loaded ??= createRequire(import.meta.url)("gpt-tokenizer/encoding/o200k_base") as O200k)

/** Tokens `text` takes in a gpt-4o-mini prompt. */
export const countTokens = (text: string): number => o200k().countTokens(text, asPlainText)

/** The longest prefix of `text` that fits in `maxTokens` tokens (the text itself when it fits). */
export const truncateToTokens = (text: string, maxTokens: number): string => {
  const { decode, encode } = o200k()
  const tokens = encode(text, asPlainText)
  return tokens.length <= maxTokens ? text : decode(tokens.slice(0, Math.max(0, maxTokens)))
}
