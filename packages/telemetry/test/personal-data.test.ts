import { SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { createLogger, maskErrorText, maskPersonalData, maskText, MaskingSpanExporter } from "../src/index.js";

const ID = "079203004567";
const NAME = "Phạm Thị Lụa";
const PHONE = "0987654321";

/** Every spelling of the seeded values that must never show. */
const FORBIDDEN = [ID, "079 203 004 567", PHONE, "+84987654321", "0987 654 321", NAME, NAME.normalize("NFD"), "Pham Thi Lua", "Phạm", "Lụa", "lua@example.vn"];
const leaks = (text: string) => FORBIDDEN.filter((value) => text.includes(value));

describe("masking personal data in any value", () => {
  it("masks ID numbers grouped or glued to other text, and phones with separators", () => {
    expect(maskText(`cccd=${ID};`)).toBe("cccd=079*******67;");
    expect(maskText(`id_${ID}`)).toBe("id_079*******67");
    expect(maskText("CCCD 079 203 004 567.")).toBe("CCCD 079*******67.");
    expect(maskText("gọi 0987 654 321 hoặc +84 987.654.321")).toBe("gọi 098*****21 hoặc +84*****21");
    // An ID one digit too long or an old 9-digit CMND, as a failed validation would quote them.
    expect(maskText(`idNumber ${ID}5 / 123456789`)).toBe("idNumber 079*******75 / 123*******89");
    // Not personal: dossier codes, times, hex ids, longer numbers.
    for (const text of ["000.00.12.H10-251103-0001", "2025-09-29T10:00:00.000+07:00", "a1234567890b", "17331098765432"]) expect(maskText(text)).toBe(text);
  });

  it("masks personal keys in any spelling, and every value of a personal record", () => {
    const masked = maskPersonalData({
      id_number: ID,
      "full-name": NAME,
      Phone: PHONE,
      applicant: { hoTen: NAME, extra: [ID, { nested: NAME }] },
      holder: NAME,
      code: "000.00.12.H10-251103-0001",
    });
    expect(leaks(JSON.stringify(masked))).toEqual([]);
    expect(masked).toMatchObject({ "full-name": "P*** T*** L***", code: "000.00.12.H10-251103-0001" });
  });

  it("drops what error messages quote: JSON.parse shows part of the body", () => {
    let error: Error | undefined;
    try {
      JSON.parse(`{"applicant": {"fullName": ${NAME}, "idNumber": "${ID}"}}`); // the name unquoted
    } catch (e) {
      error = e as Error;
    }
    expect(error!.message).toContain("Phạm Thị L"); // V8 quotes an excerpt: the reason for the rule
    expect(leaks(maskErrorText(error!.message))).toEqual([]);
    expect(leaks(JSON.stringify(maskPersonalData({ error })))).toEqual([]);
    // As the bus logs a handler's failure: a string under `reason`.
    expect(leaks(JSON.stringify(maskPersonalData({ reason: `${error!.name}: ${error!.message}` })))).toEqual([]);
  });

  it("masks the log message itself and bound fields, at debug level too", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "intake", level: "debug", write: (line) => lines.push(line) }).child({ applicant: { idNumber: ID } });
    log.debug(`lookup ${ID} ${PHONE}`, { body: { fullName: NAME, phone: PHONE, email: "lua@example.vn" } });
    expect(lines).toHaveLength(1);
    expect(leaks(lines[0]!)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "debug", msg: "lookup 079*******67 098*****21" });
  });
});

describe("masking spans on their way out", () => {
  it("masks attributes, names and URL query values, and exports no error message", () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new MaskingSpanExporter(memory))] });
    const span = provider.getTracer("test").startSpan(`GET /v1/lookup/${ID}`, {
      attributes: {
        "http.url": `http://127.0.0.1/v1/x?name=${encodeURIComponent(NAME)}&from=2025-01-01`,
        "applicant.full_name": NAME,
        "app.phone": PHONE,
        "app.note": `gọi ${PHONE}`,
        "app.ids": [ID, "000.00.12.H10-251103-0001"],
        "messaging.destination.name": "dossier.000_00_12_H10.received",
      },
    });
    let parseError: Error | undefined;
    try {
      JSON.parse(`{"fullName": ${NAME}}`);
    } catch (e) {
      parseError = e as Error;
    }
    span.recordException(parseError!);
    span.setStatus({ code: SpanStatusCode.ERROR, message: parseError!.message });
    span.end();

    const [exported] = memory.getFinishedSpans();
    const text = JSON.stringify({ name: exported!.name, attributes: exported!.attributes, events: exported!.events, status: exported!.status });
    expect(leaks(text)).toEqual([]);
    expect(leaks(encodeURIComponent(NAME))).toEqual([]); // sanity: the URL form is checked below
    expect(text).not.toContain(encodeURIComponent(NAME));
    expect(exported!.attributes).toMatchObject({
      "http.url": "http://127.0.0.1/v1/x?name=?&from=?",
      "messaging.destination.name": "dossier.000_00_12_H10.received",
      "app.ids": ["079*******67", "000.00.12.H10-251103-0001"],
    });
    // Exceptions keep their type and frames, statuses their code; messages are not exported.
    expect(exported!.events[0]!.attributes!["exception.type"]).toBe("SyntaxError");
    expect(exported!.events[0]!.attributes).not.toHaveProperty("exception.message");
    expect(String(exported!.events[0]!.attributes!["exception.stacktrace"])).toMatch(/^SyntaxError\n\s+at /);
    expect(exported!.status).toEqual({ code: SpanStatusCode.ERROR });
  });
});
