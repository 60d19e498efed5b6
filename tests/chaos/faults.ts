/**
 * The fault schedule: every kind of fault the platform must survive, struck one after another
 * in a seeded random order (CHAOS_SEED) so a failing run can be repeated.
 */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { subjectFor } from "@onestop/contracts";
import { CHAOS_AGENCY } from "./load.js";
import type { ChaosSystem } from "./system.js";

export interface Fault {
  kind: string;
  /** Strikes and repairs; resolves once the repair (restart, SIGCONT…) has been issued. */
  strike(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Longer than every consumer's ack wait (30 s): its unacknowledged messages are redelivered meanwhile. */
export const FREEZE_MS = 35_000;

export function faultKinds(system: ChaosSystem, nc: NatsConnection, poisonIds: string[]): Fault[] {
  const crashes: Fault[] = system.instances.map((instance) => ({
    kind: `kill -9 ${instance.label}`,
    strike: async () => {
      await instance.crash();
      await pause(1_000);
      await instance.start();
    },
  }));
  return [
    ...crashes,
    {
      kind: "kill -9 one nats-server node",
      strike: async () => {
        const node = system.nats.nodes[Math.floor(Math.random() * system.nats.nodes.length)]!;
        await node.kill();
        await pause(3_000);
        await node.start();
      },
    },
    {
      kind: "restart of nats-server (all nodes)",
      strike: async () => {
        await Promise.all(system.nats.nodes.map((node) => node.stop()));
        await pause(2_000);
        await Promise.all(system.nats.nodes.map((node) => node.start()));
      },
    },
    {
      kind: "restart of the store",
      strike: () => system.restartStore(3_000),
    },
    {
      kind: "SIGSTOP of a reporting consumer past its ack wait",
      strike: async () => {
        const [frozen] = system.of("reporting");
        frozen!.freeze();
        await pause(FREEZE_MS);
        frozen!.thaw();
      },
    },
    {
      kind: "poison message on the DOSSIER stream",
      strike: async () => {
        const id = `chaos-poison-${poisonIds.length + 1}`;
        poisonIds.push(id);
        await jetstream(nc).publish(subjectFor("vn.onestop.dossier.received.v1", { agencyCode: CHAOS_AGENCY }), "{ not an event", { msgID: id });
      },
    },
  ];
}

/** A deterministic shuffle (mulberry32) so CHAOS_SEED repeats a run's order. */
export function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
