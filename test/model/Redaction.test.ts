import { describe, expect, it } from "@effect/vitest"
import { APIError } from "openai"
import { redactSecrets } from "../../src/config/Redaction.js"
import { fromOpenAiError } from "../../src/model/openai/OpenAiErrors.js"

/** Secrets that reach text by accident never reach a log, a response or last_error. */

describe("redactSecrets", () => {
  it.each([
    ["postgres://aftertalk:pg-pass-123@db.internal:5432/app", "pg-pass-123"],
    ["connect ECONNREFUSED for https://user:url-secret@proxy.example/v1/chat", "url-secret"],
    ["401 Incorrect API key provided: sk-abc***xyz. You can find your API key at …", "abc***xyz"],
    ["key sk-proj-AbCdEf0123456789 rejected", "AbCdEf0123456789"],
    ["header was Bearer abcdef0123456789", "abcdef0123456789"],
    ["?api_key=k3y-value&x=1", "k3y-value"]
  ])("%s loses its secret", (text, secret) => {
    const redacted = redactSecrets(text)
    expect(redacted).not.toContain(secret)
    expect(redacted).toContain("***")
  })

  it("leaves ordinary text alone", () => {
    const text = "extraction failed: model answered 500 after 3 attempts (token_count=120) at http://127.0.0.1:8080/v1"
    expect(redactSecrets(text)).toBe(text)
  })

  it("an OpenAI error quoting a key fragment becomes a model error without it", () => {
    const upstream = APIError.generate(
      401,
      { error: { message: "Incorrect API key provided: sk-abc***xyz. You can find your API key at https://platform.openai.com", type: "invalid_request_error", code: "invalid_api_key" } },
      undefined,
      new Headers()
    )
    const error = fromOpenAiError("extraction", upstream, Date.now())
    expect(error._tag).toBe("ModelRejected")
    expect(error.message).toContain("Incorrect API key provided")
    expect(error.message).not.toContain("abc***xyz")
  })
})
