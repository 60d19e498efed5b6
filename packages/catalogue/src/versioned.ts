import { assertIsoDate, dayAfter, isWithin } from "./dates.js";

/**
 * Something that exists for a period: a unit or an agency. The same code may be reused by a later
 * version (e.g. new Bắc Ninh province took code 24 from Bắc Giang), so a code names a list of
 * versions with disjoint [validFrom, validTo] periods, both ends inclusive.
 */
export interface Versioned {
  code: string;
  validFrom: string;
  /** Last day of validity; null while still valid. */
  validTo: string | null;
  /** The code of what takes over on the day after validTo (merge, rename, reform). */
  successorCode?: string;
}

export class VersionedRegistry<T extends Versioned> {
  private readonly byCode = new Map<string, T[]>();

  constructor(items: readonly T[]) {
    for (const item of items) {
      const versions = this.byCode.get(item.code) ?? [];
      versions.push(item);
      this.byCode.set(item.code, versions);
    }
    for (const versions of this.byCode.values()) versions.sort((a, b) => a.validFrom.localeCompare(b.validFrom));
  }

  /** Everything valid on `date`, sorted by code. */
  at(date: string): T[] {
    assertIsoDate(date);
    return [...this.byCode.values()].flatMap((versions) => versions.filter((item) => isWithin(date, item.validFrom, item.validTo))).sort((a, b) => a.code.localeCompare(b.code));
  }

  /** The version of `code` valid on `date`; without a date, the most recent version. */
  get(code: string, date?: string): T | undefined {
    const versions = this.byCode.get(code) ?? [];
    if (date === undefined) return versions[versions.length - 1];
    assertIsoDate(date);
    return versions.find((item) => isWithin(date, item.validFrom, item.validTo));
  }

  versions(code: string): T[] {
    return [...(this.byCode.get(code) ?? [])];
  }

  /**
   * What `code` has become by `date`: the version of `code` valid on `date` if there is one, otherwise
   * the version reached by following successors from the last version of `code` that ended before
   * `date`. Undefined when `code` did not exist yet on `date` or the chain stops before `date`.
   */
  successorAt(code: string, date: string): T | undefined {
    assertIsoDate(date);
    const current = this.get(code, date);
    if (current) return current;
    const ended = this.versions(code).filter((item) => item.validTo !== null && item.validTo < date);
    let step = ended[ended.length - 1];
    const visited = new Set<T>();
    while (step !== undefined && !visited.has(step)) {
      if (isWithin(date, step.validFrom, step.validTo)) return step;
      visited.add(step);
      if (step.successorCode === undefined || step.validTo === null) return undefined;
      step = this.get(step.successorCode, dayAfter(step.validTo));
    }
    return undefined;
  }

  /** `code` and everything that succeeded it, in order. Starts at the version valid on `from`, or the earliest version. */
  successorChain(code: string, from?: string): T[] {
    const first = from === undefined ? this.versions(code)[0] : this.get(code, from);
    const chain: T[] = [];
    let step = first;
    while (step !== undefined && !chain.includes(step)) {
      chain.push(step);
      if (step.successorCode === undefined || step.validTo === null) break;
      step = this.get(step.successorCode, dayAfter(step.validTo));
    }
    return chain;
  }
}
