import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { AppConfig } from "../../src/config/AppConfig.js"
import { DatabaseLive } from "../../src/db/Database.js"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "../support/Db.js"

/** A run's text and voice prompts search memory with the same query: it is embedded once. */
describe.skipIf(!postgresAvailable)("memory search by text", () => {
  it.scoped("the same query twice, even at once, costs one embedding; a failed one is asked again", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const requests = yield* Ref.make<ReadonlyArray<string>>([])
      const failing = yield* Ref.make(true)
      const embeddings = Embeddings.Test({
        dimensions: 1536,
        embedMany: (texts) =>
          Effect.gen(function*() {
            yield* Ref.update(requests, (list) => [...list, ...texts])
            if (texts.includes("fails first") && (yield* Ref.getAndSet(failing, false))) return texts.map(() => Option.none())
            return texts.map(() => Option.some(Array.from({ length: 1536 }, (_, i) => (i === 0 ? 1 : 0))))
          })
      })
      const layer = MemoryRepository.DefaultWithoutDependencies.pipe(
        Layer.provide(embeddings),
        Layer.provide(DatabaseLive.pipe(Layer.provide(AppConfig.Default), Layer.provide(testEnv({ DATABASE_URL: url }))))
      )
      yield* Effect.gen(function*() {
        const memory = yield* MemoryRepository
        const userId = randomUUID()
        const search = (query: string) => memory.searchText({ userId, query, limit: 5 })
        yield* Effect.all([search("what she remembers"), search("what she remembers")], { concurrency: 2 })
        yield* search("what she remembers")
        expect(yield* Ref.get(requests)).toEqual(["what she remembers"])
        yield* search("fails first")
        yield* search("fails first")
        expect((yield* Ref.get(requests)).filter((text) => text === "fails first").length).toBe(2)
      }).pipe(Effect.provide(layer))
    }))
})
