import type { ImportError } from "./result.js";

/** One CSV record: the line it starts on and its raw cell values. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; errors: ImportError[] };

/**
 * RFC 4180 CSV (comma separator, double-quoted cells, "" inside quotes, CRLF or LF) with two
 * conveniences for files edited by hand: a line starting with "#" is a comment, and records whose
 * cells are all empty are skipped. A leading UTF-8 byte order mark is ignored.
 */
export function parseCsv(text: string): CsvParse {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const errors: ImportError[] = [];
  let line = 1;
  let i = 0;

  while (i < source.length) {
    const startLine = line;
    if (source[i] === "#") {
      while (i < source.length && source[i] !== "\n") i++;
      i++;
      line++;
      continue;
    }
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    let endOfRecord = false;
    while (i < source.length && !endOfRecord) {
      const ch = source[i]!;
      if (quoted) {
        if (ch === '"' && source[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (ch === '"') {
          quoted = false;
          i++;
          const next = source[i];
          if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
            errors.push({ row: startLine, field: "", message: `line ${line}: unexpected character after a closing quote` });
          }
        } else {
          if (ch === "\n") line++;
          cell += ch;
          i++;
        }
      } else if (ch === '"' && cell === "") {
        quoted = true;
        i++;
      } else if (ch === ",") {
        cells.push(cell);
        cell = "";
        i++;
      } else if (ch === "\r" && source[i + 1] === "\n") {
        i += 2;
        line++;
        endOfRecord = true;
      } else if (ch === "\n") {
        i++;
        line++;
        endOfRecord = true;
      } else if (ch === '"') {
        errors.push({ row: startLine, field: "", message: `line ${line}: a quote inside an unquoted cell; quote the whole cell and double the quote ("")` });
        cell += ch;
        i++;
      } else {
        cell += ch;
        i++;
      }
    }
    if (quoted) {
      errors.push({ row: startLine, field: "", message: "a quoted cell is never closed" });
    }
    cells.push(cell);
    if (cells.some((value) => value.trim() !== "")) records.push({ line: startLine, cells });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, records };
}
