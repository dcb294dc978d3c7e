/** Small text helpers shared by the offline (deterministic, rule-based) provider. */

/**
 * FNV-1a (32 bit) followed by murmur3's finalizer, whose avalanche spreads short, similar strings
 * ("w:work", "w:weather") over all the low bits that bucket selection uses.
 */
export const hashString = (text: string, seed = 0x811c9dc5): number => {
  let hash = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}


/** Curly quotes to straight ones, so patterns need only one spelling. */
export const normalizeQuotes = (text: string): string => text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, "\"")

/** Sentences of a message, each keeping its final punctuation. */
export const splitSentences = (text: string): ReadonlyArray<string> =>
  normalizeQuotes(text)
    .split(/(?<=[.!?])\s+|\s*[\r\n]+\s*/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "")

/** Lower-case words (apostrophes kept inside words: "i'm", "don't"). */
export const words = (text: string): ReadonlyArray<string> =>
  normalizeQuotes(text).toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? []

const stopwords = new Set(
  (
    "a an the and or but if so as of to in on at by for with from into about than then there here this that these " +
    "those it its it's is am are was were be been being do does did doing have has had having i i'm i've i'd i'll " +
    "me my mine myself you you're your yours yourself we we're our ours us he she him her his they them their " +
    "what which who whom how when where why all any some just very really too also can could would should will " +
    "shall may might must up down out over again once oh ok okay yeah yes hey hi hello well"
  ).split(" ")
)

export const isStopword = (word: string): boolean => stopwords.has(word)

/** A light suffix stripper: "working", "works", "worked" → "work"; "nurse", "nursing" → "nurs". */
export const stem = (word: string): string => {
  let w = word.replace(/'s$/, "").replace(/'/g, "")
  const strip = (suffix: string, replacement = "") => {
    if (w.length - suffix.length >= 3 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length) + replacement
      return true
    }
    return false
  }
  strip("ies", "y") || strip("ing") || strip("edly") || strip("ed") || strip("es") ||
    (!w.endsWith("ss") && strip("s")) || strip("ly")
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1)
  if (w.length > 3 && w.at(-1) === w.at(-2) && !/[aeiou]/.test(w.at(-1) ?? "")) w = w.slice(0, -1)
  return w
}

/** Content words of a text, stemmed, in order. */
export const contentStems = (text: string): ReadonlyArray<string> =>
  words(text).filter((word) => !isStopword(word)).map(stem)

export const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

export const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value))
