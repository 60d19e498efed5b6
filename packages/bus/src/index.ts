export { newEnvelope, derivedEventId, encodeEnvelope, decodeEnvelope, PoisonMessageError, type EventEnvelope, type NewEvent } from "./envelope.js";
export { ensureStreams, type StreamSpec } from "./streams.js";
export { publishEvent, type PublishResult } from "./publisher.js";
export {
  ensureConsumer,
  startConsumer,
  watchExhaustedDeliveries,
  type ConsumerSpec,
  type ConsumerLog,
  type DeliveryInfo,
  type EventHandler,
  type RunningConsumer,
} from "./consumer.js";
export {
  DEFAULT_DEAD_LETTERS,
  deadLetterStream,
  listDeadLetters,
  replayDeadLetter,
  type DeadLetter,
  type DeadLetterTarget,
} from "./dead-letters.js";
export { startBatchConsumer, type BatchConsumerSpec, type BatchHandler, type ConsumedEvent } from "./batch-consumer.js";
export { ProcessedEventLedger, idempotent } from "./ledger.js";
export { readStream, type ReadFrom } from "./read-stream.js";
export { replayEvents, type ReplayedEvent, type ReplayProgress } from "./replay.js";
export { headersWithTraceContext } from "./tracing.js";
