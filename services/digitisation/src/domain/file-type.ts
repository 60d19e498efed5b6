/**
 * The file types a scan or an electronic result may be, recognised by their first bytes (magic
 * numbers), never by the file name or the type the client declares. Pure.
 */
export interface AllowedType {
  mediaType: string;
  /** Vietnamese label for messages. */
  label: string;
  matches(head: Uint8Array): boolean;
}

const startsWith = (head: Uint8Array, bytes: readonly number[], offset = 0) => head.length >= offset + bytes.length && bytes.every((byte, i) => head[offset + i] === byte);

export const ALLOWED_TYPES: readonly AllowedType[] = [
  // "%PDF-"
  { mediaType: "application/pdf", label: "PDF", matches: (head) => startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d]) },
  { mediaType: "image/png", label: "PNG", matches: (head) => startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mediaType: "image/jpeg", label: "JPEG", matches: (head) => startsWith(head, [0xff, 0xd8, 0xff]) },
  // Little-endian "II*\0" or big-endian "MM\0*".
  { mediaType: "image/tiff", label: "TIFF", matches: (head) => startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) },
];

/** Bytes needed to recognise every allowed type. */
export const SNIFF_BYTES = 8;

/** The allowed type the content starts like, or undefined. */
export function sniffType(head: Uint8Array): AllowedType | undefined {
  return ALLOWED_TYPES.find((type) => type.matches(head));
}

export const ALLOWED_LABELS = ALLOWED_TYPES.map((type) => type.label).join(", ");
