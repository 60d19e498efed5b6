import { DeliverPolicy, type JetStreamClient, type JsMsg, type OrderedConsumerOptions } from "@nats-io/jetstream";

export interface ReadFrom {
  /** First stream sequence to read; default the stream's first. */
  fromSeq?: number;
  /** Or the first message stored at or after this time. */
  fromTime?: Date;
  filterSubjects?: string[];
  /** Messages fetched per round trip. */
  batchSize?: number;
}

function orderedOptions(from: ReadFrom): Partial<OrderedConsumerOptions> {
  const filter = from.filterSubjects?.length ? { filter_subjects: from.filterSubjects } : {};
  if (from.fromSeq !== undefined) return { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.fromSeq };
  if (from.fromTime !== undefined) return { ...filter, deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.fromTime.toISOString() };
  return { ...filter, deliver_policy: DeliverPolicy.All };
}

/**
 * Reads a stream in order through an ordered (ephemeral, flow-controlled) consumer, up to the
 * messages that were there when it caught up; no acknowledgements, no effect on durable consumers.
 */
export async function* readStream(js: JetStreamClient, stream: string, from: ReadFrom = {}): AsyncGenerator<JsMsg> {
  const consumer = await js.consumers.get(stream, orderedOptions(from));
  // A fetch waits until it has max_messages or expires; asking for exactly what is pending keeps
  // every round trip immediate. The first count comes with the consumer's creation (no extra
  // round trip), later ones from the last message read; none pending means caught up: no fetch.
  let pending = (await consumer.info(true)).num_pending;
  while (pending > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(pending, from.batchSize ?? 500), expires: 1_000 });
    let received = 0;
    for await (const message of batch) {
      received += 1;
      pending = message.info.pending;
      yield message;
    }
    if (received === 0) return;
  }
}
