import { describe, expect, it } from "@effect/vitest"
import { fitSectionsToBudget, type PromptSections, renderPrompt } from "../../src/prompt/PromptBudget.js"

/** One token per word is enough to test the order of cuts; the stage passes a real tokenizer. */
const countWords = (text: string): number => text.split(/\s+/).filter((word) => word !== "").length

const words = (count: number, word: string): string => Array.from({ length: count }, () => word).join(" ")

/** 10 words each for the fixed sections, chapter behaviour 20, inner life 20, memory 5 items of 4 words + 2-word heading. */
const sections: PromptSections = {
  identity: words(10, "identity"),
  platformStyle: words(10, "style"),
  currentState: words(10, "state"),
  relationship: words(10, "relationship"),
  memory: { heading: "You remember:", items: ["one a b", "two a b", "three a b", "four a b", "five a b"] },
  continuity: words(10, "continuity"),
  innerLife: words(20, "inner"),
  chapterBehaviour: words(20, "chapter")
}
const full = countWords(renderPrompt(sections))

describe("renderPrompt", () => {
  it("renders the sections in prompt order with memory as a list", () => {
    const text = renderPrompt(sections)
    expect(full).toBe(50 + 2 + 20 + 20 + 20)
    expect(text.indexOf("relationship")).toBeLessThan(text.indexOf("You remember:"))
    expect(text).toContain("You remember:\n- one a b\n- two a b")
    expect(text.indexOf("- five a b")).toBeLessThan(text.indexOf("continuity"))
    expect(text.endsWith("chapter")).toBe(true)
  })

  it("omits empty sections and the memory heading without items", () => {
    const text = renderPrompt({ ...sections, memory: { heading: "You remember:", items: [] }, innerLife: "" })
    expect(text).not.toContain("You remember:")
    expect(text).not.toContain("\n\n\n")
  })
})

describe("fitSectionsToBudget", () => {
  it.each([
    { budget: full, chapter: false, inner: false, removed: 0, tokens: full },
    { budget: full - 1, chapter: true, inner: false, removed: 0, tokens: full - 20 },
    { budget: full - 20, chapter: true, inner: false, removed: 0, tokens: full - 20 },
    { budget: full - 21, chapter: true, inner: true, removed: 0, tokens: full - 40 },
    { budget: full - 41, chapter: true, inner: true, removed: 1, tokens: full - 44 },
    { budget: full - 48, chapter: true, inner: true, removed: 2, tokens: full - 48 },
    { budget: full - 56, chapter: true, inner: true, removed: 4, tokens: full - 56 },
    { budget: full - 57, chapter: true, inner: true, removed: 5, tokens: 50 },
    { budget: 50, chapter: true, inner: true, removed: 5, tokens: 50 }
  ])("budget $budget → drop chapter $chapter, inner life $inner, $removed memories", ({ budget, chapter, inner, removed, tokens }) => {
    const fitted = fitSectionsToBudget(sections, budget, countWords)
    expect(fitted.droppedChapterBehaviour).toBe(chapter)
    expect(fitted.droppedInnerLife).toBe(inner)
    expect(fitted.memoryItemsRemoved).toBe(removed)
    expect(fitted.tokenCount).toBe(tokens)
    expect(fitted.tokenCount).toBe(countWords(fitted.text))
    expect(fitted.withinBudget).toBe(true)
  })

  it("removes the least relevant memories first", () => {
    const fitted = fitSectionsToBudget(sections, full - 48, countWords)
    expect(fitted.sections.memory.items).toEqual(["one a b", "two a b", "three a b"])
    expect(fitted.text).not.toContain("five")
  })

  it("keeps the core sections and says so when even they do not fit", () => {
    const fitted = fitSectionsToBudget(sections, 30, countWords)
    expect(fitted.withinBudget).toBe(false)
    expect(fitted.tokenCount).toBe(50)
    expect(fitted.text).toContain("identity")
    expect(fitted.sections.memory.items).toEqual([])
  })
})
