import { describe, expect, it } from "vitest";
import { parseCsv } from "../src/csv.js";

describe("parseCsv", () => {
  it("reads quoted cells with commas, doubled quotes and line breaks, and reports the line each record starts on", () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n"two\nlines",z\n';
    const result = parseCsv(text);
    expect(result).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ["a", "b"] },
        { line: 2, cells: ["x, y", 'say "hi"'] },
        { line: 3, cells: ["two\nlines", "z"] },
      ],
    });
  });

  it("skips comment lines, blank lines and rows of empty cells, and ignores a byte order mark", () => {
    const text = "\uFEFF# a comment\ncode,name\n\n,\n1,Một\n# another\n2,Hai";
    const result = parseCsv(text);
    expect(result).toEqual({
      ok: true,
      records: [
        { line: 2, cells: ["code", "name"] },
        { line: 5, cells: ["1", "Một"] },
        { line: 7, cells: ["2", "Hai"] },
      ],
    });
  });

  it("rejects an unclosed quote and a stray quote, naming the row", () => {
    expect(parseCsv('a,b\n1,"open\n')).toEqual({
      ok: false,
      errors: [{ row: 2, field: "", message: "a quoted cell is never closed" }],
    });
    const stray = parseCsv('a,b\n1,x"y\n');
    expect(stray.ok).toBe(false);
    if (!stray.ok) expect(stray.errors[0]).toMatchObject({ row: 2, message: expect.stringContaining("quote inside an unquoted cell") });
  });
});
