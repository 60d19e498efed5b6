#!/usr/bin/env node
// Operator command for the audit record (user text in Vietnamese, counts as 59.790; seqs written
// plainly, #59790, so they can be copied into another command):
//   onestop-audit verify --mongo-url URL --db NAME [--collection audit_log] [--batch 500]
//                        [--anchor SEQ:HASH ...] [--progress-ms 1000] [--json]
//       walks the whole chain; exit 0 when intact, 1 naming the first broken link (seq, reason)
//   onestop-audit tail --mongo-url URL --db NAME [--collection audit_log] [--n 20]
//       prints the last records
// --mongo-url defaults to MONGO_URL (then mongodb://127.0.0.1:27017), --db to AUDIT_DB.
// Exit codes: 0 intact / done, 1 chain broken, 2 wrong usage, 3 could not run (store unreachable…).
import { parseArgs } from "node:util";
import { MongoClient } from "mongodb";
import type { AuditRecord, BreakReason, ChainPosition } from "./chain.js";
import { DEFAULT_COLLECTION, MongoAuditLog, type VerifyResult } from "./mongo-audit-log.js";

const usage = [
  "Cách dùng:",
  "  onestop-audit verify --mongo-url <URL> --db <CSDL> [--collection audit_log] [--batch 500] [--anchor <seq>:<hash>] [--json]",
  "  onestop-audit tail --mongo-url <URL> --db <CSDL> [--collection audit_log] [--n 20]",
].join("\n");

const numbers = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0, useGrouping: true });
const percent = new Intl.NumberFormat("vi-VN", { style: "percent", maximumFractionDigits: 0 });
const count = (n: number) => numbers.format(n);

/** Each reason as an operator reads it. */
const REASONS_VI: Record<BreakReason, string> = {
  "hash-mismatch": "nội dung bản ghi đã bị sửa (mã băm không khớp với nội dung)",
  "seq-mismatch": "bản ghi nằm sai vị trí (bị hoán đổi hoặc sắp xếp lại)",
  "prev-hash-mismatch": "liên kết với bản ghi trước bị đứt (prevHash không khớp mã băm của bản ghi trước)",
  missing: "thiếu bản ghi (đã bị xoá)",
  malformed: "bản ghi sai cấu trúc (thiếu seq, hash hoặc prevHash)",
  "head-mismatch": "tài liệu đầu chuỗi (head) không khớp với bản ghi",
  "anchor-mismatch": "mã băm không khớp với mốc đã công bố",
};

class UsageError extends Error {}

function parseAnchor(text: string): ChainPosition {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!match) throw new UsageError(`--anchor phải có dạng <seq>:<hash 64 ký tự hex>, nhận được: ${text}`);
  return { seq: Number(match[1]), hash: match[2]! };
}

function positiveInteger(text: string | undefined, option: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${option} phải là số nguyên ≥ ${min}, nhận được: ${text}`);
  return value;
}

function describe(record: AuditRecord): string {
  const actor = record.actor;
  const who = [
    `${actor.kind}:${actor.subject}`,
    actor.username ? `(${actor.username})` : "",
    `[${actor.roles.join(",")}]`,
    actor.agencyCode ? `@${actor.agencyCode}${actor.unitCode ? `/${actor.unitCode}` : ""}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const from = [record.from.transport, record.from.address].filter(Boolean).join(" ");
  const details = record.details
    ? `  ${Object.entries(record.details)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`
    : "";
  return `#${record.seq}\t${record.at}\t${who}\t${record.action}\t${record.target.type}:${record.target.id}\t${record.outcome}\t${from}${details}`;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "mongo-url": { type: "string" },
        db: { type: "string" },
        collection: { type: "string" },
        n: { type: "string" },
        batch: { type: "string" },
        anchor: { type: "string", multiple: true },
        "progress-ms": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if ((command !== "verify" && command !== "tail") || extra.length > 0) throw new UsageError(command ? `lệnh không hợp lệ: ${[command, ...extra].join(" ")}` : "thiếu lệnh");
  const url = values["mongo-url"] ?? process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017";
  const dbName = values.db ?? process.env.AUDIT_DB;
  if (!dbName) throw new UsageError("thiếu --db <tên cơ sở dữ liệu>");
  const collection = values.collection ?? DEFAULT_COLLECTION;
  const n = positiveInteger(values.n, "--n", 20);
  const batchSize = positiveInteger(values.batch, "--batch", 500);
  const progressMs = positiveInteger(values["progress-ms"], "--progress-ms", 1_000, 0);
  const anchors = (values.anchor ?? []).map(parseAnchor);

  const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    const log = await MongoAuditLog.open(client.db(dbName), { collection });
    if (command === "tail") {
      const records = await log.tail(n);
      for (const record of records) process.stdout.write(`${describe(record)}\n`);
      const last = records[records.length - 1];
      process.stdout.write(last ? `${count(records.length)} bản ghi cuối của ${dbName}.${collection} (tổng ${count(last.seq)} bản ghi).\n` : `Nhật ký ${dbName}.${collection} chưa có bản ghi nào.\n`);
      return 0;
    }

    process.stdout.write(`Đang kiểm tra chuỗi nhật ký kiểm toán ${dbName}.${collection}…\n`);
    const started = Date.now();
    let printed = started;
    const result: VerifyResult = await log.verify({
      batchSize,
      anchors,
      onProgress: ({ verified, expected }) => {
        const now = Date.now();
        if (now - printed < progressMs) return;
        printed = now;
        const share = expected > 0 ? ` (${percent.format(Math.min(1, verified / expected))})` : "";
        process.stdout.write(`Đã kiểm tra ${count(verified)}/${count(expected)} bản ghi${share}\n`);
      },
    });
    const seconds = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 }).format((Date.now() - started) / 1000);
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.ok) {
      process.stdout.write(
        result.count === 0
          ? `Chuỗi hợp lệ: chưa có bản ghi nào (${seconds} giây).\n`
          : `Chuỗi hợp lệ: ${count(result.count)} bản ghi, đầu chuỗi #${result.head.seq}, mã băm ${result.head.hash} (${seconds} giây).\n`,
      );
      return 0;
    }
    process.stdout.write(
      `CHUỖI BỊ PHÁ VỠ tại bản ghi #${result.firstBrokenSeq}: ${REASONS_VI[result.reason]}.\n` +
        `Lý do: ${result.reason}. Chi tiết: ${result.detail}\n` +
        `${count(result.verified)} bản ghi trước đó hợp lệ.\n`,
    );
    return 1;
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`onestop-audit: ${error.message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`onestop-audit: không chạy được: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
