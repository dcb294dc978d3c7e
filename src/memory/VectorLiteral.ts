import { Option } from "effect"

/**
 * pgvector's text form, `[0.1,0.2,…]`, written through a query parameter cast with `::vector`
 * (`${toVectorLiteral(v)}::vector` in the memory repository's statements). The providers only
 * hand out finite values, so every vector they return has a valid literal.
 */
export const toVectorLiteral = (vector: ReadonlyArray<number>): string => `[${vector.join(",")}]`

/** Reads pgvector's text output (what `embedding::text` returns); `None` when it is not one. */
export const parseVectorLiteral = (text: string): Option.Option<ReadonlyArray<number>> => {
  const trimmed = text.trim()
  if (!trimmed.startsWith("[") || !trimmed.endsWith("]")) return Option.none()
  const body = trimmed.slice(1, -1).trim()
  if (body === "") return Option.some([])
  const values = body.split(",").map((part) => Number(part.trim()))
  return values.every(Number.isFinite) ? Option.some(values) : Option.none()
}
