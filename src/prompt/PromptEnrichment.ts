import type { PromptPlatform } from "./PromptTemplate.js"

/**
 * The optional model rewrite ("enrichment") of a template prompt. The template is always a valid
 * prompt; a rewrite only replaces it when it is clearly a full rewrite rather than a truncated or
 * summarised answer (at least half the template's length, in characters) and still fits the
 * platform's token budget.
 */

export type EnrichmentOutcome =
  | "accepted"
  | "rejected_shorter_than_half"
  | "rejected_over_budget"
  | "failed"
  | "skipped"

export const enrichmentRequest = (template: string, platform: PromptPlatform): { readonly system: string; readonly prompt: string } => ({
  system:
    "You polish the system prompt of Nikita, a character in a relationship game. Rewrite the prompt you are " +
    "given so that it reads as one coherent, vivid briefing addressed to Nikita in the second person. Keep " +
    "every fact, name, time, rule and section heading; invent nothing; keep the " +
    (platform === "voice" ? "spoken-call style rules (no emoji, no markdown in her answers)" : "texting style rules") +
    ". Answer with the rewritten prompt only.",
  prompt: template
})

export interface EnrichmentVerdict {
  readonly outcome: EnrichmentOutcome
  /** The text that stands: the rewrite when accepted, otherwise the template. */
  readonly text: string
  readonly tokenCount: number
}

export const judgeEnrichment = (input: {
  readonly template: string
  readonly templateTokens: number
  readonly rewritten: string
  readonly budget: number
  readonly countTokens: (text: string) => number
}): EnrichmentVerdict => {
  const rewritten = input.rewritten.trim()
  const keepTemplate = (outcome: EnrichmentOutcome): EnrichmentVerdict => ({
    outcome,
    text: input.template,
    tokenCount: input.templateTokens
  })
  if (rewritten.length * 2 < input.template.length) return keepTemplate("rejected_shorter_than_half")
  const tokenCount = input.countTokens(rewritten)
  if (tokenCount > input.budget) return keepTemplate("rejected_over_budget")
  return { outcome: "accepted", text: rewritten, tokenCount }
}
