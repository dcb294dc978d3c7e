import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { GraphType } from "../../game/ExtractionSchema.js"
import { Authorization } from "../Authorization.js"
import { NotFound } from "../Errors.js"
import { oneOf, Timestamp } from "../Fields.js"
import { UserPath } from "./Users.js"
import { operationDocs } from "../OperationDocs.js"
import { memorySearchExample } from "../examples/Players.js"

/** What Nikita remembers about a player, searched by meaning. */

export const MemorySearchParams = Schema.Struct({
  q: Schema.String.pipe(
    Schema.filter((text) => text.trim().length > 0, { message: () => "Expected a non-empty search text" }),
    Schema.maxLength(2000)
  ),
  limit: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)), { default: () => 10 }),
  graph_type: Schema.optional(oneOf(GraphType))
})

export const MemorySearchResult = Schema.Struct({
  fact_id: Schema.UUID,
  fact: Schema.String,
  graph_type: GraphType,
  /** Cosine similarity to the query, 1 for the same direction. */
  similarity: Schema.Number,
  confidence: Schema.Number,
  source: Schema.String,
  created_at: Timestamp
}).annotations({ identifier: "MemorySearchResult" })

export const MemorySearchResponse = Schema.Struct({ results: Schema.Array(MemorySearchResult) })
  .annotations({ identifier: "MemorySearch" })

export class MemoryApi extends HttpApiGroup.make("memory")
  .add(
    HttpApiEndpoint.get("searchMemory", "/users/:user_id/memory/search")
      .setPath(UserPath)
      .setUrlParams(MemorySearchParams)
      .addSuccess(MemorySearchResponse)
      .addError(NotFound)
      .annotate(
        OpenApi.Description,
        "The player's active facts most similar to `q`, most similar first; facts not embedded yet are not searchable"
      )
      .annotateContext(operationDocs({ summary: "Search a player's memory by meaning", example: memorySearchExample }))
  )
  .middleware(Authorization)
{}
