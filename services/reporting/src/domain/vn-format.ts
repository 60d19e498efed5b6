/** Vietnamese number formats, for user-facing renderings only (JSON keeps plain numbers): 59.790; 99,3%. */
const integer = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0, useGrouping: true });

export function formatCount(value: number): string {
  return integer.format(value);
}

/** A fraction as a percentage with up to `digits` decimals: 0.993 -> "99,3%". */
export function formatPercent(fraction: number | null, digits = 2): string {
  if (fraction === null) return "—";
  const format = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return `${format.format(fraction * 100)}%`;
}

export function formatPoints(points: number | null, digits = 2): string {
  if (points === null) return "—";
  return new Intl.NumberFormat("vi-VN", { maximumFractionDigits: digits }).format(points);
}
