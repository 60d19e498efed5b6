/** One problem found while importing a data file: which row, which field, what is wrong. */
export interface ImportError {
  /** Set by the file loader; parsers that only see text leave it out. */
  file?: string;
  /**
   * JSON: 1-based position in the top-level array. CSV: the physical line number where the record
   * starts (the header is on its own line, so the first data record of a plain file is row 2).
   * 0 means the file as a whole (e.g. it is not valid JSON).
   */
  row: number;
  /** The field as the file spells it: a JSON path ("fees[1].amount") or a CSV column ("fee2Amount"). */
  field: string;
  message: string;
}

export type ImportResult<T> = { ok: true; value: T } | { ok: false; errors: ImportError[] };

export function success<T>(value: T): ImportResult<T> {
  return { ok: true, value };
}

export function failure<T>(errors: ImportError[]): ImportResult<T> {
  return { ok: false, errors };
}

/** A parsed record together with the row it came from, so later cross-checks can name the row. */
export interface RowOf<T> {
  row: number;
  value: T;
}
