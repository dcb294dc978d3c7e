import { Option } from "effect"
import type { ExtractedFact } from "../../game/ExtractionSchema.js"
import { intensifiers, passingStates } from "./OfflineLexicon.js"
import { capitalize } from "./OfflineText.js"
import type { Speaker } from "../Transcript.js"

/**
 * Rewrites first-person statements into third-person facts:
 * "I work as a nurse in Berlin" (user) → "User works as a nurse in Berlin";
 * "my sister is called Ana" (nikita) → "Nikita's sister is called Ana";
 * "we should go to Paris" → "User and Nikita should go to Paris" (relationship).
 */

const people = { user: "User", nikita: "Nikita" } as const

const pronouns: Record<Speaker, Record<string, string>> = {
  user: {
    my: "their", me: "them", myself: "themselves", mine: "theirs", i: "they", "i'm": "they're",
    you: "Nikita", your: "Nikita's", yours: "Nikita's", yourself: "Nikita", "you're": "Nikita is",
    we: "they", "we're": "they're", us: "them", our: "their", ours: "theirs"
  },
  nikita: {
    my: "her", me: "her", myself: "herself", mine: "hers", i: "she", "i'm": "she's",
    you: "the user", your: "the user's", yours: "the user's", yourself: "the user", "you're": "the user is",
    we: "they", "we're": "they're", us: "them", our: "their", ours: "theirs"
  }
}

const irregular: Record<string, string> = {
  am: "is", "'m": "is", was: "was", have: "has", "'ve": "has", do: "does", go: "goes", can: "can",
  could: "could", will: "will", would: "would", should: "should", must: "must", might: "might",
  "'ll": "will", "'d": "would", did: "did", had: "had", got: "got"
}

const pastTenses: ReadonlySet<string> = new Set(
  ("grew knew drew flew threw taught thought bought brought caught fought came became went spent sent took " +
    "shook saw lost sold told made met left felt kept slept ran began wrote drove gave found built broke chose " +
    "fell forgot heard held hurt paid put quit read rode said sat sang stood swam understood won wore")
    .split(" ")
)

/** Third-person singular of a verb ("work" → "works", "study" → "studies", "teach" → "teaches"). */
const conjugate = (verb: string): string => {
  const lower = verb.toLowerCase()
  const known = irregular[lower]
  if (known !== undefined) return known
  // Past tenses ("worked", "grew", "taught", "went") stay as they are.
  if (pastTenses.has(lower) || /[^e]ed$/.test(lower)) return lower
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`
  if (/(s|sh|ch|x|z|o)$/.test(lower)) return `${lower}es`
  return `${lower}s`
}

const rewriteRest = (rest: string, speaker: Speaker): string =>
  rest.replace(/[\p{L}']+/gu, (word) => pronouns[speaker][word.toLowerCase()] ?? word)

const cleanEnd = (text: string): string => text.replace(/[\s,;:.!?…]+$/u, "").trim()

/** Keeps the statement itself: "I love my job but I'm tired" → "I love my job". */
const mainClause = (text: string): string =>
  text.split(/\s+(?:but|although|though|however)\s+|,\s+(?=(?:it|that|this|so|but|which|and i|and she)\b)|\s+-\s+/i)[0] ?? text

/** "do that", "it": nothing a memory could use. */
const hasSubstance = (rest: string): boolean =>
  !/^(?:do|doing|try|trying|say|said)?\s*(?:that|this|it|so)?\s*(?:too|again)?[\s.!]*$/i.test(rest.trim())

/** The statement is about a passing mood ("I'm so tired") rather than something to remember. */
const isPassing = (rest: string): boolean => {
  const restWords = rest.toLowerCase().split(/\s+/).filter((word) => word !== "")
  const first = restWords.find((word) => !intensifiers.has(word))
  return first === undefined || passingStates.has(first.replace(/[^\p{L}']/gu, ""))
}

const firstPerson = /\b(?:i\s+(am|was|have|(?:[a-z]+))|i('m|'ve|'ll|'d))\s+(.+)$/i
const possessive = /\bmy\s+((?:[\p{L}-]+\s+){0,2}?)(is|are|was|were|'s)\s+(.+)$/iu
const together = /\b(?:we\s+([a-z']+)|(we're|we've|let's))\s+(.+)$/i

const fact = (text: string, graphType: ExtractedFact["graph_type"]): Option.Option<ExtractedFact> => {
  const cleaned = cleanEnd(mainClause(text)).slice(0, 500)
  return cleaned.split(/\s+/).length >= 3 ? Option.some({ text: capitalize(cleaned), graph_type: graphType }) : Option.none()
}

const aboutSpeaker = (sentence: string, speaker: Speaker): Option.Option<ExtractedFact> => {
  const subject = people[speaker]
  const owned = possessive.exec(sentence)
  if (owned !== null) {
    const [, thing = "", verb = "is", rest = ""] = owned
    const linking = verb === "'s" ? "is" : verb
    return fact(`${subject}'s ${thing.trim()} ${linking} ${rewriteRest(rest, speaker)}`, speaker)
  }
  const match = firstPerson.exec(sentence)
  if (match === null) return Option.none()
  const verb = match[1] ?? match[2] ?? ""
  const rest = match[3] ?? ""
  if (!hasSubstance(rest) || (isPassing(rest) && /^(am|'m|was)$/i.test(verb))) return Option.none()
  if (speaker === "user" && /^(love|like|miss|adore|need)$/i.test(verb) && /^you\b/i.test(rest)) {
    return fact(`User told Nikita they ${verb.toLowerCase()} ${rewriteRest(rest.replace(/^you\b/i, "her"), speaker)}`, "relationship")
  }
  if (/^(think|guess|mean|know|hope|bet|wonder|feel|felt|want|wanted|don't|didn't|can't|won't)$/i.test(verb)) {
    return Option.none()
  }
  return fact(`${subject} ${conjugate(verb)} ${rewriteRest(rest, speaker)}`, speaker)
}

const aboutBoth = (sentence: string, speaker: Speaker): Option.Option<ExtractedFact> => {
  const match = together.exec(sentence)
  if (match === null) return Option.none()
  if (!hasSubstance(match[3] ?? "")) return Option.none()
  const rest = rewriteRest(match[3] ?? "", speaker)
  const lead = (match[2] ?? "").toLowerCase()
  const verb = lead === "we're" ? "are" : lead === "we've" ? "have" : lead === "let's" ? "plan to" : match[1] ?? ""
  return fact(`User and Nikita ${verb} ${rest}`, "relationship")
}

/** The fact a sentence states, if it states one; questions and apologies state none. */
export const factFromSentence = (sentence: string, speaker: Speaker): Option.Option<ExtractedFact> =>
  sentence.trim().endsWith("?") || /\b(?:sorry|apologi[sz]e)\b/i.test(sentence)
    ? Option.none()
    : Option.orElse(aboutBoth(sentence, speaker), () => aboutSpeaker(sentence, speaker))
