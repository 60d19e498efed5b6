/** Vietnamese text is stored in NFC, with runs of whitespace collapsed and the ends trimmed. */
export function normalizeText(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim();
}
