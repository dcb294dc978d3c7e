import type { Horseman } from "../../game/ExtractionSchema.js"

/**
 * Word lists of the offline extraction. Small on purpose: they catch the plain cases a player
 * types, and tests pin what they catch. Entries are stems as produced by `OfflineText.stem`
 * or whole lower-case phrases matched on word boundaries.
 */

export const positiveStems: ReadonlySet<string> = new Set([
  "love", "lov", "like", "happy", "glad", "great", "awesom", "amaz", "wonderful", "fun", "excit", "thank",
  "beautiful", "sweet", "cute", "laugh", "haha", "lol", "enjoy", "nice", "proud", "relax", "calm", "good",
  "lovely", "perfect", "best", "adore", "smil", "yay", "fantastic", "brilliant", "cozy", "warm"
])

export const negativeStems: ReadonlySet<string> = new Set([
  "hate", "hat", "sad", "angry", "mad", "upset", "annoy", "tired", "lonely", "hurt", "awful", "terribl",
  "horribl", "stupid", "boring", "worri", "anxious", "scar", "afraid", "cry", "depress", "stress", "sick",
  "ugh", "disappoint", "miserabl", "bad", "worst", "frustrat", "jealous", "exhaust", "lost", "alone"
])

export const negators: ReadonlySet<string> = new Set([
  "not", "never", "no", "don't", "dont", "isn't", "wasn't", "aren't", "can't", "cannot", "didn't", "won't"
])

export const flirtStems: ReadonlySet<string> = new Set([
  "kiss", "gorgeous", "hot", "sexy", "babe", "date", "crush", "flirt", "handsom", "cuddl", "hug"
])

/** Phrases of the player that show one of Gottman's four horsemen. */
export const horsemenPhrases: ReadonlyArray<readonly [Horseman, ReadonlyArray<string>]> = [
  ["criticism", ["you always", "you never", "what's wrong with you", "why can't you", "you're so selfish",
    "you're so lazy", "it's your fault", "you don't even care"]],
  ["contempt", ["pathetic", "loser", "you're ridiculous", "disgusting", "idiot", "worthless", "rolls eyes",
    "eye roll", "as if you could", "you're a joke"]],
  ["defensiveness", ["not my fault", "i didn't do anything", "that's not true", "don't blame me",
    "yeah but", "yes but", "what about you", "i had no choice"]],
  ["stonewalling", ["leave me alone", "i don't want to talk", "i dont want to talk", "stop talking",
    "i'm done talking", "forget it", "talk later"]]
]

/** Whole messages that shut the conversation down. */
export const stonewallingReplies: ReadonlySet<string> = new Set(["fine", "k", "ok", "whatever", "sure", "mhm", "done"])

export const apologyPhrases: ReadonlyArray<string> = [
  "sorry", "apologize", "apologise", "apologies", "my bad", "forgive me"
]

export const strongApologyPhrases: ReadonlyArray<string> = [
  "i apologize", "i apologise", "really sorry", "so sorry", "truly sorry", "forgive me"
]

/** An apology that also owns the mistake or offers amends. */
export const accountabilityPhrases: ReadonlyArray<string> = [
  "you're right", "i understand", "i was wrong", "my fault", "make it up", "i should have",
  "i shouldn't have", "i'll do better", "i will do better"
]

/** Disclosures of feelings; both sides making one is a vulnerability exchange. */
export const disclosurePatterns: ReadonlyArray<RegExp> = [
  /\bi (?:feel|felt)\b/,
  /\bi(?:'m| am) (?:so |really |a bit |kind of )?(?:scared|afraid|nervous|lonely|anxious|worried|sad|hurt|insecure|vulnerable|struggling|ashamed)\b/,
  /\bhonestly\b/,
  /\bi(?:'ve| have) never told\b/,
  /\bit hurts\b/,
  /\bi miss\b/,
  /\bi need you\b/
]

/** Words after "I'm …" that describe a passing state, not a fact worth remembering. */
export const passingStates: ReadonlySet<string> = new Set([
  "sorry", "fine", "ok", "okay", "good", "great", "glad", "here", "back", "kidding", "joking", "sure", "not",
  "tired", "happy", "sad", "bored", "busy", "feeling", "going", "gonna", "trying", "thinking", "wondering",
  "excited", "nervous", "scared", "afraid", "lonely", "worried", "hurt", "curious", "listening", "done",
  "sick", "exhausted", "stressed", "upset", "angry", "mad", "confused", "serious", "right", "wrong", "there"
])

/** Words softening a statement, skipped before judging it ("I'm so tired"). */
export const intensifiers: ReadonlySet<string> = new Set([
  "so", "just", "really", "very", "still", "also", "too", "pretty", "quite", "kinda", "bit", "kind", "of", "a"
])

/** Follow-up words that make a first-person statement an open thread ("interview tomorrow"). */
export const futureMarkers: ReadonlyArray<string> = [
  "tomorrow", "tonight", "next week", "next month", "this weekend", "on monday", "on tuesday", "on wednesday",
  "on thursday", "on friday", "on saturday", "on sunday", "interview", "exam", "appointment", "soon"
]
