import { Duration, Effect, Option } from "effect"
import { Embeddings } from "../../model/Embeddings.js"
import { MemoryRepository } from "../../memory/MemoryRepository.js"
import { NotesRepository } from "../../memory/NotesRepository.js"
import { criticalStage } from "../Stage.js"

/** One batched embeddings call (with its retries) plus a short transaction per fact. */
export const MemoryUpdateTimeout = Duration.seconds(15)

/**
 * Stage 2: stores the extraction's facts, threads and thoughts (DOMAIN.md, memory_update). All
 * facts are embedded in one batched call; a fact whose embedding failed is stored with a NULL
 * embedding and the stage still succeeds. Re-runs store nothing twice: facts are keyed by their
 * normalised text (see `MemoryRepository.addFacts`), threads and thoughts by their unique
 * (conversation, text) pairs. force_reprocess first retires the conversation's earlier facts and
 * drops its threads and thoughts, so the new run's replace them. Without an extraction (it cannot be missing in a normal run, the
 * extraction being critical) there is nothing to store.
 */
export const memoryUpdate = criticalStage({
  name: "memory_update",
  timeout: MemoryUpdateTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const extraction = earlier.extraction
      const userId = run.user.id
      const conversationId = run.conversation.id
      const memory = yield* MemoryRepository
      const notes = yield* NotesRepository
      // force_reprocess replaces what the earlier run of this conversation stored instead of adding to it.
      if (run.forceReprocess) {
        yield* memory.retireConversation({ userId, conversationId })
        yield* notes.removeConversation(conversationId)
      }

      const vectors = extraction.facts.length === 0
        ? []
        : yield* Effect.flatMap(Embeddings, (embeddings) => embeddings.embedMany(extraction.facts.map((fact) => fact.text)))
      const facts = extraction.facts.map((fact, index) => ({
        text: fact.text,
        graphType: fact.graph_type,
        embedding: vectors[index] ?? Option.none()
      }))
      const stored = yield* memory.addFacts({ userId, conversationId, facts })

      const { threads, thoughts } = yield* notes.addNotes({
        userId,
        conversationId,
        topics: extraction.threads,
        thoughts: extraction.thoughts
      })

      yield* Effect.logInfo("memory updated").pipe(
        Effect.annotateLogs({ ...stored, new_threads: threads, new_thoughts: thoughts })
      )
      return stored
    })
})
