#!/usr/bin/env node
// Operator command for dead letters:
//   onestop-dlq list                 every dead letter: sequence, consumer, subject, deliveries, reason
//   onestop-dlq replay <seq> [...]   publish those dead letters again on their original subjects
//   onestop-dlq replay-all           the same for every dead letter
// NATS_URL (default nats://127.0.0.1:4222), DLQ_STREAM (default DLQ), DLQ_SUBJECT_PREFIX (default dlq);
// NATS_USER / NATS_PASSWORD (or a NATS_CREDS file) of a user that may read and replay dead letters
// (the harness user on local servers: .local/data/nats/credentials.json).
import { readFileSync } from "node:fs";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { DEFAULT_DEAD_LETTERS, listDeadLetters, replayDeadLetter, type DeadLetterTarget } from "./dead-letters.js";

const usage = "usage: onestop-dlq list | replay <seq> [<seq> ...] | replay-all";

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "list" && command !== "replay" && command !== "replay-all") {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const sequences = rest.map(Number);
  if (command === "replay" && (sequences.length === 0 || sequences.some((seq) => !Number.isInteger(seq) || seq < 1))) {
    process.stderr.write(`replay takes dead-letter sequence numbers (positive integers), got: ${rest.join(" ") || "nothing"}\n`);
    return 2;
  }
  const target: DeadLetterTarget = {
    stream: process.env.DLQ_STREAM || DEFAULT_DEAD_LETTERS.stream,
    subjectPrefix: process.env.DLQ_SUBJECT_PREFIX || DEFAULT_DEAD_LETTERS.subjectPrefix,
  };
  const { NATS_USER: user, NATS_PASSWORD: pass, NATS_CREDS: creds } = process.env;
  const nc = await connect({
    servers: (process.env.NATS_URL || "nats://127.0.0.1:4222").split(","),
    ...(user ? { user, inboxPrefix: `_INBOX_${user}` } : {}),
    ...(pass ? { pass } : {}),
    ...(creds ? { authenticator: credsAuthenticator(readFileSync(creds)) } : {}),
  });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const letters = await listDeadLetters(js, target);
    if (command === "list") {
      for (const l of letters) {
        process.stdout.write(`${l.seq}\t${l.deadAt.toISOString()}\t${l.consumer}\t${l.subject}\t${l.stream}#${l.streamSeq}\t${l.deliveries}×\t${l.reason}\n`);
      }
      process.stdout.write(`${letters.length} dead letter(s) in ${target.stream}\n`);
      return 0;
    }
    const chosen = command === "replay-all" ? letters.map((l) => l.seq) : sequences;
    for (const [index, seq] of chosen.entries()) {
      const replayed = await replayDeadLetter(js, jsm, seq, target);
      process.stdout.write(`[${index + 1}/${chosen.length}] dead letter ${seq} -> ${replayed.subject} (stream seq ${replayed.seq})\n`);
    }
    return 0;
  } finally {
    await nc.drain();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`onestop-dlq: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
