/**
 * The digitisation service as a real process over the test kit's real object store (versitygw),
 * FerretDB and NATS: streamed uploads, de-duplication by hash, refusals that store nothing,
 * signatures that catch tampering, downloads only for allowed callers, and the events reporting folds.
 */
import { createHash } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { applicantRef, DEV_PERSONAL_DATA_KEY } from "@onestop/contracts";
import { testToken, type ServiceProcess } from "@onestop/testkit";
import type { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENCY, call, deskOfficer, documentCount, dossierCode, env, eventsOf, metadata, newMongo, objectKeys, objects, OTHER_AGENCY, pdf, s3, startDigitisation, upload } from "./helpers.js";

const MAX_UPLOAD_BYTES = 1024 * 1024;
const ID_NUMBER = "024090001234";
let service: ServiceProcess;
let nc: NatsConnection;
let mongo: MongoClient;
let client: S3Client;
let token: string;

beforeAll(async () => {
  service = await startDigitisation({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
  nc = await connect(env.nats);
  mongo = newMongo();
  client = s3();
  token = await deskOfficer();
});

afterAll(async () => {
  await service?.stop();
  await nc?.close();
  await mongo?.close();
  client?.destroy();
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
/** The object holding a document's file, as its record names it. */
const objectKeyOf = async (id: string): Promise<string> =>
  (await mongo
    .db(env.dbName)
    .collection("documents")
    .findOne({ _id: id as never }))!.objectKey as string;

describe("upload", () => {
  it("given a scan and complete metadata, when uploaded, then it is stored under its hash, signed, registered and announced once", async () => {
    const code = dossierCode();
    const file = pdf(300 * 1024);
    const response = await upload(service.httpUrl, token, metadata({ dossierCode: code }), file);

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const document = response.body;
    expect(document.content).toEqual({ sha256: sha256(file), size: file.length, mediaType: "application/pdf" });
    expect(document.signature.algorithm).toBe("Ed25519");
    expect(document.digitisedBy).toBe(`desk-${AGENCY}`);
    expect(document.metadata.holder.idNumber).not.toBe(ID_NUMBER); // answered masked
    expect(document.holderRef).toBe(applicantRef(ID_NUMBER, DEV_PERSONAL_DATA_KEY));
    const key = await objectKeyOf(document.id);
    expect(key).toMatch(/^objects\/[0-9a-f-]{36}$/);
    expect(await objectKeys(client)).toContain(key);
    // The content's record names that object.
    expect(
      await mongo
        .db(env.dbName)
        .collection("contents")
        .findOne({ _id: sha256(file) as never }),
    ).toMatchObject({ key });

    const content = await call(service.httpUrl, token, "GET", `/v1/documents/${document.id}/content`);
    expect(content.status).toBe(200);
    expect(Buffer.compare(content.body as Buffer, file)).toBe(0);

    const events = await eventsOf(nc, code);
    expect(events.map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.component_digitised.v1"]);
    const [event] = events;
    expect(event!.msgId).toBe(event!.envelope.id);
    expect(event!.subject).toBe("digitisation.000_00_03_H06.component_digitised");
    expect(event!.envelope.data).toMatchObject({ dossierCode: code, componentTypeCode: "TK", document: { documentId: document.id, sha256: sha256(file), holder: { holderRef: document.holderRef } } });
    // Personal data stays out of the event: no ID number, no summary.
    expect(event!.raw).not.toContain(ID_NUMBER);
    expect(event!.raw).not.toContain("Bản sao giấy khai sinh");
  });

  it("given the same file for another dossier, when uploaded, then it is stored once (de-duplicated by hash) and each dossier has its document", async () => {
    const file = pdf(200 * 1024);
    const [a, b] = [dossierCode(), dossierCode()];
    const before = await objectKeys(client);
    const first = await upload(service.httpUrl, token, metadata({ dossierCode: a }), file);
    const second = await upload(service.httpUrl, token, metadata({ dossierCode: b }), file);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.content.sha256).toBe(first.body.content.sha256);
    // One object for both: the second upload's was removed once its content was found stored.
    const added = (await objectKeys(client)).filter((key) => !before.includes(key));
    expect(added).toEqual([await objectKeyOf(first.body.id)]);
    expect(await objectKeyOf(second.body.id)).toBe(added[0]);

    // The same file for the same component again: the document registered before, nothing new announced.
    const again = await upload(service.httpUrl, token, metadata({ dossierCode: a }), file);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await eventsOf(nc, a)).length).toBe(1);
  });

  it("given a file that is not an allowed type but is named scan.pdf and declared application/pdf, when uploaded, then 415 and nothing is stored", async () => {
    const code = dossierCode();
    const before = await objectKeys(client);
    const executable = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00", "latin1"), pdf(50_000).subarray(9)]);
    const response = await upload(service.httpUrl, token, metadata({ dossierCode: code }), executable, { fileName: "scan.pdf", contentType: "application/pdf" });
    expect(response.status).toBe(415);
    expect(response.body.title).toBe("Loại tệp không được phép");
    expect(await objectKeys(client)).toEqual(before);
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);
    expect(await eventsOf(nc, code)).toEqual([]);
  });

  it("given a file over the size limit, when uploaded, then 413 and nothing is stored", async () => {
    const code = dossierCode();
    const before = await objectKeys(client);
    const response = await upload(service.httpUrl, token, metadata({ dossierCode: code }), pdf(MAX_UPLOAD_BYTES + 200 * 1024));
    expect(response.status).toBe(413);
    expect(response.body.detail).toContain("1.048.576");
    expect(await objectKeys(client)).toEqual(before);
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);
  });

  it("given metadata without the required fields, when uploaded, then 400 naming each missing field and nothing is stored", async () => {
    const code = dossierCode();
    const before = await objectKeys(client);
    const incomplete = metadata({ dossierCode: code }, { holder: undefined, name: undefined, summary: "", scope: undefined, validFrom: undefined });
    const response = await upload(service.httpUrl, token, incomplete, pdf());
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["document.holder", "document.name", "document.scope", "document.summary", "document.validFrom"].sort());
    expect(response.body.errors.find((e: { path: string }) => e.path === "document.name").message).toBe("thiếu tên giấy tờ");
    expect(await objectKeys(client)).toEqual(before);
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);
  });

  it("given a holder without an ID number, then the name, year of birth, issue date and issuer are all required", async () => {
    const code = dossierCode();
    const noId = await upload(service.httpUrl, token, metadata({ dossierCode: code }, { holder: { fullName: "Nguyễn Văn An" } }), pdf());
    expect(noId.status).toBe(400);
    expect(noId.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["document.holder.birthYear", "document.issuedOn", "document.issuer"]);
    const complete = await upload(
      service.httpUrl,
      token,
      metadata({ dossierCode: code }, { holder: { fullName: "Nguyễn Văn An", birthYear: 1990 }, issuedOn: "2015-03-02", issuer: "UBND xã Tiên Du" }),
      pdf(),
    );
    expect(complete.status, JSON.stringify(complete.body)).toBe(201);
  });

  it("given the file before its metadata, then 400 naming metadata and nothing is stored", async () => {
    const before = await objectKeys(client);
    const response = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }), pdf(), { metadataLast: true });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe("metadata");
    expect(await objectKeys(client)).toEqual(before);
  });
});

