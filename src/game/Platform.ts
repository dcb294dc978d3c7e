import { Schema } from "effect"

/** Where the player talks to Nikita: text chat or a voice call. */
export const Platform = Schema.Literal("text", "voice")
export type Platform = typeof Platform.Type
