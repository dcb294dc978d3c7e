/**
 * Deterministic randomness: a stage re-run after a crash must draw the same numbers, so every
 * random choice is seeded from stable strings (user id, conversation id or date, purpose).
 * FNV-1a hashes the parts into 32 bits and mulberry32 expands that seed into a stream; both are
 * tiny, well-known and identical on every platform.
 */
export interface SeededRandom {
  /** A float in [0, 1). */
  readonly next: () => number
  /** A float in [min, max). */
  readonly between: (min: number, max: number) => number
  /** An integer in [min, max], both included. */
  readonly integer: (min: number, max: number) => number
  /** One element of a non-empty list. */
  readonly pick: <A>(items: readonly [A, ...Array<A>]) => A
  /** A shuffled copy (Fisher-Yates). */
  readonly shuffle: <A>(items: ReadonlyArray<A>) => Array<A>
}

/**
 * FNV-1a over the UTF-16 code units of the parts, joined by U+001F so that ("ab", "c") and
 * ("a", "bc") seed differently.
 */
export const hashSeed = (...parts: ReadonlyArray<string>): number => {
  const text = parts.join("\u001f")
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

export const mulberry32 = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const seededRandom = (...parts: ReadonlyArray<string>): SeededRandom => {
  const next = mulberry32(hashSeed(...parts))
  const integer = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    between: (min, max) => min + next() * (max - min),
    integer,
    pick: (items) => items[integer(0, items.length - 1)],
    shuffle: (items) => {
      const copy = [...items]
      for (let i = copy.length - 1; i > 0; i--) {
        const j = integer(0, i)
        const held = copy[i]
        copy[i] = copy[j]
        copy[j] = held
      }
      return copy
    }
  }
}
