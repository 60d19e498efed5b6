import type { Readable } from "node:stream";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
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
}

/** Multipart part size (S3's minimum) and parts in flight: an upload holds at most their product in memory. */
export const PART_BYTES = 5 * 1024 * 1024;
export const PARTS_IN_FLIGHT = 2;

export const INCOMING_PREFIX = "incoming/";

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.S3_REGION,
    forcePathStyle: settings.S3_FORCE_PATH_STYLE,
    ...(settings.S3_ENDPOINT ? { endpoint: settings.S3_ENDPOINT } : {}),
    ...(settings.S3_ACCESS_KEY_ID && settings.S3_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: settings.S3_ACCESS_KEY_ID, secretAccessKey: settings.S3_SECRET_ACCESS_KEY } } : {}),
    // Checksums of every request body only when the operation requires one (SDK default since 3.729
    // is "when supported", which not every S3-compatible server accepts).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
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

  async writeIncoming(body: Readable): Promise<string> {
    const key = `${INCOMING_PREFIX}${uuidv7()}`;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
    return key;
  }

  async promote(incomingKey: string, contentKey: string, mediaType: string): Promise<"stored" | "duplicate"> {
    const exists = await this.exists(contentKey);
    if (!exists) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: contentKey,
          CopySource: `${this.bucket}/${incomingKey}`,
          ContentType: mediaType,
          MetadataDirective: "REPLACE",
        }),
      );
    }
    await this.discard(incomingKey);
    return exists ? "duplicate" : "stored";
  }

  async discard(incomingKey: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: incomingKey }));
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

  /**
   * Temporary objects and unfinished multipart uploads older than `olderThanMs` (left by uploads a
   * crash cut short), removed.
   */
  async sweepIncoming(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    do {
      const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: INCOMING_PREFIX, KeyMarker: keyMarker, UploadIdMarker: uploadMarker }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId && upload.Initiated && now - upload.Initiated.getTime() > olderThanMs) {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          removed++;
        }
      }
      [keyMarker, uploadMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (keyMarker);
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: INCOMING_PREFIX, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key && object.LastModified && now - object.LastModified.getTime() > olderThanMs) {
          await this.discard(object.Key);
          removed++;
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}
