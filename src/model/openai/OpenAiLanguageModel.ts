import { Effect, Schema } from "effect"
import type { ChatCompletion, ChatCompletionMessageParam } from "openai/resources/chat/completions"
import type { ResponseFormatJSONSchema } from "openai/resources/shared"
import { countTokens } from "../Tokens.js"
import type { LanguageModelProvider, ObjectRequest, TextRequest } from "../LanguageModel.js"
import { ModelOutputInvalid } from "../ModelError.js"
import type { ModelRateLimiter } from "../ModelRateLimiter.js"
import { makeOpenAiClient } from "./OpenAiClient.js"
import type { OpenAiSettings } from "./OpenAiSettings.js"
import { jsonSchemaResponseFormat } from "./ResponseFormat.js"

/**
 * `max_completion_tokens` of every call unless the request says otherwise: a structured answer
 * (an extraction with its facts) needs room, free text (a summary, a section rewrite) little.
 */
export const DEFAULT_OBJECT_OUTPUT_TOKENS = 4096
export const DEFAULT_TEXT_OUTPUT_TOKENS = 1024

/** The assistant's text, or why there is none usable (refusal, cut off, empty). */
export const answerOf = (name: string, completion: ChatCompletion): Effect.Effect<string, ModelOutputInvalid> => {
  const choice = completion.choices[0]
  const invalid = (message: string) => Effect.fail(new ModelOutputInvalid({ message, name }))
  if (choice === undefined) return invalid("the completion has no choices")
  if (choice.message.refusal) return invalid(`the model refused: ${choice.message.refusal}`)
  if (choice.finish_reason === "length") return invalid("the answer was cut off at the token limit")
  if (choice.message.content === null) return invalid("the answer has no content")
  return Effect.succeed(choice.message.content)
}

/**
 * What the second attempt is told about the first: a refusal, a cut-off answer or an answer
 * failing the checks the strict schema cannot express is usually fixed by saying what was wrong.
 */
export const retryNote = (reason: string): string =>
  `Your previous answer could not be used: ${reason}. Answer again with one complete JSON object that ` +
  "matches the schema and its described limits, as short as the content allows."

/**
 * An answer is read as JSON, then decoded with the request's schema: two steps, because
 * `Schema.parseJson(schema)` would be a new schema on every call, whose parser was compiled anew
 * each time (a few hundred microseconds of each structured call), while the parser of the
 * request's own schema is compiled once and reused.
 */
const AnswerJson = Schema.parseJson()

export const makeOpenAiLanguageModel = (
  settings: OpenAiSettings
): Effect.Effect<LanguageModelProvider, never, ModelRateLimiter> =>
  Effect.gen(function*() {
    const client = yield* makeOpenAiClient(settings)

    const complete = (
      name: string,
      messages: ReadonlyArray<ChatCompletionMessageParam>,
      maxOutputTokens: number,
      responseFormat?: ResponseFormatJSONSchema
    ) =>
      client.createChatCompletion(
        {
          model: settings.chatModel,
          messages: [...messages],
          max_completion_tokens: maxOutputTokens,
          ...(responseFormat === undefined ? {} : { response_format: responseFormat })
        },
        messages.reduce((sum, message) => sum + (typeof message.content === "string" ? countTokens(message.content) : 0), 0) +
          maxOutputTokens
      ).pipe(Effect.flatMap((completion) => answerOf(name, completion)))

    /** One attempt: the answer decoded with the request's schema (its bounds are checked here). */
    const attempt = <A, I>(request: ObjectRequest<A, I>, messages: ReadonlyArray<ChatCompletionMessageParam>) =>
      complete(
        request.name,
        messages,
        request.maxOutputTokens ?? DEFAULT_OBJECT_OUTPUT_TOKENS,
        jsonSchemaResponseFormat(request.name, request.schema)
      ).pipe(
        Effect.flatMap((content) =>
          Schema.decodeUnknown(AnswerJson)(content).pipe(
            Effect.flatMap(Schema.decodeUnknown(request.schema)),
            Effect.mapError((error) =>
              new ModelOutputInvalid({ message: `the answer does not match the schema: ${error.message}`, name: request.name })
            )
          )
        )
      )

    return {
      provider: "openai",
      /**
       * An unusable answer (refusal, cut off, failing the decode) is asked for once more with the
       * reason; a second failure is the caller's `ModelOutputInvalid`.
       */
      generateObject: <A, I>(request: ObjectRequest<A, I>) => {
        const messages: ReadonlyArray<ChatCompletionMessageParam> = [
          { role: "system", content: request.system },
          { role: "user", content: request.prompt }
        ]
        return attempt(request, messages).pipe(
          Effect.catchTag("ModelOutputInvalid", (first) =>
            Effect.logWarning("model answer unusable; asking once more with the reason").pipe(
              Effect.annotateLogs({ task: request.name, reason: first.message }),
              Effect.zipRight(attempt(request, [...messages, { role: "user", content: retryNote(first.message) }]))
            ))
        )
      },
      generateText: (request: TextRequest) =>
        complete(
          "text",
          [{ role: "system", content: request.system }, { role: "user", content: request.prompt }],
          request.maxOutputTokens ?? DEFAULT_TEXT_OUTPUT_TOKENS
        )
    }
  })
