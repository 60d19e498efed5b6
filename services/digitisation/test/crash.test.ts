/**
 * Crashes for real (SIGKILL) at each step of an upload, over the real object store, store and
 * NATS: mid-stream, once the object is complete but not yet claimed, once its content is claimed,
 * and once the document is registered but not yet announced. None leaves a half-registered
 * document; a restarted instance finishes what was registered (announced once) and removes what
 * was left half-uploaded or never claimed.
 */
import { request } from "node:http";
import { ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { waitFor, type ServiceProcess } from "@onestop/testkit";
import type { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deskOfficer, documentCount, dossierCode, env, eventsOf, metadata, newMongo, objectKeys, objects, pdf, s3, startDigitisation, upload } from "./helpers.js";

let nc: NatsConnection;
let mongo: MongoClient;
let client: S3Client;
let token: string;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  nc = await connect(env.nats);
  mongo = newMongo();
  client = s3();
  token = await deskOfficer();
});

afterAll(async () => {
  await Promise.all(running.map((service) => service.stop()));
  await nc?.close();
  await mongo?.close();
  client?.destroy();
});

async function start(extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await startDigitisation({ SETTLE_SWEEP_MS: "300", INCOMING_MAX_AGE_MS: "1000", ...extra });
  running.push(service);
  return service;
}

async function multipartUploads(): Promise<number> {
  return (await client.send(new ListMultipartUploadsCommand({ Bucket: objects.S3_BUCKET }))).Uploads?.length ?? 0;
}

describe("a kill -9 during an upload", () => {
  it("mid-stream (a part already in the object store): no document, nothing announced; the restarted instance removes the unfinished upload", async () => {
    const service = await start();
    const before = await objectKeys(client);
    const code = dossierCode();
    const boundary = "----onestop-crash-test";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify(metadata({ dossierCode: code }))}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    );
    const url = new URL(`${service.httpUrl}/v1/documents`);
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    const failed = new Promise<string>((resolve) => {
      req.on("error", (error) => resolve(error.message));
      req.on("response", (response) => resolve(`answered ${response.statusCode}`));
    });
    req.write(head);
    // Six megabytes of a file that never ends: the first 5 MiB part goes to the object store.
    req.write(pdf(6 * 1024 * 1024));
    await waitFor(async () => (await multipartUploads()) > 0, { timeoutMs: 20_000, description: "a multipart upload under way" });
    await service.stop("SIGKILL");
    expect(await failed).not.toMatch(/^answered/);

    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);
    expect(await objectKeys(client)).toEqual(before);

    const restarted = await start();
    await waitFor(async () => (await multipartUploads()) === 0, { timeoutMs: 20_000, description: "the unfinished upload removed" });
    expect(await objectKeys(client)).toEqual(before);
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);
    expect(await eventsOf(nc, code)).toEqual([]);
    // The same upload, again, now goes through.
    const retried = await upload(restarted.httpUrl, token, metadata({ dossierCode: code }), pdf(200_000));
    expect(retried.status).toBe(201);
    await restarted.stop();
  }, 90_000);

  it("once the object is complete, before its content is claimed: no document; the restarted instance removes the orphan object, and the retry goes through", async () => {
    const faulty = await start({ DIGITISATION_FAULT: "kill-after-write" });
    const code = dossierCode();
    const before = await objectKeys(client);
    await expect(upload(faulty.httpUrl, token, metadata({ dossierCode: code }), pdf(300_000))).rejects.toThrow();
    await faulty.stop();
    const orphans = (await objectKeys(client)).filter((key) => !before.includes(key));
    expect(orphans).toHaveLength(1);
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);

    const service = await start();
    await waitFor(async () => !(await objectKeys(client)).includes(orphans[0]!), { timeoutMs: 20_000, description: "the orphan object removed" });
    const retried = await upload(service.httpUrl, token, metadata({ dossierCode: code }), pdf(300_000));
    expect(retried.status).toBe(201);
    // Claimed objects stay however old: the sweep (1 s here) removes only unclaimed ones.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await objectKeys(client)).toContain((await mongo.db(env.dbName).collection("documents").findOne({ _id: retried.body.id }))!.objectKey);
    expect(await eventsOf(nc, code)).toHaveLength(1);
    await service.stop();
  }, 90_000);

  it("once the content is claimed, before the document is registered: no document; the retry registers it once over the same object", async () => {
    const faulty = await start({ DIGITISATION_FAULT: "kill-after-claim" });
    const code = dossierCode();
    const file = pdf(400_000);
    await expect(upload(faulty.httpUrl, token, metadata({ dossierCode: code }), file)).rejects.toThrow();
    await faulty.stop();
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(0);
    const keys = await objectKeys(client);

    const service = await start();
    const retried = await upload(service.httpUrl, token, metadata({ dossierCode: code }), file);
    expect(retried.status).toBe(201);
    // The retry's own object was removed as a duplicate: the document uses the one claimed before the crash.
    expect(await objectKeys(client)).toEqual(keys);
    expect(await documentCount(mongo, { "document.dossierCode": code })).toBe(1);
    expect((await eventsOf(nc, code)).map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.component_digitised.v1"]);
    await service.stop();
  }, 90_000);

  it("once registered, before it is announced: the restarted instance announces it, once, and completes the holder's index", async () => {
    const faulty = await start({ DIGITISATION_FAULT: "kill-after-insert" });
    const code = dossierCode();
    const file = pdf(300_000);
    await expect(upload(faulty.httpUrl, token, metadata({ dossierCode: code }, { holder: { idNumber: "036077009999" } }), file)).rejects.toThrow();
    await faulty.stop();
    const record = await mongo.db(env.dbName).collection("documents").findOne({ "document.dossierCode": code });
    expect(record?.pending).toBe(true);
    expect(await eventsOf(nc, code)).toEqual([]);

    const service = await start();
    await waitFor(async () => (await mongo.db(env.dbName).collection("documents").findOne({ _id: record!._id }))?.pending === false, {
      timeoutMs: 20_000,
      description: "the registration settled by the sweep",
    });
    expect((await eventsOf(nc, code)).map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.component_digitised.v1"]);
    const search = await fetch(`${service.httpUrl}/v1/reusable-documents/search`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ dossierCode: dossierCode(), agencyCode: "000.00.03.H06", holderIdNumber: "036077009999" }),
    });
    expect(((await search.json()) as { documents: Array<{ id: string }> }).documents.map((d) => d.id)).toEqual([record!._id]);

    // The same upload again: the document registered before, still one announcement.
    const again = await upload(service.httpUrl, token, metadata({ dossierCode: code }, { holder: { idNumber: "036077009999" } }), file);
    expect(again.status).toBe(200);
    expect(await eventsOf(nc, code)).toHaveLength(1);
    await service.stop();
  }, 90_000);
});