describe("who may upload and download", () => {
  it("an officer of another agency may not upload (403, nothing stored) nor read another agency's document; no token is 401", async () => {
    const code = dossierCode();
    const before = await objectKeys(client);
    const stranger = await deskOfficer(OTHER_AGENCY);
    const refused = await upload(service.httpUrl, stranger, metadata({ dossierCode: code }), pdf());
    expect(refused.status).toBe(403);
    expect(await objectKeys(client)).toEqual(before);

    const stored = await upload(service.httpUrl, token, metadata({ dossierCode: code }), pdf());
    expect(stored.status).toBe(201);
    for (const path of ["", "/content", "/download-url"]) {
      expect((await call(service.httpUrl, stranger, "GET", `/v1/documents/${stored.body.id}${path}`)).status).toBe(403);
    }
    const anonymous = await fetch(`${service.httpUrl}/v1/documents/${stored.body.id}`);
    expect(anonymous.status).toBe(401);
    // The province's operator may read it.
    const operator = await testToken({ sub: "op", roles: ["province_operator"], unit_code: "24" });
    expect((await call(service.httpUrl, operator, "GET", `/v1/documents/${stored.body.id}`)).status).toBe(200);
  });

  it("a presigned URL downloads the file, for a short time", async () => {
    const file = pdf(100_000);
    const stored = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }), file);
    const link = await call(service.httpUrl, token, "GET", `/v1/documents/${stored.body.id}/download-url`);
    expect(link.status).toBe(200);
    expect(link.body.url).toContain("X-Amz-Expires=300");
    const downloaded = await fetch(link.body.url);
    expect(downloaded.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await downloaded.arrayBuffer()), file)).toBe(0);
  });
});

