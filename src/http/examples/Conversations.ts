import { exampleConversationId, exampleUserId } from "./Ids.js"

export const conversationExample = {
  conversation_id: exampleConversationId,
  user_id: exampleUserId,
  platform: "text",
  status: "processed",
  message_count: 6,
  started_at: "2025-01-31T18:20:00.000Z",
  last_message_at: "2025-01-31T18:29:41.000Z",
  processed_at: "2025-01-31T18:45:00.870Z",
  processing_attempts: 1,
  summary: "Sam told Nikita about a long night shift and their cat Miso; they planned a trip to the coast.",
  emotional_tone: "positive",
  last_error: null
}

export const conversationListExample = {
  conversations: [{
    ...conversationExample,
    status: "failed",
    processed_at: null,
    processing_attempts: 3,
    summary: null,
    emotional_tone: null,
    last_error: "extraction: the model's answer did not match the extraction schema",
    updated_at: "2025-01-31T19:02:13.000Z",
    next_attempt_at: null
  }],
  next_before: null
}
