// @onestop/contracts: generated protobuf messages and gRPC services (ts-proto), the NATS subject
// map and the CloudEvents envelope helpers. See proto/README.md.
export * from "./proto.js";
export * from "./subjects.js";
export * from "./nats-permissions.js";
export * from "./envelope.js";
export * from "./personal-ref.js";
export * from "./webhook.js";
