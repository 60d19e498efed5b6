import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  EVENT_CATALOG,
  EVENT_TYPES,
  HARNESS_USER,
  LIENTHONG_STEPS,
  natsAccounts,
  renderNatsAuthorization,
  SECTOR_SYSTEMS,
  sectorConsumer,
  SERVICE_ACCOUNTS,
  subjectFor,
  subjectMatches,
  type NatsAccount,
  type SubjectParams,
} from "../src/index.js";

const accounts = natsAccounts();
const byUser = (user: string): NatsAccount => accounts.find((account) => account.user === user)!;
const mayPublish = (user: string, subject: string) => byUser(user).permissions.publish.allow.some((allow) => subjectMatches(allow, subject));
const maySubscribe = (user: string, subject: string) => byUser(user).permissions.subscribe.allow.some((allow) => subjectMatches(allow, subject));

/** A concrete subject of each event type. */
function sampleSubject(type: (typeof EVENT_TYPES)[number]): string {
  const route = EVENT_CATALOG[type].route;
  const params =
    route.kind === "agency"
      ? { agencyCode: "000.00.12.H10" }
      : route.kind === "step"
        ? { bundleCode: "birth", stepCode: "permanent-residence" }
        : route.kind === "dlq"
          ? { stream: "DOSSIER", consumer: "c" }
          : {};
  return subjectFor(type, params as SubjectParams<typeof type>);
}

