import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import type { GraphType } from "../../game/ExtractionSchema.js"
import { MemoryRepository } from "../../memory/MemoryRepository.js"
import { UserRepository } from "../../player/UserRepository.js"
import { Api } from "../Api.js"
import { NotFound } from "../Errors.js"

// An unembeddable query (the provider failing after its retries) answers no results, as
// `searchText` does for the prompt builder; repository errors are defects (500 at the edge).
export const MemoryLive = HttpApiBuilder.group(Api, "memory", (handlers) =>
  Effect.gen(function*() {
    const users = yield* UserRepository
    const memory = yield* MemoryRepository

    const search = Effect.fn("Memory.search")(function*(
      userId: string,
      params: { readonly q: string; readonly limit: number; readonly graph_type?: GraphType | undefined }
    ) {
      yield* Effect.annotateCurrentSpan({ user_id: userId })
      if (Option.isNone(yield* users.find(userId))) {
        return yield* new NotFound({ message: `No user ${userId}; create it with PUT /users/${userId}.` })
      }
      const facts = yield* memory.searchText({
        userId,
        query: params.q,
        limit: params.limit,
        ...(params.graph_type === undefined ? {} : { graphType: params.graph_type })
      })
      return {
        results: facts.map((fact) => ({
          fact_id: fact.id,
          fact: fact.fact,
          graph_type: fact.graphType,
          similarity: fact.similarity,
          confidence: fact.confidence,
          source: fact.source,
          created_at: fact.createdAt
        }))
      }
    }, Effect.catchTag("SqlError", Effect.die))

    return handlers.handle("searchMemory", ({ path, urlParams }) => search(path.user_id, urlParams))
  }))