describe("signature", () => {
  it("given a stored document, verification holds; once its content is tampered with in the object store, it fails", async () => {
    const file = pdf(120_000);
    const stored = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }), file);
    const intact = await call(service.httpUrl, token, "POST", `/v1/documents/${stored.body.id}/verify`);
    expect(intact.body).toMatchObject({ valid: true, contentIntact: true, signatureValid: true });

    const tampered = Buffer.from(file);
    tampered[5000] = tampered[5000]! ^ 0xff;
    await client.send(new PutObjectCommand({ Bucket: objects.S3_BUCKET, Key: await objectKeyOf(stored.body.id), Body: tampered }));
    const broken = await call(service.httpUrl, token, "POST", `/v1/documents/${stored.body.id}/verify`);
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ valid: false, contentIntact: false, signatureValid: true, sha256: sha256(file), actualSha256: sha256(tampered) });
  });

  it("given a stored document whose metadata is changed in the store, the signature no longer verifies", async () => {
    const stored = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }), pdf());
    await mongo
      .db(env.dbName)
      .collection("documents")
      .updateOne({ _id: stored.body.id }, { $set: { "document.metadata.validTo": "2099-12-31" } });
    const verified = await call(service.httpUrl, token, "POST", `/v1/documents/${stored.body.id}/verify`);
    expect(verified.body).toMatchObject({ valid: false, contentIntact: true, signatureValid: false });
  });
});

