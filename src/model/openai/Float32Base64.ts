/** Decodes OpenAI's base64 embedding encoding: little-endian IEEE-754 float32 values. */
export const decodeFloat32Base64 = (encoded: string): Array<number> => {
  const bytes = Buffer.from(encoded, "base64")
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const values: Array<number> = []
  for (let offset = 0; offset + 4 <= bytes.byteLength; offset += 4) {
    values.push(view.getFloat32(offset, true))
  }
  return values
}

/** The inverse of {@link decodeFloat32Base64}, used by the fake server. */
export const encodeFloat32Base64 = (values: ReadonlyArray<number>): string => {
  const view = new DataView(new ArrayBuffer(values.length * 4))
  values.forEach((value, index) => view.setFloat32(index * 4, value, true))
  return Buffer.from(view.buffer).toString("base64")
}
