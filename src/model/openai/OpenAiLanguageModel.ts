import { Effect, Schema } from "effect"
import type { ChatCompletion } from "openai/resources/chat/completions"
import type { ResponseFormatJSONSchema } from "openai/resources/shared"
import { countTokens } from "../Tokens.js"
import type { LanguageModelProvider, ObjectRequest, TextRequest } from "../LanguageModel.js"
import { ModelOutputInvalid } from "../ModelError.js"
import type { ModelRateLimiter } from "../ModelRateLimiter.js"
import { makeOpenAiClient } from "./OpenAiClient.js"
import type { OpenAiSettings } from "./OpenAiSettings.js"
import { jsonSchemaResponseFormat } from "./ResponseFormat.js"

/** Completion tokens a call is assumed to use when reserving room under OPENAI_TPM. */
const expectedOutputTokens = 1024

/** The assistant's text, or why there is none usable (refusal, cut off, empty). */
const answerOf = (name: string, completion: ChatCompletion): Effect.Effect<string, ModelOutputInvalid> => {
  const choice = completion.choices[0]
  const invalid = (message: string) => Effect.fail(new ModelOutputInvalid({ message, name }))
  if (choice === undefined) return invalid("the completion has no choices")
  if (choice.message.refusal) return invalid(`the model refused: ${choice.message.refusal}`)
  if (choice.finish_reason === "length") return invalid("the answer was cut off at the token limit")
  if (choice.message.content === null) return invalid("the answer has no content")
  return Effect.succeed(choice.message.content)
}

export const makeOpenAiLanguageModel = (
  settings: OpenAiSettings
): Effect.Effect<LanguageModelProvider, never, ModelRateLimiter> =>
  Effect.gen(function*() {
    const client = yield* makeOpenAiClient(settings)

    const complete = (name: string, request: TextRequest, responseFormat?: ResponseFormatJSONSchema) =>
      client.createChatCompletion(
        {
          model: settings.chatModel,
          messages: [
            { role: "system", content: request.system },
            { role: "user", content: request.prompt }
          ],
          ...(responseFormat === undefined ? {} : { response_format: responseFormat })
        },
        countTokens(request.system) + countTokens(request.prompt) + expectedOutputTokens
      ).pipe(Effect.flatMap((completion) => answerOf(name, completion)))

    return {
      provider: "openai",
      generateObject: <A, I>(request: ObjectRequest<A, I>) =>
        complete(request.name, request, jsonSchemaResponseFormat(request.name, request.schema)).pipe(
          Effect.flatMap((content) =>
            Schema.decodeUnknown(Schema.parseJson(request.schema))(content).pipe(
              Effect.mapError((error) =>
                new ModelOutputInvalid({ message: `the answer does not match the schema: ${error.message}`, name: request.name })
              )
            )
          )
        ),
      generateText: (request: TextRequest) => complete("text", request)
    }
  })