describe("NATS permissions generated from the bus map", () => {
  it("has one user per service, sector system and the one-stop systems' client; the harness only on request", () => {
    expect(accounts.map((account) => account.user)).toEqual([...SERVICE_ACCOUNTS, ...SECTOR_SYSTEMS, "onestop-system"]);
    expect(natsAccounts({ harness: true }).map((account) => account.user)).toContain(HARNESS_USER);
    expect(new Set(accounts.map((account) => account.inboxPrefix)).size).toBe(accounts.length);
  });

  it("lets each catalogue event be published by its publisher only", () => {
    for (const type of EVENT_TYPES) {
      const spec = EVENT_CATALOG[type];
      if (spec.publisher === "any-consumer") continue;
      const subject = sampleSubject(type);
      const publishers = accounts.filter((account) => mayPublish(account.user, subject)).map((account) => account.user);
      // A sector system answers its own steps: completed and refused of permanent-residence are sector-cutru's only.
      const expected = spec.publisher === "one-stop-systems" ? "onestop-system" : spec.publisher === "sector-systems" ? "sector-cutru" : spec.publisher;
      expect(publishers, type).toEqual([expected]);
    }
  });

  it("gives no one but the harness a full wildcard or the default inbox", () => {
    for (const account of accounts) {
      for (const subject of [...account.permissions.publish.allow, ...account.permissions.subscribe.allow]) {
        expect(subject, account.user).not.toBe(">");
        expect(subject.startsWith("_INBOX."), account.user).toBe(false);
      }
    }
  });

  it("lets a user read its own inbox only", () => {
    for (const reader of accounts) {
      for (const owner of accounts) {
        expect(maySubscribe(reader.user, `${owner.inboxPrefix}.abc.1`), `${reader.user} reading ${owner.user}'s inbox`).toBe(reader.user === owner.user);
      }
    }
    const harness = natsAccounts({ harness: true }).find((account) => account.user === HARNESS_USER)!;
    expect(harness.permissions.subscribe.deny).toEqual(accounts.map((account) => `${account.inboxPrefix}.>`));
  });

  it("limits the JetStream API to the streams a service ensures and the durables it consumes", () => {
    expect(mayPublish("intake", "$JS.API.STREAM.CREATE.INTAKE_CMD")).toBe(true);
    expect(mayPublish("intake", "$JS.API.STREAM.CREATE.LIENTHONG")).toBe(false);
    expect(mayPublish("intake", "$JS.API.STREAM.DELETE.DOSSIER")).toBe(false);
    expect(mayPublish("intake", "$JS.API.CONSUMER.CREATE.INTAKE_CMD.intake-commands.intake.cmd.>")).toBe(true);
    // The filter is pinned: intake cannot widen its durable to the rejections, nor create it without a filter.
    expect(mayPublish("intake", "$JS.API.CONSUMER.CREATE.INTAKE_CMD.intake-commands.>")).toBe(false);
    expect(mayPublish("intake", "$JS.API.CONSUMER.CREATE.INTAKE_CMD.intake-commands")).toBe(false);
    expect(mayPublish("intake", "$JS.API.CONSUMER.DURABLE.CREATE.INTAKE_CMD.intake-commands")).toBe(false);
    expect(mayPublish("intake", "$JS.ACK.INTAKE_CMD.intake-commands.1.2.3.4.5")).toBe(true);
    expect(mayPublish("intake", "$JS.ACK.DOSSIER.reporting-facts.1.2.3.4.5")).toBe(false);
    expect(mayPublish("intake", "dlq.intake.cmd.submit")).toBe(true);
    expect(mayPublish("intake", "dlq.dossier.x.received")).toBe(false);
    expect(mayPublish("reporting", "$JS.API.CONSUMER.MSG.NEXT.PAYMENT.reporting-facts-payment")).toBe(true);
    expect(mayPublish("reporting", "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG.reporting-facts-lienthong")).toBe(false);
    expect(mayPublish("reporting", "$JS.API.STREAM.CREATE.INTAKE_CMD")).toBe(false);
    expect(mayPublish("console", "$JS.API.STREAM.LIST")).toBe(true);
    expect(mayPublish("console", "$JS.API.STREAM.INFO.DOSSIER")).toBe(false);
  });

  it("lets payment consume the receipts on DOSSIER through its own durable, pinned to dossier.*.received", () => {
    expect(mayPublish("payment", "$JS.API.CONSUMER.CREATE.DOSSIER.payment-dossiers.dossier.*.received")).toBe(true);
    expect(mayPublish("payment", "$JS.API.CONSUMER.CREATE.DOSSIER.payment-dossiers.dossier.>")).toBe(false);
    expect(mayPublish("payment", "$JS.API.CONSUMER.MSG.NEXT.DOSSIER.payment-dossiers")).toBe(true);
    expect(mayPublish("payment", "$JS.API.CONSUMER.MSG.NEXT.DOSSIER.reporting-facts")).toBe(false);
    expect(mayPublish("payment", "payment.000_00_03_H06.discrepancy_found")).toBe(true);
    expect(mayPublish("payment", "dossier.000_00_03_H06.received")).toBe(false);
    const custom = natsAccounts({ paymentConsumer: "pay2" }).find((account) => account.user === "payment")!;
    expect(custom.permissions.publish.allow).toContain("$JS.ACK.DOSSIER.pay2.>");
  });

  it("follows reporting's configured durable name", () => {
    const custom = natsAccounts({ reportingConsumer: "facts2" }).find((account) => account.user === "reporting")!;
    expect(custom.permissions.publish.allow).toContain("$JS.ACK.DIGITISATION.facts2-digitisation.>");
    expect(custom.permissions.publish.allow).not.toContain("$JS.ACK.DOSSIER.reporting-facts.>");
  });

  it("gives each sector system its steps' requests and results, and its own durable to read only", () => {
    expect(maySubscribe("sector-cutru", "lienthong.birth.permanent-residence.requested")).toBe(true);
    expect(maySubscribe("sector-cutru", "lienthong.birth.birth-registration.requested")).toBe(false);
    expect(maySubscribe("sector-cutru", "lienthong.>")).toBe(false);
    expect(mayPublish("sector-cutru", "lienthong.birth.permanent-residence.completed")).toBe(true);
    expect(mayPublish("sector-cutru", "lienthong.birth.permanent-residence.requested")).toBe(false);
    expect(mayPublish("sector-cutru", "lienthong.birth.health-insurance.completed")).toBe(false);
    expect(mayPublish("sector-cutru", "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG.sector-cutru")).toBe(true);
    expect(mayPublish("sector-cutru", "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG.sector-hotich")).toBe(false);
    expect(mayPublish("sector-cutru", "$JS.API.CONSUMER.DURABLE.CREATE.LIENTHONG.sector-cutru")).toBe(false);
    expect(mayPublish("lienthong", "$JS.API.CONSUMER.DURABLE.CREATE.LIENTHONG.sector-cutru")).toBe(true);
    expect(sectorConsumer("sector-bhxh").filterSubjects).toEqual(["lienthong.birth.health-insurance.requested", "lienthong.death.funeral-allowance.requested"]);
  });

  it("maps every bundle step of the catalogue to the sector system of its sector", () => {
    const procedures = JSON.parse(readFileSync(new URL("../../catalogue/data/procedures.json", import.meta.url), "utf8")) as Array<{
      code: string;
      sectorCode: string;
      bundleCode?: string;
      bundleStep?: number;
    }>;
    const catalogueSteps = procedures
      .filter((procedure) => procedure.bundleCode)
      .map((procedure) => ({ bundleCode: procedure.bundleCode!.toLowerCase(), step: procedure.bundleStep, procedureCode: procedure.code, catalogueSector: procedure.sectorCode }));
    expect(LIENTHONG_STEPS.map(({ bundleCode, step, procedureCode, catalogueSector }) => ({ bundleCode, step, procedureCode, catalogueSector }))).toEqual(expect.arrayContaining(catalogueSteps));
    expect(LIENTHONG_STEPS).toHaveLength(catalogueSteps.length);
    const sectorOf = { HO_TICH: "sector-hotich", CU_TRU: "sector-cutru", BHYT: "sector-bhxh", BHXH: "sector-bhxh" } as Record<string, string>;
    for (const step of LIENTHONG_STEPS) expect(step.sector, step.stepCode).toBe(sectorOf[step.catalogueSector]);
  });

  it("renders nats-server's authorization block, passwords as variable references or quoted", () => {
    const block = renderNatsAuthorization([
      { user: "intake", password: "$NATS_PASSWORD_INTAKE", permissions: byUser("intake").permissions },
      { user: "harness", password: 'p"w', permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"], deny: ["_INBOX_intake.>"] } } },
    ]);
    expect(block).toMatch(/^authorization \{\n {2}users: \[/);
    expect(block).toContain('{ user: "intake", password: $NATS_PASSWORD_INTAKE, permissions: {');
    expect(block).toContain('password: "p\\"w"');
    expect(block).toContain('subscribe: { allow: [">"], deny: ["_INBOX_intake.>"] }');
    expect(block).toContain('"$JS.API.STREAM.CREATE.INTAKE_CMD"');
  });
});
