/**
 * Whose a dossier is comes from intake, the record of dossiers: digitisation and intake as real
 * processes, the dossiers filed at intake's REST API. Only the desk that received a dossier and the
 * deciding agency's processing officers may digitise for it (after a transfer: the new agency's);
 * the events go to the deciding agency; intake's components make the dossier fully digitised.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { freePort } from "@onestop/devservers";
import { serviceToken, startServiceProcess, testToken, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, env, eventsOf, metadata, pdf, startDigitisation, upload } from "./helpers.js";

/** Phường Kinh Bắc decides; phường Đa Mai's desk receives; phường Vũ Ninh takes it over. */
const DECIDING = "000.00.51.H06";
const DESK = "000.00.52.H06";
const TAKER = "000.00.53.H06";

let intake: ServiceProcess;
let service: ServiceProcess;
let nc: NatsConnection;
let system: string;

beforeAll(async () => {
  const intakeGrpc = await freePort();
  intake = await startServiceProcess("intake", { MONGO_URL: env.mongoUrl, MONGO_DB: `${env.dbName}_intake`, ...env.natsEnv("intake"), GRPC_PORT: String(intakeGrpc) });
  // Intake asked each time: a transfer shows at once.
  service = await startDigitisation({ INTAKE_GRPC_URL: `127.0.0.1:${intakeGrpc}`, DOSSIER_CACHE_MS: "0" });
  nc = await connect(env.nats);
  system = await serviceToken();
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await intake?.stop();
  await nc?.close();
});

const officer = (role: "desk_officer" | "processing_officer", agency: string) => testToken({ sub: `${role}-${agency}`, roles: [role], agency_code: agency });

let day = 0;
/** A dossier filed at intake: decided by DECIDING, received at DESK, one component TK_TTHN. */
async function file(): Promise<string> {
  day += 1;
  const response = await fetch(`${intake.httpUrl}/v1/dossiers`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${system}` },
    body: JSON.stringify({
      procedureCode: "1.004873",
      agencyCode: DECIDING,
      receivingUnitCode: DESK,
      channel: "IN_PERSON",
      receivedAt: `2026-11-${String(day).padStart(2, "0")}T09:00:00+07:00`,
      applicant: { idNumber: "024090001234", fullName: "Nguyễn Thị Hoa", phone: "0912345678" },
      components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
    }),
  });
  const body = (await response.json()) as { code: string };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.code;
}

const component = (dossierCode: string, extra: Record<string, unknown> = {}) => metadata({ dossierCode, agencyCode: undefined, componentTypeCode: "TK_TTHN", ...extra });

describe("a dossier's agency, from intake", () => {
  it("the receiving desk and the deciding agency's processing officers may digitise; the deciding agency's desk and a third agency may not; events go to the deciding agency", async () => {
    const code = await file();
    for (const token of [await officer("desk_officer", DECIDING), await officer("desk_officer", TAKER), await officer("processing_officer", DESK)]) {
      expect((await upload(service.httpUrl, token, component(code), pdf())).status).toBe(403);
    }
    const byDesk = await upload(service.httpUrl, await officer("desk_officer", DESK), component(code), pdf());
    expect(byDesk.status, JSON.stringify(byDesk.body)).toBe(201);
    expect(byDesk.body).toMatchObject({ agencyCode: DECIDING, receivingUnitCode: DESK });
    const byProcessing = await upload(service.httpUrl, await officer("processing_officer", DECIDING), component(code, { componentTypeCode: "GIAY_KHAC" }), pdf());
    expect(byProcessing.status).toBe(201);

    // The one component intake lists is digitised: the dossier is announced fully digitised, with no declaration.
    const events = await eventsOf(nc, code, DECIDING);
    expect(events.map((e) => e.envelope.type)).toEqual([
      "vn.onestop.digitisation.component_digitised.v1",
      "vn.onestop.digitisation.dossier_digitised.v1",
      "vn.onestop.digitisation.component_digitised.v1",
    ]);
    expect(events.every((e) => e.subject.startsWith("digitisation.000_00_51_H06."))).toBe(true);
    const state = await call(service.httpUrl, await officer("desk_officer", DESK), "GET", `/v1/dossiers/${code}/digitisation`);
    expect(state.body).toMatchObject({ components: ["TK_TTHN"], announced: true });
    // The receiving desk reads what it digitised.
    expect((await call(service.httpUrl, await officer("desk_officer", DESK), "GET", `/v1/documents/${byDesk.body.id}`)).status).toBe(200);
  });

  it("an agency named that is not the dossier's is a 400 naming agencyCode; a dossier intake does not know is a 404; nothing is stored", async () => {
    const code = await file();
    const desk = await officer("desk_officer", DESK);
    const wrong = await upload(service.httpUrl, desk, component(code, { agencyCode: DESK }), pdf());
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors.map((e: { path: string }) => e.path)).toEqual(["agencyCode"]);
    const unknown = await upload(service.httpUrl, desk, component(`${DESK}-261130-9999`), pdf());
    expect(unknown.status).toBe(404);
    const search = await call(service.httpUrl, desk, "POST", "/v1/reusable-documents/search", { dossierCode: `${DESK}-261130-9999`, holderIdNumber: "024090001234" });
    expect(search.status).toBe(404);
    expect(await eventsOf(nc, code, DECIDING)).toEqual([]);
  });

  it("after a transfer, the new agency's processing officers act and its events carry the new agency; the old agency's may not", async () => {
    const code = await file();
    const moved = await fetch(`${intake.httpUrl}/v1/dossiers/${code}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${system}` },
      body: JSON.stringify({ eventId: `transfer-${code}`, type: "TRANSFERRED", at: new Date().toISOString().replace("Z", "+00:00"), toAgencyCode: TAKER }),
    });
    expect(moved.status, await moved.text()).toBe(200);
    expect((await upload(service.httpUrl, await officer("processing_officer", DECIDING), component(code), pdf())).status).toBe(403);
    const taken = await upload(service.httpUrl, await officer("processing_officer", TAKER), component(code), pdf());
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    expect((await eventsOf(nc, code, TAKER)).map((e) => e.subject)).toContain("digitisation.000_00_53_H06.component_digitised");
  });
});
