import { Effect, Option } from "effect"
import { randomUUID } from "node:crypto"
import { ConversationRepository } from "../conversation/ConversationRepository.js"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import { PipelineOrchestrator } from "../pipeline/Pipeline.js"
import { UserRepository } from "../player/UserRepository.js"
import { ReadyPromptRepository } from "../prompt/ReadyPromptRepository.js"
import { CliFailure, print, progressBar, table } from "./Output.js"

/**
 * `aftertalk demo`: a few sample players, each with one text conversation, written to the
 * configured database and processed by the real pipeline (so with the offline provider unless
 * OPENAI_API_KEY is set), then the first player's ready prompt and remembered facts. New ids
 * every time: running it twice adds players, it never touches existing ones.
 */

interface SamplePlayer {
  readonly name: string
  readonly timezone: string
  readonly lines: ReadonlyArray<readonly ["user" | "nikita", string]>
}

const samples: ReadonlyArray<SamplePlayer> = [
  {
    name: "Sam",
    timezone: "Europe/Berlin",
    lines: [
      ["user", "Hi Nikita! I work as a nurse in Berlin and I love hiking."],
      ["nikita", "A nurse! That sounds intense. Where do you hike?"],
      ["user", "Mostly in the Alps. My sister Lena lives in Munich, so I visit her on the way."],
      ["nikita", "That sounds lovely. Do you two hike together?"],
      ["user", "Sometimes! I'm nervous about my exam next week though."]
    ]
  },
  {
    name: "Alex",
    timezone: "America/New_York",
    lines: [
      ["user", "Hey, I'm a software engineer in Brooklyn. I have a dog called Pixel."],
      ["nikita", "Pixel is a perfect name for an engineer's dog."],
      ["user", "Ha, thanks. I play the guitar in the evenings to unwind."]
    ]
  },
  {
    name: "Mira",
    timezone: "Asia/Tokyo",
    lines: [
      ["user", "I study architecture in Tokyo and I love old temples."],
      ["nikita", "Which temple is your favourite?"],
      ["user", "Kiyomizu-dera in Kyoto. I'm really happy today, I passed my design review!"]
    ]
  }
]

export const runDemo = Effect.gen(function*() {
  const users = yield* UserRepository
  const conversations = yield* ConversationRepository
  const orchestrator = yield* PipelineOrchestrator
  const prompts = yield* ReadyPromptRepository
  const memory = yield* MemoryRepository

  const created = yield* Effect.forEach(samples, (sample) =>
    Effect.gen(function*() {
      const userId = randomUUID()
      yield* users.upsert(userId, { display_name: sample.name, timezone: sample.timezone })
      let conversationId = ""
      for (const [role, content] of sample.lines) {
        const appended = yield* conversations.appendMessage(userId, { platform: "text", role, content })
        conversationId = Option.getOrThrowWith(appended, () => new CliFailure({ message: "a sample player vanished" }))
          .conversation_id
      }
      return { userId, name: sample.name, conversationId }
    }))
  yield* print(`created ${created.length} players with one conversation each`)

  const bar = progressBar("processing", created.length)
  yield* bar.start
  const outcomes = yield* Effect.forEach(created, (player, index) =>
    orchestrator.process(player.conversationId, { trigger: "task" }).pipe(
      Effect.map((report): string => report.status),
      Effect.catchAll((error) => Effect.succeed(`failed (${error._tag})`)),
      Effect.tap(() => bar.update(index + 1))
    ))
  yield* print(table(["player", "user_id", "conversation_id", "run"], created.map((player, index) => [
    player.name,
    player.userId,
    player.conversationId,
    outcomes[index] ?? ""
  ])))

  const first = created[0]
  if (first === undefined) return
  const prompt = yield* prompts.current(first.userId, "text")
  if (Option.isNone(prompt)) {
    return yield* new CliFailure({ message: `no prompt was built for ${first.name}; see the runs above` })
  }
  yield* print(`\n${first.name}'s text prompt (${prompt.value.token_count} tokens):\n\n${prompt.value.prompt_text}`)
  const facts = yield* memory.recent({ userId: first.userId, limit: 20 })
  yield* print(`\n${first.name}'s facts:\n${facts.map((fact) => `- ${fact.fact}`).join("\n")}`)
  yield* print(`\nprompts built for ${outcomes.filter((outcome) => !outcome.startsWith("failed")).length} of ${created.length} players`)
})
