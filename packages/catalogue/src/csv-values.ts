/** Conversions from CSV cell text to JSON values. A cell that does not convert is passed on as text so the validator can name the problem. */

/** "" -> undefined; whole numbers, also with Vietnamese thousands separators ("20.000") -> number. */
export function cellNumber(cell: string | undefined): unknown {
  const text = (cell ?? "").trim();
  if (text === "") return undefined;
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^\d{1,3}([.,]\d{3})+$/.test(text)) return Number(text.replace(/[.,]/g, ""));
  return text;
}

const TRUE_WORDS = ["true", "yes", "1", "có"];
const FALSE_WORDS = ["false", "no", "0", "không"];

/** "" -> undefined; true/false, yes/no, 1/0, có/không -> boolean. */
export function cellFlag(cell: string | undefined): unknown {
  const text = (cell ?? "").trim().normalize("NFC").toLowerCase();
  if (text === "") return undefined;
  if (TRUE_WORDS.includes(text)) return true;
  if (FALSE_WORDS.includes(text)) return false;
  return cell;
}

/** "" -> undefined; otherwise the cell as it is (trimming and NFC happen in validation). */
export function cellText(cell: string | undefined): unknown {
  return cell === undefined || cell.trim() === "" ? undefined : cell;
}

/** A list in one cell, items separated by "|": "COMMUNE|DISTRICT". */
export function cellList(cell: string | undefined): unknown {
  const text = cell ?? "";
  if (text.trim() === "") return undefined;
  return text
    .split("|")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
