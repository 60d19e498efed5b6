import type { ImportError } from "./result.js";
import { isIsoDate } from "./dates.js";
import { normalizeText } from "./text.js";

/** How a received value is quoted in an error message. */
export function shown(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads the fields of one row and records one error per bad field. Each reader returns the clean
 * value, or undefined after recording why the field is unusable. `fieldName` turns a JSON path into
 * the name the source file uses (CSV column names), so messages point at what the editor sees.
 */
export class RowChecker {
  readonly errors: ImportError[] = [];

  constructor(
    readonly row: number,
    private readonly fieldName: (path: string) => string = (path) => path,
  ) {}

  fail(path: string, message: string): void {
    this.errors.push({ row: this.row, field: this.fieldName(path), message });
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  unknownKeys(record: Record<string, unknown>, known: readonly string[], prefix = ""): void {
    for (const key of Object.keys(record)) {
      if (!known.includes(key)) this.fail(`${prefix}${key}`, `unknown field; expected one of ${known.join(", ")}`);
    }
  }

  text(value: unknown, path: string, options: { maxLength?: number } = {}): string | undefined {
    if (value === undefined || value === null) {
      this.fail(path, "is required");
      return undefined;
    }
    if (typeof value !== "string") {
      this.fail(path, `must be text, got ${shown(value)}`);
      return undefined;
    }
    const clean = normalizeText(value);
    if (clean === "") {
      this.fail(path, "must not be empty");
      return undefined;
    }
    const maxLength = options.maxLength ?? 1000;
    if (clean.length > maxLength) {
      this.fail(path, `must be at most ${maxLength} characters, got ${clean.length}`);
      return undefined;
    }
    return clean;
  }

  optionalText(value: unknown, path: string, options: { maxLength?: number } = {}): string | undefined {
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return undefined;
    return this.text(value, path, options);
  }

  matching(value: unknown, path: string, pattern: RegExp, expected: string): string | undefined {
    if (value === undefined || value === null || value === "") {
      this.fail(path, "is required");
      return undefined;
    }
    if (typeof value !== "string") {
      this.fail(path, `must be text, got ${shown(value)}`);
      return undefined;
    }
    const trimmed = value.trim();
    if (!pattern.test(trimmed)) {
      this.fail(path, `must be ${expected}, got ${shown(value)}`);
      return undefined;
    }
    return trimmed;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null || value === "") {
      this.fail(path, `is required; one of ${allowed.join(", ")}`);
      return undefined;
    }
    if (typeof value !== "string" || !allowed.includes(value.trim() as T)) {
      this.fail(path, `must be one of ${allowed.join(", ")}, got ${shown(value)}`);
      return undefined;
    }
    return value.trim() as T;
  }

  wholeNumber(value: unknown, path: string, minimum: number): number | undefined {
    if (value === undefined || value === null || value === "") {
      this.fail(path, "is required");
      return undefined;
    }
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      this.fail(path, `must be a whole number, got ${shown(value)}`);
      return undefined;
    }
    if (value < minimum) {
      this.fail(path, `must be at least ${minimum}, got ${value}`);
      return undefined;
    }
    return value;
  }

  flag(value: unknown, path: string, fallback: boolean): boolean | undefined {
    if (value === undefined || value === null || value === "") return fallback;
    if (typeof value !== "boolean") {
      this.fail(path, `must be true or false, got ${shown(value)}`);
      return undefined;
    }
    return value;
  }

  date(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null || value === "") {
      this.fail(path, "is required");
      return undefined;
    }
    if (typeof value !== "string" || !isIsoDate(value.trim())) {
      this.fail(path, `must be a calendar date written YYYY-MM-DD, got ${shown(value)}`);
      return undefined;
    }
    return value.trim();
  }

  optionalDate(value: unknown, path: string): string | null | undefined {
    if (value === undefined || value === null || value === "") return null;
    return this.date(value, path);
  }
}
