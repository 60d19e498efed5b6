import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { ALLOWED_LABELS, SNIFF_BYTES, sniffType, type AllowedType } from "../domain/file-type.js";
import { TooLargeError, UnsupportedTypeError } from "./errors.js";

/**
 * Passes a file's bytes through while checking them: the first bytes must be an allowed type, the
 * total at most `maxBytes`; the SHA-256 and size are known at the end. It holds back only the
 * first few bytes, so a file is never in memory whole. A failed check ends the stream with the error,
 * which aborts whatever it feeds (the object store's multipart upload).
 */
export class ContentCheck extends Transform {
  private readonly hash = createHash("sha256");
  private head: Buffer[] = [];
  private headBytes = 0;
  private typeKnown: AllowedType | undefined;
  private total = 0;

  /** The recognised type; resolves as soon as the first bytes have been seen (rejects if they are not allowed). */
  readonly type: Promise<AllowedType>;
  private readonly resolveType: (type: AllowedType) => void;
  private readonly rejectType: (error: Error) => void;

  constructor(private readonly maxBytes: number) {
    super();
    let resolveType!: (type: AllowedType) => void;
    let rejectType!: (error: Error) => void;
    this.type = new Promise((resolve, reject) => {
      resolveType = resolve;
      rejectType = reject;
    });
    this.type.catch(() => undefined); // the stream's own error is what callers handle
    this.resolveType = resolveType;
    this.rejectType = rejectType;
  }

  /**
   * Bytes passed so far. Not named `size`: the SDK's Upload reads a body's `size` as its length
   * up front, and would expect a 0-byte object.
   */
  get bytesPassed(): number {
    return this.total;
  }

  digest(): string {
    return this.hash.digest("hex");
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.maxBytes) return this.failWith(new TooLargeError(this.maxBytes), callback);
    this.hash.update(chunk);
    if (this.typeKnown) return callback(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return callback();
    const head = Buffer.concat(this.head);
    this.head = [];
    if (!this.recognise(head)) return this.failWith(this.unsupported(), callback);
    callback(null, head);
  }

  override _flush(callback: TransformCallback): void {
    if (this.typeKnown) return callback();
    // A file shorter than the sniffed prefix: judge what there is.
    const head = Buffer.concat(this.head);
    if (this.total === 0 || !this.recognise(head)) return this.failWith(this.total === 0 ? new UnsupportedTypeError("Tệp rỗng") : this.unsupported(), callback);
    callback(null, head);
  }

  private recognise(head: Buffer): boolean {
    this.typeKnown = sniffType(head);
    if (this.typeKnown) this.resolveType(this.typeKnown);
    return this.typeKnown !== undefined;
  }

  private unsupported(): UnsupportedTypeError {
    return new UnsupportedTypeError(`Nội dung tệp không phải loại được phép (${ALLOWED_LABELS}); loại tệp được xác định theo nội dung, không theo tên tệp`);
  }

  private failWith(error: Error, callback: TransformCallback): void {
    this.rejectType(error);
    callback(error);
  }
}
