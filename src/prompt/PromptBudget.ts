/**
 * Fitting the system prompt into its token budget (text 6,500, voice 3,500). Sections are kept
 * apart until the end so the least important ones can be dropped whole.
 */
export interface PromptSections {
  readonly identity: string
  readonly platformStyle: string
  readonly currentState: string
  readonly relationship: string
  /** Items ordered most relevant first; trimming removes from the end. */
  readonly memory: { readonly heading: string; readonly items: ReadonlyArray<string>; readonly spoken?: boolean | undefined }
  readonly continuity: string
  readonly innerLife: string
  readonly chapterBehaviour: string
}

export const TEXT_PROMPT_BUDGET = 6_500
export const VOICE_PROMPT_BUDGET = 3_500

/** Non-empty sections in prompt order, separated by a blank line; memory is a bullet list under its heading. */
export const renderPrompt = (sections: PromptSections): string => {
  const memory = sections.memory.items.length === 0
    ? ""
    : sections.memory.spoken === true
    ? [sections.memory.heading, sections.memory.items.join(". ") + "."].join("\n")
    : [sections.memory.heading, ...sections.memory.items.map((item) => `- ${item}`)].join("\n")
  return [
    sections.identity,
    sections.platformStyle,
    sections.currentState,
    sections.relationship,
    memory,
    sections.continuity,
    sections.innerLife,
    sections.chapterBehaviour
  ].filter((text) => text.trim() !== "").join("\n\n")
}

export interface FittedPrompt {
  readonly sections: PromptSections
  readonly text: string
  readonly tokenCount: number
  readonly droppedChapterBehaviour: boolean
  readonly droppedInnerLife: boolean
  readonly memoryItemsRemoved: number
  /** False when even identity, state, relationship and continuity alone exceed the budget. */
  readonly withinBudget: boolean
}

/**
 * Over budget: drop chapter behaviour, then inner life, then remove memory items from the least
 * relevant end, one at a time, until the prompt fits (removing all of them drops the heading too).
 * Stops at the first step that fits. If nothing more can go, the prompt is returned as it is with
 * `withinBudget: false` and the caller decides.
 */
export const fitSectionsToBudget = (
  sections: PromptSections,
  budget: number,
  countTokens: (text: string) => number
): FittedPrompt => {
  const measure = (candidate: PromptSections) => {
    const text = renderPrompt(candidate)
    return { text, tokenCount: countTokens(text) }
  }
  const result = (candidate: PromptSections, measured: { text: string; tokenCount: number }): FittedPrompt => ({
    sections: candidate,
    ...measured,
    droppedChapterBehaviour: sections.chapterBehaviour !== "" && candidate.chapterBehaviour === "",
    droppedInnerLife: sections.innerLife !== "" && candidate.innerLife === "",
    memoryItemsRemoved: sections.memory.items.length - candidate.memory.items.length,
    withinBudget: measured.tokenCount <= budget
  })

  let candidate = sections
  let measured = measure(candidate)
  if (measured.tokenCount <= budget) return result(candidate, measured)

  candidate = { ...candidate, chapterBehaviour: "" }
  measured = measure(candidate)
  if (measured.tokenCount <= budget) return result(candidate, measured)

  candidate = { ...candidate, innerLife: "" }
  measured = measure(candidate)
  while (measured.tokenCount > budget && candidate.memory.items.length > 0) {
    candidate = { ...candidate, memory: { ...candidate.memory, items: candidate.memory.items.slice(0, -1) } }
    measured = measure(candidate)
  }
  return result(candidate, measured)
}
