import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { countTokens, truncateToTokens } from "../../src/model/Tokens.js"
import { planEmbeddingBatches, prepareEmbeddingInput } from "../../src/model/EmbeddingBatches.js"
import { decodeFloat32Base64, encodeFloat32Base64 } from "../../src/model/openai/Float32Base64.js"
import { findTranscript, formatTranscript, parseTranscript, transcriptBlock } from "../../src/model/Transcript.js"
import { parseVectorLiteral, toVectorLiteral } from "../../src/memory/VectorLiteral.js"

describe("Transcript", () => {
  const turns = [
    { role: "user", content: "Hi Nikita!\nHow was your day?" },
    { role: "nikita", content: "Long. user: is how you start, right?" }
  ] as const

  it("writes one line per turn and reads it back", () => {
    expect(formatTranscript(turns)).toBe("user: Hi Nikita! How was your day?\nnikita: Long. user: is how you start, right?")
    expect(parseTranscript(formatTranscript(turns))).toEqual([
      { role: "user", content: "Hi Nikita! How was your day?" },
      { role: "nikita", content: "Long. user: is how you start, right?" }
    ])
  })

  it("is found between its markers inside a longer prompt", () => {
    const prompt = `Extract facts.\n${transcriptBlock(turns)}\nuser: not part of it`
    expect(Option.map(findTranscript(prompt), (found) => found.length)).toEqual(Option.some(2))
    expect(findTranscript("no transcript here")).toEqual(Option.none())
  })
})

describe("VectorLiteral", () => {
  it("writes and reads pgvector's text form", () => {
    expect(toVectorLiteral([0.5, -1, 1e-7])).toBe("[0.5,-1,1e-7]")
    expect(parseVectorLiteral("[0.5,-1,1e-7]")).toEqual(Option.some([0.5, -1, 1e-7]))
    expect(parseVectorLiteral("0.5,1")).toEqual(Option.none())
    expect(parseVectorLiteral("[0.5,x]")).toEqual(Option.none())
  })
})

describe("Float32Base64", () => {
  it("round-trips little-endian float32", () => {
    expect(decodeFloat32Base64(encodeFloat32Base64([1, -2.5, 0.25]))).toEqual([1, -2.5, 0.25])
    // 1.0f little-endian is 00 00 80 3f.
    expect(decodeFloat32Base64(Buffer.from([0, 0, 0x80, 0x3f]).toString("base64"))).toEqual([1])
  })
})

describe("Tokens", () => {
  it("counts o200k tokens and truncates to a budget", () => {
    expect(countTokens("Hello world")).toBe(2)
    expect(countTokens("<|endoftext|>")).toBeGreaterThan(1)
    const text = "one two three four five six"
    expect(countTokens(truncateToTokens(text, 3))).toBe(3)
    expect(truncateToTokens(text, 100)).toBe(text)
  })
})

describe("planEmbeddingBatches", () => {
  it("cuts on 2,048 inputs and on 300,000 tokens, keeping order", () => {
    const small = Array.from({ length: 5000 }, (_, index) => ({ index, text: "x", tokens: 1, truncatedFrom: undefined }))
    expect(planEmbeddingBatches(small).map((batch) => batch.inputs.length)).toEqual([2048, 2048, 904])
    const big = Array.from({ length: 80 }, (_, index) => ({ index, text: "x", tokens: 8000, truncatedFrom: undefined }))
    const batches = planEmbeddingBatches(big)
    expect(batches.map((batch) => batch.tokens)).toEqual([296_000, 296_000, 48_000])
    expect(batches.flatMap((batch) => batch.inputs.map((input) => input.index))).toEqual(big.map((input) => input.index))
  })

  it("truncates an input over 8,192 tokens", () => {
    const input = prepareEmbeddingInput(0, "word ".repeat(9000))
    expect(input.tokens).toBe(8192)
    expect(input.truncatedFrom).toBeGreaterThanOrEqual(9000)
    expect(input.text.length).toBeLessThan("word ".repeat(9000).length)
  })
})
