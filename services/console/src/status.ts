import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

export interface ServiceStatus {
  name: string;
  url: string;
  ready: boolean;
  detail: string;
}

export interface StreamStatus {
  name: string;
  subjects: string[];
  messages: number;
  consumers: number;
}

export async function serviceStatus(name: string, url: string): Promise<ServiceStatus> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { status?: string };
    return { name, url, ready: response.ok, detail: body.status ?? String(response.status) };
  } catch (error) {
    return { name, url, ready: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

export async function streamStatus(nats: NatsConnection): Promise<StreamStatus[]> {
  const jsm = await jetstreamManager(nats);
  const streams: StreamStatus[] = [];
  for await (const info of jsm.streams.list()) {
    streams.push({
      name: info.config.name,
      subjects: info.config.subjects ?? [],
      messages: info.state.messages,
      consumers: info.state.consumer_count,
    });
  }
  return streams.sort((a, b) => a.name.localeCompare(b.name));
}
