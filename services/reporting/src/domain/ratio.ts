export interface Ratio {
  numerator: number;
  denominator: number;
  /** numerator / denominator, a fraction (0.9936 = 99,36%); null when there is nothing to divide by. */
  rate: number | null;
}

export function ratio(numerator: number, denominator: number): Ratio {
  return { numerator, denominator, rate: denominator === 0 ? null : numerator / denominator };
}
