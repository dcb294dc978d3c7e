import { exampleConversationId, exampleFactId, exampleUserId } from "./Ids.js"

export const userStateExample = {
  user_id: exampleUserId,
  display_name: "Sam",
  timezone: "Europe/Berlin",
  game_status: "active",
  chapter: 1,
  relationship_score: 51.05,
  metrics: { intimacy: 56, passion: 50, trust: 47, secureness: 50 },
  engagement_state: "calibrating",
  boss_attempts: 0,
  emotional_state: { arousal: 0.55, valence: 0.62, dominance: 0.5, intimacy: 0.58 },
  conflict: { temperature: 0, zone: "calm" },
  last_interaction_at: "2025-01-31T18:29:41.000Z",
  created_at: "2025-01-30T09:12:00.000Z"
}

export const upsertUserExample = { display_name: "Sam", timezone: "Europe/Berlin" }

export const postMessageExample = {
  platform: "text",
  role: "user",
  content: "Hi Nikita! I work as a nurse in Berlin and I love hiking."
}

export const messageAcceptedExample = { conversation_id: exampleConversationId, message_count: 1 }

export const readyPromptExample = {
  user_id: exampleUserId,
  platform: "text",
  prompt_text: "You are Nikita… It is 19:02 on a Friday for Sam (Europe/Berlin); you last talked 33 minutes ago…",
  token_count: 1840,
  pipeline_version: "1",
  generated_at: "2025-01-31T18:45:00.860Z",
  generation_time_ms: 42,
  conversation_id: exampleConversationId,
  source: "ready"
}

export const memorySearchExample = {
  results: [{
    fact_id: exampleFactId,
    fact: "User works night shifts as a nurse in Berlin",
    graph_type: "user",
    similarity: 0.83,
    confidence: 0.9,
    source: "extraction",
    created_at: "2025-01-31T18:45:00.300Z"
  }]
}
