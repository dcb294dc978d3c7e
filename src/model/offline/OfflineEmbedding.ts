import { contentStems, hashString } from "./OfflineText.js"

const signSeed = 0x9747b28c

/** Adds one feature to the vector by signed hashing: a bucket from one hash, a sign from another. */
const addFeature = (vector: Array<number>, feature: string, weight: number) => {
  const bucket = hashString(feature) % vector.length
  const sign = (hashString(feature, signSeed) & 1) === 0 ? 1 : -1
  vector[bucket] = (vector[bucket] ?? 0) + sign * weight
}

/**
 * The offline provider's embedding: feature hashing of stemmed content words (weight 1), adjacent
 * word pairs (0.5) and each word's character trigrams (sharing 0.5 per word, so "nurse" and
 * "nursing" meet), L2-normalised. Texts sharing words and word forms land near each other; there
 * is no knowledge of synonyms. A text with no content words embeds a fixed marker, never zeros.
 */
export const hashEmbedding = (text: string, dimensions: number): Array<number> => {
  const vector = new Array<number>(dimensions).fill(0)
  const stems = contentStems(text)
  if (stems.length === 0) addFeature(vector, "\u0000empty", 1)
  stems.forEach((word, index) => {
    addFeature(vector, `w:${word}`, 1)
    const next = stems[index + 1]
    if (next !== undefined) addFeature(vector, `b:${word} ${next}`, 0.5)
    const padded = `<${word}>`
    const trigrams = Math.max(1, padded.length - 2)
    for (let i = 0; i + 3 <= padded.length; i++) {
      addFeature(vector, `t:${padded.slice(i, i + 3)}`, 0.5 / Math.sqrt(trigrams))
    }
  })
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0))
  return norm === 0 ? vector : vector.map((value) => value / norm)
}

/** Cosine similarity of two vectors of equal length. */
export const cosineSimilarity = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    dot += x * y
    normA += x * x
    normB += y * y
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB)
}
