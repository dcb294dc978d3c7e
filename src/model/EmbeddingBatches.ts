import { createRequire } from "node:module"

/**
 * OpenAI's embeddings limits: inputs per request, tokens per request, tokens per input. The
 * text-embedding-3 models (and ada-002) tokenize with `cl100k_base`.
 */
export const embeddingLimits = {
  maxInputsPerRequest: 2048,
  maxTokensPerRequest: 300_000,
  maxTokensPerInput: 8192
} as const

export interface EmbeddingInput {
  /** Position of the text in the caller's list. */
  readonly index: number
  /** The text sent, possibly truncated. */
  readonly text: string
  readonly tokens: number
  readonly truncatedFrom: number | undefined
}

export interface EmbeddingBatch {
  readonly inputs: ReadonlyArray<EmbeddingInput>
  readonly tokens: number
}

const asPlainText = { disallowedSpecial: new Set<string>() }

// Loaded on the first embedding request, not at start-up (see Tokens.ts).
type Cl100k = typeof import("gpt-tokenizer/encoding/cl100k_base")
let loaded: Cl100k | undefined
const cl100k = (): Cl100k => (loaded ??= createRequire(import.meta.url)("gpt-tokenizer/encoding/cl100k_base") as Cl100k)

/** Tokenizes one input, cutting it to the first `maxTokensPerInput` tokens when longer. */
export const prepareEmbeddingInput = (index: number, text: string): EmbeddingInput => {
  const { decode, encode } = cl100k()
  const tokens = encode(text, asPlainText)
  if (tokens.length <= embeddingLimits.maxTokensPerInput) {
    return { index, text, tokens: tokens.length, truncatedFrom: undefined }
  }
  return {
    index,
    text: decode(tokens.slice(0, embeddingLimits.maxTokensPerInput)),
    tokens: embeddingLimits.maxTokensPerInput,
    truncatedFrom: tokens.length
  }
}

/** Packs inputs, in order, into as few requests as the per-request limits allow. */
export const planEmbeddingBatches = (inputs: ReadonlyArray<EmbeddingInput>): ReadonlyArray<EmbeddingBatch> => {
  const batches: Array<EmbeddingBatch> = []
  let current: Array<EmbeddingInput> = []
  let tokens = 0
  for (const input of inputs) {
    const full = current.length === embeddingLimits.maxInputsPerRequest ||
      tokens + input.tokens > embeddingLimits.maxTokensPerRequest
    if (full && current.length > 0) {
      batches.push({ inputs: current, tokens })
      current = []
      tokens = 0
    }
    current.push(input)
    tokens += input.tokens
  }
  if (current.length > 0) batches.push({ inputs: current, tokens })
  return batches
}
