import { countTokens as countO200k, decode, encode } from "gpt-tokenizer/encoding/o200k_base"

/**
 * Token counting for chat prompts with `o200k_base`, the encoding of gpt-4o and gpt-4o-mini.
 * Special-token markers in user text (`<|endoftext|>`) count as plain text instead of throwing.
 */
const asPlainText = { disallowedSpecial: new Set<string>() }

/** Tokens `text` takes in a gpt-4o-mini prompt. */
export const countTokens = (text: string): number => countO200k(text, asPlainText)

/** The longest prefix of `text` that fits in `maxTokens` tokens (the text itself when it fits). */
export const truncateToTokens = (text: string, maxTokens: number): string => {
  const tokens = encode(text, asPlainText)
  return tokens.length <= maxTokens ? text : decode(tokens.slice(0, Math.max(0, maxTokens)))
}
