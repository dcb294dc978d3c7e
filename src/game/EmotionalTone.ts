/**
 * The tone of a conversation. The emotional rules take it straight from the extraction's schema
 * (`emotional_tone`) rather than declaring names of their own: the reference game's rules used
 * other names, so tone never applied. With one declaration, renaming a tone on either side breaks
 * `toneDelta` at compile time instead of silently doing nothing.
 */
export { EmotionalTone } from "./ExtractionSchema.js"
