// Deterministic ingredients of demo dossiers, shared by the one-off load and the live traffic: a
// seeded generator, applicants' names, Vietnam local time and working-hour moments.

/** A small deterministic PRNG (mulberry32), so a demo run is reproducible. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed from a text (FNV-1a, 32 bits). */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

const FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"];
const MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Thanh"];
const GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Sơn", "Trang", "Tuấn", "Yến"];

export const fullName = (rand: () => number): string => `${pick(rand, FAMILY)} ${pick(rand, MIDDLE)} ${pick(rand, GIVEN)}`;

/** A 12-digit citizen ID number (generated: not a real person's). */
export const idNumber = (rand: () => number): string => `0${String(Math.floor(rand() * 1e11)).padStart(11, "0")}`;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const VIETNAM_OFFSET_MS = 7 * HOUR_MS;

/** Vietnam local time as "YYYY-MM-DDTHH:MM:00+07:00". */
export function vietnamTime(ms: number): string {
  return `${new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 16)}:00+07:00`;
}

/** Vietnam local time to the second, "YYYY-MM-DDTHH:MM:SS+07:00". */
export function vietnamInstant(ms: number): string {
  return `${new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
}

/** Vietnam's date of `ms`, "YYYY-MM-DD". */
export const vietnamDay = (ms: number): string => vietnamTime(ms).slice(0, 10);

/** A moment in working hours (08:00–16:30, Monday to Friday) `daysAgo` days before `now`. */
export function workingMoment(now: number, daysAgo: number, rand: () => number): number {
  let day = now - daysAgo * DAY_MS;
  while ([0, 6].includes(new Date(day + VIETNAM_OFFSET_MS).getUTCDay())) day -= DAY_MS;
  const midnight = day - ((day + VIETNAM_OFFSET_MS) % DAY_MS);
  return midnight + (8 * 60 + Math.floor(rand() * 510)) * 60_000;
}

/** A number as Vietnamese write it: 1.234,5. */
export const vi = (n: number): string => n.toLocaleString("vi-VN");
