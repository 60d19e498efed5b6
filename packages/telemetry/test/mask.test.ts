import { describe, expect, it } from "vitest";
import { createLogger, maskPersonalData, maskText } from "../src/index.js";

describe("personal data masking", () => {
  it("masks a 12-digit citizen ID inside free text", () => {
    expect(maskText("CCCD 001203004567 nộp hồ sơ")).toBe("CCCD 001*******67 nộp hồ sơ");
  });

  it("masks phone numbers in both national and +84 forms", () => {
    expect(maskText("gọi 0912345678 hoặc +84912345678")).toBe("gọi 091*****78 hoặc +84*****78");
  });

  it("masks applicant fields by key, keeping only initials of names", () => {
    const masked = maskPersonalData({
      code: "000.00.12.H10-240115-0001",
      applicant: { idNumber: "001203004567", fullName: "Nguyễn Văn An", email: "an.nguyen@example.vn", phone: "0912345678" },
    });
    expect(masked).toEqual({
      code: "000.00.12.H10-240115-0001",
      applicant: { idNumber: "001*******67", fullName: "N*** V*** A***", email: "a***@example.vn", phone: "091*****78" },
    });
  });

  it("never writes a citizen's ID or name to a log line", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "intake", write: (line) => lines.push(line) });
    log.info("dossier received", { applicant: { idNumber: "079090001234", fullName: "Trần Thị Bình" } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("079090001234");
    expect(lines[0]).not.toContain("Bình");
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", service: "intake", msg: "dossier received" });
  });

  it("drops lines below the configured level", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "x", level: "warn", write: (line) => lines.push(line) });
    log.info("quiet");
    log.warn("loud");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["loud"]);
  });
});
