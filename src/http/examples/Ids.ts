/** Ids and times shared by the docs page's examples, so that one example's ids lead to another's. */
export const exampleUserId = "6f1c2a1e-8d4b-4c3a-9e21-0a1b2c3d4e5f"
export const exampleConversationId = "0b6e8f3a-2c1d-4e5f-8a9b-1c2d3e4f5a6b"
export const exampleExecutionId = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
export const exampleFactId = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
