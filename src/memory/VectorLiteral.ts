import { Option } from "effect"

/**
 * pgvector's text form, `[0.1,0.2,…]`: what `embedding::text` returns, and what the backfill's
 * `updateValues` rows carry (a VALUES list types its columns as text, so a binary value there
 * would be read as text). The providers only hand out finite values, so every vector they return
 * has a valid literal.
 */
export const toVectorLiteral = (vector: ReadonlyArray<number>): string => `[${vector.join(",")}]`

/**
 * pgvector's binary form (`vector_recv`): the dimension count and a zero as big-endian int16s,
 * then each value as a big-endian float32. A Buffer parameter goes to PostgreSQL in binary, so
 * `${toVectorParameter(v)}::vector` sends 6 KB for a dense 1536-dimension embedding instead of
 * a ~32 KB decimal string, in a fifth of the time (no number is formatted): a run sends each of
 * its facts' vectors three times (see `MemoryRepository.addOne`). The float32 rounding is the one
 * pgvector applies to the text form, so the stored vector is the same.
 */
export const toVectorParameter = (vector: ReadonlyArray<number>): Buffer => {
  const buffer = Buffer.allocUnsafe(4 + 4 * vector.length)
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  view.setInt16(0, vector.length)
  view.setInt16(2, 0)
  for (let index = 0; index < vector.length; index++) view.setFloat32(4 + 4 * index, vector[index] ?? 0)
  return buffer
}

/** Reads pgvector's text output (what `embedding::text` returns); `None` when it is not one. */
export const parseVectorLiteral = (text: string): Option.Option<ReadonlyArray<number>> => {
  const trimmed = text.trim()
  if (!trimmed.startsWith("[") || !trimmed.endsWith("]")) return Option.none()
  const body = trimmed.slice(1, -1).trim()
  if (body === "") return Option.some([])
  const values = body.split(",").map((part) => Number(part.trim()))
  return values.every(Number.isFinite) ? Option.some(values) : Option.none()
}
