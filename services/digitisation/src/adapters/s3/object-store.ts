import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { uuidv7 } from "uuidv7";
import type { ObjectStorePort } from "../../app/ports.js";

export interface S3Settings {
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID?: string | undefined;
  S3_SECRET_ACCESS_KEY?: string | undefined;
  /** Path-style URLs (bucket in the path): what local and most self-hosted S3 servers need. */
  S3_FORCE_PATH_STYLE: boolean;
  /**
   * Whether uploads sign their bodies' SHA-256 (SigV4 payload signing: every byte hashed once more).
   * Off by default: the service hashes the content itself, and the verify endpoint re-hashes the stored
   * object; TLS protects the bytes in transit in production.
   */
  S3_SIGN_PAYLOAD?: boolean;
}

/** The commands whose bodies are files: sent as UNSIGNED-PAYLOAD unless S3_SIGN_PAYLOAD. */
const FILE_BODY_COMMANDS = new Set(["PutObjectCommand", "UploadPartCommand"]);

/** Multipart part size (S3's minimum) and parts in flight: an upload holds at most their product in memory. */
export const PART_BYTES = 5 * 1024 * 1024;
export const PARTS_IN_FLIGHT = 2;

/**
 * Where files are written, each under a fresh UUIDv7 (time-ordered, so a sweep lists the keys of a
 * period in order), and stay: S3 has no rename, and a copy under the content's hash would write
 * every byte twice.
 */
export const OBJECTS_PREFIX = "objects/";

/** The creation time (ms) of an object key written by `write`, from its UUIDv7; undefined for another key. */
export function keyTime(key: string): number | undefined {
  const match = /^objects\/([0-9a-f]{8})-([0-9a-f]{4})-7/.exec(key);
  return match ? Number.parseInt(`${match[1]}${match[2]}`, 16) : undefined;
}

export function s3Client(settings: S3Settings): S3Client {
  const client = new S3Client({
    region: settings.S3_REGION,
    forcePathStyle: settings.S3_FORCE_PATH_STYLE,
    ...(settings.S3_ENDPOINT ? { endpoint: settings.S3_ENDPOINT } : {}),
    ...(settings.S3_ACCESS_KEY_ID && settings.S3_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: settings.S3_ACCESS_KEY_ID, secretAccessKey: settings.S3_SECRET_ACCESS_KEY } } : {}),
    // Checksums of every request body only when the operation requires one (SDK default since 3.729
    // is "when supported", which not every S3-compatible server accepts).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  if (!settings.S3_SIGN_PAYLOAD) {
    // The signer takes a body's hash from this header when present, instead of hashing the body.
    client.middlewareStack.add(
      (next, context) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (FILE_BODY_COMMANDS.has(context.commandName ?? "") && request.headers) request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
        return next(args);
      },
      { step: "build", name: "onestopUnsignedFileBodies" },
    );
  }
  return client;
}

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === "NotFound" || error.name === "NoSuchKey" || error.name === "NoSuchBucket");

/** The files in an S3 bucket: temporary keys while uploading, content-addressed keys once complete. */
export class S3ObjectStore implements ObjectStorePort {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Creates the bucket when it does not exist (local runs, tests); production's exists already. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async write(body: Readable, mediaType: string): Promise<string> {
    const key = `${OBJECTS_PREFIX}${uuidv7()}`;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: mediaType },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
    return key;
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async read(key: string): Promise<Readable> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return object.Body as Readable;
  }

  presignedUrl(key: string, expiresInSeconds: number, fileName: string): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: `attachment; filename="${fileName}"` }), {
      expiresIn: expiresInSeconds,
    });
  }

  /** Aborts the unfinished multipart uploads begun more than `olderThanMs` ago (left by uploads a crash cut short). */
  async abortUnfinished(olderThanMs: number, now = Date.now()): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    do {
      const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: OBJECTS_PREFIX, KeyMarker: keyMarker, UploadIdMarker: uploadMarker }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId && upload.Initiated && now - upload.Initiated.getTime() > olderThanMs) {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          aborted++;
        }
      }
      [keyMarker, uploadMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (keyMarker);
    return aborted;
  }

  createdAt(key: string): number | undefined {
    return keyTime(key);
  }

  /** The complete objects written after key `after` (all when undefined), in key order, thus in order of creation. */
  async *listAfter(after: string | undefined): AsyncIterable<{ key: string; lastModified: number }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: OBJECTS_PREFIX, ...(token ? { ContinuationToken: token } : after ? { StartAfter: after } : {}) }));
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, lastModified: object.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