describe("electronic results and reuse", () => {
  it("given an electronic result of a holder, a later dossier finds it, reuses it (recorded, announced) and may then read it", async () => {
    const first = dossierCode();
    const result = await upload(service.httpUrl, token, metadata({ kind: "RESULT", dossierCode: first, componentTypeCode: undefined, resultTypeCode: "KQ.GKS" }), pdf());
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    expect(result.body.kind).toBe("RESULT");
    expect(result.body.resultNumber).not.toContain(ID_NUMBER); // answered masked
    const stored = await mongo.db(env.dbName).collection("documents").findOne({ _id: result.body.id });
    expect(stored!.document.resultNumber).toBe(`${ID_NUMBER}KQ.GKS`);
    const issued = await eventsOf(nc, first);
    expect(issued.map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.result_issued.v1"]);
    expect(issued[0]!.envelope.data.resultNumber ?? "").toBe("");
    expect(issued[0]!.raw).not.toContain(ID_NUMBER);

    // A dossier at another agency, for the same holder.
    const later = dossierCode(OTHER_AGENCY);
    const officer = await deskOfficer(OTHER_AGENCY);
    expect((await call(service.httpUrl, officer, "GET", `/v1/documents/${result.body.id}`)).status).toBe(403);
    const search = await call(service.httpUrl, officer, "POST", "/v1/reusable-documents/search", { dossierCode: later, agencyCode: OTHER_AGENCY, holderIdNumber: "0240 9000 1234" });
    expect(search.status).toBe(200);
    expect(search.body.documents.map((d: { id: string }) => d.id)).toContain(result.body.id);

    const reuse = { agencyCode: OTHER_AGENCY, componentTypeCode: "GKS", documentId: result.body.id, holderIdNumber: ID_NUMBER };
    const recorded = await call(service.httpUrl, officer, "POST", `/v1/dossiers/${later}/reuses`, reuse);
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    const again = await call(service.httpUrl, officer, "POST", `/v1/dossiers/${later}/reuses`, reuse);
    expect(again.status).toBe(200);
    const reused = await eventsOf(nc, later, OTHER_AGENCY);
    expect(reused.map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.document_reused.v1"]);
    expect(reused[0]!.envelope.data).toMatchObject({ dossierCode: later, documentId: result.body.id, source: "REUSE_SOURCE_DIGITISED_DOCUMENT", documentTypeCode: "GKS" });
    expect(reused[0]!.msgId).toBe(reused[0]!.envelope.id);
    expect((await call(service.httpUrl, officer, "GET", `/v1/documents/${result.body.id}`)).status).toBe(200);
  });

  it("given an expired document, it is not offered for reuse and reusing it is refused", async () => {
    const holder = "001199004321";
    const expired = await upload(
      service.httpUrl,
      token,
      metadata({ dossierCode: dossierCode() }, { holder: { idNumber: holder }, documentTypeCode: "CCCD", validFrom: "2010-01-01", validTo: "2024-12-31" }),
      pdf(),
    );
    const valid = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }, { holder: { idNumber: holder }, documentTypeCode: "GKS" }), pdf());
    const later = dossierCode();
    const search = await call(service.httpUrl, token, "POST", "/v1/reusable-documents/search", { dossierCode: later, agencyCode: AGENCY, holderIdNumber: holder });
    expect(search.body.documents.map((d: { id: string }) => d.id)).toEqual([valid.body.id]);
    const refused = await call(service.httpUrl, token, "POST", `/v1/dossiers/${later}/reuses`, {
      agencyCode: AGENCY,
      componentTypeCode: "CCCD",
      documentId: expired.body.id,
      holderIdNumber: holder,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe("DOCUMENT_NOT_VALID");
    expect(await eventsOf(nc, later)).toEqual([]);
  });

  it("a document of another holder cannot be reused", async () => {
    const stored = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }, { holder: { idNumber: "030088001111" } }), pdf());
    const refused = await call(service.httpUrl, token, "POST", `/v1/dossiers/${dossierCode()}/reuses`, {
      agencyCode: AGENCY,
      componentTypeCode: "GKS",
      documentId: stored.body.id,
      holderIdNumber: "030088002222",
    });
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe("HOLDER_MISMATCH");
  });
});

describe("a dossier fully digitised", () => {
  it("given its declared components, once each is digitised or reused, the dossier is announced fully digitised, once", async () => {
    const code = dossierCode();
    const declared = await call(service.httpUrl, token, "PUT", `/v1/dossiers/${code}/components`, { agencyCode: AGENCY, components: ["TK", "GKS"] });
    expect(declared.status).toBe(200);
    expect(declared.body.announced).toBe(false);
    await upload(service.httpUrl, token, metadata({ dossierCode: code, componentTypeCode: "TK" }), pdf());
    expect((await eventsOf(nc, code)).map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.component_digitised.v1"]);

    const earlier = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }), pdf());
    await call(service.httpUrl, token, "POST", `/v1/dossiers/${code}/reuses`, { agencyCode: AGENCY, componentTypeCode: "GKS", documentId: earlier.body.id, holderIdNumber: ID_NUMBER });
    // Declared again: nothing new.
    await call(service.httpUrl, token, "PUT", `/v1/dossiers/${code}/components`, { agencyCode: AGENCY, components: ["TK", "GKS"] });

    const types = (await eventsOf(nc, code)).map((e) => e.envelope.type);
    expect(types).toEqual(["vn.onestop.digitisation.component_digitised.v1", "vn.onestop.digitisation.document_reused.v1", "vn.onestop.digitisation.dossier_digitised.v1"]);
    const state = await call(service.httpUrl, token, "GET", `/v1/dossiers/${code}/digitisation`);
    expect(state.body).toMatchObject({ components: ["TK", "GKS"], announced: true });
  });
});
