import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "@onestop/testkit";

describe("real nats-server with JetStream", () => {
  const env = testEnv();
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect(env.nats);
  });
  afterAll(async () => {
    await nc.drain();
  });

  it("stores a published message on file storage and reads it back through a durable consumer", async () => {
    const stream = `${env.prefix}_PLATFORM`.toUpperCase();
    const subject = `${env.prefix}.platform.probe`;
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name: stream, subjects: [`${env.prefix}.platform.>`] });
    expect(info.config.storage).toBe("file");

    const js = jetstream(nc);
    const ack = await js.publish(subject, JSON.stringify({ code: "000.00.12.H10-240115-0001" }), { msgID: "evt-1" });
    const duplicate = await js.publish(subject, JSON.stringify({ code: "000.00.12.H10-240115-0001" }), { msgID: "evt-1" });
    expect(ack.seq).toBe(1);
    expect(duplicate.duplicate).toBe(true);

    await jsm.consumers.add(stream, { durable_name: "reader", ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get(stream, "reader");
    const message = await consumer.next({ expires: 5_000 });
    expect(message?.json()).toEqual({ code: "000.00.12.H10-240115-0001" });
    expect(message?.headers?.get("Nats-Msg-Id")).toBe("evt-1");
    message?.ack();
    expect((await jsm.streams.info(stream)).state.messages).toBe(1);
  });
});
