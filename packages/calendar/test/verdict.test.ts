import { describe, expect, it } from "vitest";
import { classifyResolution, DeadlineError, indicatorVerdict, legalVerdict, type ResolvedDossier } from "../src/index.js";

// Received Monday 03/03/2025 09:00 with 5 working days: due on receipt Monday 10/03/2025.
const received = { receivedAt: "2025-03-03T09:00:00+07:00", timeLimit: { amount: 5, unit: "WORKING_DAYS" } } as const;

describe("early, on time, overdue", () => {
  it("given a due day of Monday 10/03/2025, when resolved before, on, or after it, then early, on time, overdue", () => {
    expect(classifyResolution("2025-03-07T16:00:00+07:00", "2025-03-10")).toBe("EARLY");
    expect(classifyResolution("2025-03-10T16:00:00+07:00", "2025-03-10")).toBe("ON_TIME");
    expect(classifyResolution("2025-03-10T23:30:00+07:00", "2025-03-10")).toBe("ON_TIME");
    // 17:30 UTC on 10/03 is 00:30 on 11/03 in Hà Nội.
    expect(classifyResolution("2025-03-10T17:30:00Z", "2025-03-10")).toBe("OVERDUE");
  });
});

describe("legal verdict versus the national indicator over the same facts", () => {
  const withSupplement = (resolvedAt: string): ResolvedDossier => ({
    ...received,
    supplements: [{ requestedAt: "2025-03-05T10:00:00+07:00", returnedAt: "2025-03-10T09:00:00+07:00" }],
    resolvedAt,
  });

  it("given a supplement wait and resolution on Monday 17/03, when judging, then the law says on time and the indicator overdue", () => {
    // Legal: restart on 10/03, 5 working days → due 17/03, resolved that day → on time.
    // Indicator: due stays 10/03; wait 05/03 10:00 → 10/03 09:00 = 4 d 23 h; 17/03 10:00 − 4 d 23 h = 12/03 11:00 → after 10/03.
    const dossier = withSupplement("2025-03-17T10:00:00+07:00");
    expect(legalVerdict(dossier)).toEqual({ verdict: "ON_TIME", dueDate: "2025-03-17", dueAt: "2025-03-17T23:59:59.999+07:00" });
    expect(indicatorVerdict(dossier)).toEqual({
      verdict: "OVERDUE",
      reason: "COMPARED_WITH_DUE_DATE",
      dueDate: "2025-03-10",
      dueAt: "2025-03-10T23:59:59.999+07:00",
      adjustedResolvedAt: "2025-03-12T11:00:00+07:00",
    });
  });

  it("given the same supplement and resolution on Friday 14/03 16:00, when judging, then both say early", () => {
    // Legal: 14/03 is before 17/03. Indicator: 14/03 16:00 − 4 d 23 h = 09/03 17:00, before 10/03.
    const dossier = withSupplement("2025-03-14T16:00:00+07:00");
    expect(legalVerdict(dossier).verdict).toBe("EARLY");
    expect(indicatorVerdict(dossier)).toMatchObject({ verdict: "EARLY", adjustedResolvedAt: "2025-03-09T17:00:00+07:00" });
  });

  it("given two supplement requests, when judging, then the indicator counts it late while the law restarts from the last return", () => {
    // Legal: restart on Fri 07/03: 10, 11, 12, 13, 14 → due 14/03; resolved 11/03 → early.
    const dossier: ResolvedDossier = {
      ...received,
      supplements: [
        { requestedAt: "2025-03-04T10:00:00+07:00", returnedAt: "2025-03-05T09:00:00+07:00" },
        { requestedAt: "2025-03-06T10:00:00+07:00", returnedAt: "2025-03-07T09:00:00+07:00" },
      ],
      resolvedAt: "2025-03-11T10:00:00+07:00",
    };
    expect(legalVerdict(dossier)).toMatchObject({ verdict: "EARLY", dueDate: "2025-03-14" });
    expect(indicatorVerdict(dossier)).toMatchObject({ verdict: "OVERDUE", reason: "MORE_THAN_ONE_SUPPLEMENT_REQUEST" });
  });

  it("given an opinion-request pause and resolution on Wednesday 12/03 15:00, when judging, then both say on time", () => {
    // Legal: pause covers 05–06/03 → due 12/03. Indicator: 12/03 15:00 − (04/03 14:00 → 06/03 11:00 = 1 d 21 h) = 10/03 18:00 → the due day.
    const dossier: ResolvedDossier = {
      ...received,
      pauses: [{ reason: "OPINION_REQUEST", from: "2025-03-04T14:00:00+07:00", to: "2025-03-06T11:00:00+07:00" }],
      resolvedAt: "2025-03-12T15:00:00+07:00",
    };
    expect(legalVerdict(dossier)).toMatchObject({ verdict: "ON_TIME", dueDate: "2025-03-12" });
    expect(indicatorVerdict(dossier)).toMatchObject({ verdict: "ON_TIME", adjustedResolvedAt: "2025-03-10T18:00:00+07:00" });
  });

  it("given the same pause and resolution on Thursday 13/03 09:00, when judging, then both say overdue", () => {
    // Legal: after 12/03. Indicator: 13/03 09:00 − 1 d 21 h = 11/03 12:00, after 10/03.
    const dossier: ResolvedDossier = {
      ...received,
      pauses: [{ reason: "OPINION_REQUEST", from: "2025-03-04T14:00:00+07:00", to: "2025-03-06T11:00:00+07:00" }],
      resolvedAt: "2025-03-13T09:00:00+07:00",
    };
    expect(legalVerdict(dossier).verdict).toBe("OVERDUE");
    expect(indicatorVerdict(dossier)).toMatchObject({ verdict: "OVERDUE", adjustedResolvedAt: "2025-03-11T12:00:00+07:00" });
  });

  it("given a pause still open when the dossier is resolved, when judging legally, then the pause ends with the resolution", () => {
    // Pause from Thu 06/03 10:00 to the resolution Wed 12/03 10:00 covers 07–12/03: 04 (1), 05 (2), 06 (3), 13 (4), 14 (5) → due 14/03.
    const dossier: ResolvedDossier = {
      ...received,
      pauses: [{ reason: "FINANCIAL_OBLIGATION", from: "2025-03-06T10:00:00+07:00" }],
      resolvedAt: "2025-03-12T10:00:00+07:00",
    };
    expect(legalVerdict(dossier)).toMatchObject({ verdict: "EARLY", dueDate: "2025-03-14" });
  });

  it("given the due date printed on the receipt, when the indicator judges, then it uses that date rather than recomputing", () => {
    // The receipt printed Tuesday 11/03 (e.g. a desk's own count); resolved 11/03 with no waits → on time against it, overdue against 10/03.
    const dossier: ResolvedDossier = { ...received, resolvedAt: "2025-03-11T10:00:00+07:00" };
    expect(indicatorVerdict({ ...dossier, originalDueAt: "2025-03-11T17:00:00+07:00" }).verdict).toBe("ON_TIME");
    expect(indicatorVerdict(dossier).verdict).toBe("OVERDUE");
  });

  it("given an event recorded after the resolution, when judging, then it is refused", () => {
    const dossier: ResolvedDossier = {
      ...received,
      pauses: [{ reason: "OPINION_REQUEST", from: "2025-03-12T10:00:00+07:00", to: "2025-03-13T10:00:00+07:00" }],
      resolvedAt: "2025-03-11T10:00:00+07:00",
    };
    expect(() => legalVerdict(dossier)).toThrow(DeadlineError);
    expect(() => indicatorVerdict(dossier)).toThrow(DeadlineError);
  });
});
