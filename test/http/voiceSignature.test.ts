import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted, Schema } from "effect"
import { createHmac } from "node:crypto"
import { TranscriptionEvent, toVoiceCall } from "../../src/http/VoiceWebhookEvent.js"
import { signatureFor, verifySignature } from "../../src/http/WebhookSignature.js"
import { callEvent, callStart } from "../support/VoiceWebhook.js"

const secret = "shh-webhook"
const now = 1_740_000_000
const body = JSON.stringify({ type: "post_call_transcription", data: { conversation_id: "call-1" } })

const verify = (header: string | undefined, options: { body?: string; secret?: string; nowSeconds?: number } = {}) =>
  verifySignature({
    header,
    body: Buffer.from(options.body ?? body, "utf8"),
    secret: Redacted.make(options.secret ?? secret),
    nowMillis: (options.nowSeconds ?? now) * 1000
  })

const problem = (result: Either.Either<void, string>) => Either.match(result, { onLeft: (why) => why, onRight: () => "ok" })

describe("webhook signature", () => {
  it("signs HMAC-SHA256 over \"<t>.<raw body>\" in hex", () => {
    const expected = createHmac("sha256", secret).update(`${now}.${body}`).digest("hex")
    expect(signatureFor(secret, now, body)).toBe(`t=${now},v0=${expected}`)
  })

  it("accepts the exact bytes, with spaces around the parts and an extra v0 from a rotated secret", () => {
    expect(problem(verify(signatureFor(secret, now, body)))).toBe("ok")
    const v0 = signatureFor(secret, now, body).split("v0=")[1]
    expect(problem(verify(` t=${now} , v0=${"0".repeat(64)}, v0=${v0}`))).toBe("ok")
  })

  it("refuses a missing, malformed or wrong signature", () => {
    expect(problem(verify(undefined))).toBe("missing")
    expect(problem(verify("  "))).toBe("missing")
    expect(problem(verify("sha256=abc"))).toBe("malformed")
    expect(problem(verify(`t=${now}`))).toBe("malformed")
    expect(problem(verify(`t=soon,v0=${"a".repeat(64)}`))).toBe("malformed")
    expect(problem(verify(`t=${now},v0=abc`))).toBe("malformed")
    expect(problem(verify(signatureFor("another secret", now, body)))).toBe("mismatch")
    // Same JSON, other bytes: the signature covers the raw body.
    const reserialised = JSON.stringify(JSON.parse(body), null, 2)
    expect(problem(verify(signatureFor(secret, now, body), { body: reserialised }))).toBe("mismatch")
    // The timestamp is signed too: moving it breaks the signature.
    expect(problem(verify(signatureFor(secret, now, body).replace(`t=${now}`, `t=${now + 1}`)))).toBe("mismatch")
  })

  it("accepts up to 30 minutes old and 5 minutes ahead, no more", () => {
    const at = (offsetSeconds: number) => problem(verify(signatureFor(secret, now + offsetSeconds, body)))
    expect(at(-30 * 60)).toBe("ok")
    expect(at(-30 * 60 - 1)).toBe("stale")
    expect(at(-31 * 60)).toBe("stale")
    expect(at(5 * 60)).toBe("ok")
    expect(at(5 * 60 + 1)).toBe("future")
    expect(at(6 * 60)).toBe("future")
  })
})

describe("a call as a voice conversation", () => {
  const decode = Schema.decodeUnknownSync(TranscriptionEvent)
  const userId = "7d1f4c9e-2b6a-4f3e-9a51-0c8e2d4b6f10"

  it("keeps the spoken turns in order, agent as nikita, timed from the call's start", () => {
    const call = toVoiceCall(decode(callEvent({ userId, callId: "call-7" })))
    expect(call).toMatchObject({ callId: "call-7", userId, startedAt: new Date(callStart * 1000) })
    expect(call.turns.map((turn) => [turn.role, turn.content, turn.sentAt.toISOString()])).toEqual([
      ["nikita", "Hey you, I was hoping you'd call.", "2025-03-01T18:00:00.000Z"],
      ["user", "Hi Nikita! Long day at the hospital.", "2025-03-01T18:00:04.500Z"],
      ["nikita", "Tell me everything.", "2025-03-01T18:00:12.000Z"],
      ["user", "A patient made me laugh today.", "2025-03-01T18:00:20.000Z"]
    ])
  })

  it("without a start time, the call started its duration before the event", () => {
    const event = callEvent({ userId, transcript: [{ role: "user", message: "hi", time_in_call_secs: 30 }] })
    const withoutStart = { ...event, data: { ...event.data, metadata: { call_duration_secs: 45 } } }
    const call = toVoiceCall(decode(withoutStart))
    expect(call.startedAt.toISOString()).toBe(new Date((event.event_timestamp - 45) * 1000).toISOString())
    expect(call.turns[0]?.sentAt.toISOString()).toBe(new Date((event.event_timestamp - 15) * 1000).toISOString())

    const withoutMetadata = { ...event, data: { ...event.data, metadata: undefined } }
    // No duration either: the last turn's time is the best guess of the call's length.
    expect(toVoiceCall(decode(withoutMetadata)).startedAt.toISOString())
      .toBe(new Date((event.event_timestamp - 30) * 1000).toISOString())
  })

  it("a turn longer than a message holds becomes several messages; NUL characters are dropped", () => {
    const long = "ab".repeat(7_500)
    const call = toVoiceCall(decode(callEvent({
      userId,
      transcript: [{ role: "user", message: long, time_in_call_secs: 1 }, { role: "agent", message: "o\u0000k", time_in_call_secs: 2 }]
    })))
    expect(call.turns.map((turn) => turn.content.length)).toEqual([10_000, 5_000, 2])
    expect(call.turns.map((turn) => turn.content).join("")).toBe(`${long}ok`)
  })
})
