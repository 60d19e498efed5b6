import type { Readable } from "node:stream";
import busboy from "busboy";
import express, { Router, type NextFunction, type Request, type Response } from "express";
import { callerOf, type TokenVerifier } from "@onestop/auth";
import { authenticateLimited, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import type { Digitisation, AcceptedUpload } from "../../app/digitisation.js";
import { documentView } from "../../app/digitisation.js";
import { ValidationError } from "../../app/errors.js";
import { problemOf, sendProblem } from "./problems.js";

export interface RouterDeps {
  digitisation: Digitisation;
  verifier: TokenVerifier;
  limiter: RateLimiter;
  maxUploadBytes: number;
  log: Logger;
}

const wrap =
  (handler: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };

/** The metadata field: a JSON object of at most this many bytes. */
const MAX_METADATA_BYTES = 64 * 1024;

/**
 * REST: `POST /v1/documents` (multipart/form-data: the `metadata` JSON field first, then the
 * `file`; streamed to the object store), the document's metadata, content (streamed), presigned
 * download URL and verification, the citizen's document store (search by the holder's ID number in
 * the body, never in the URL) and reuse, and a dossier's digitisation.
 */
export function digitisationRouter({ digitisation, verifier, limiter, maxUploadBytes, log }: RouterDeps): Router {
  const router = Router();
  router.use("/v1", authenticateLimited(verifier, limiter));
  const json = express.json({ limit: "64kb" });

  router.post("/v1/documents", (req, res) => void upload(digitisation, maxUploadBytes, log, req, res));

  router.get(
    "/v1/documents/:id",
    wrap(async (req, res) => {
      res.json(documentView(await digitisation.get(callerOf(req, res), String(req.params.id))));
    }),
  );

  router.get(
    "/v1/documents/:id/content",
    wrap(async (req, res) => {
      const { stored, body } = await digitisation.content(callerOf(req, res), String(req.params.id));
      res.status(200).type(stored.document.content.mediaType).set("Content-Length", String(stored.document.content.size));
      res.set("X-Content-SHA256", stored.document.content.sha256);
      body.on("error", () => res.destroy());
      body.pipe(res);
    }),
  );

  router.get(
    "/v1/documents/:id/download-url",
    wrap(async (req, res) => {
      res.json(await digitisation.downloadUrl(callerOf(req, res), String(req.params.id)));
    }),
  );

  router.post(
    "/v1/documents/:id/verify",
    wrap(async (req, res) => {
      res.json(await digitisation.verify(callerOf(req, res), String(req.params.id)));
    }),
  );

  router.post(
    "/v1/reusable-documents/search",
    json,
    wrap(async (req, res) => {
      const found = await digitisation.findReusable(callerOf(req, res), req.body);
      res.json({ documents: found.map(documentView) });
    }),
  );

  router.post(
    "/v1/dossiers/:code/reuses",
    json,
    wrap(async (req, res) => {
      const { created, reuse } = await digitisation.recordReuse(callerOf(req, res), String(req.params.code), req.body);
      const { outbox: _outbox, pending: _pending, ...view } = reuse;
      res.status(created ? 201 : 200).json(view);
    }),
  );

  router.put(
    "/v1/dossiers/:code/components",
    json,
    wrap(async (req, res) => {
      res.json(await digitisation.declareComponents(callerOf(req, res), String(req.params.code), req.body));
    }),
  );

  router.get(
    "/v1/dossiers/:code/digitisation",
    wrap(async (req, res) => {
      res.json(await digitisation.dossierDigitisation(callerOf(req, res), String(req.params.code)));
    }),
  );

  return router;
}

/**
 * A multipart upload, streamed: the metadata is checked (and the caller's right) before the
 * file's first byte is read; the file goes through the checks to the object store. A refusal is
 * answered once the request has been read (discarded, never kept), so the client sees the answer.
 */
async function upload(digitisation: Digitisation, maxUploadBytes: number, log: Logger, req: Request, res: Response): Promise<void> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fields: 4, fieldSize: MAX_METADATA_BYTES, fileSize: maxUploadBytes + 1, parts: 6 } });
  } catch {
    return refuse(req, res, new ValidationError([{ path: "(body)", message: "cần multipart/form-data gồm trường metadata rồi đến tệp (file)" }]));
  }
  let accepted: Promise<AcceptedUpload> | undefined;
  let sawFile = false;
  let settled = false;
  const finish = (error: unknown, answer?: () => void) => {
    if (settled) return;
    settled = true;
    if (error !== undefined) {
      if (problemOf(error).status === 500) log.error("upload failed", { error });
      return refuse(req, res, error);
    }
    answer!();
  };

  parser.on("field", (name, value, info) => {
    if (name !== "metadata" || accepted) return;
    if (info.valueTruncated) return finish(new ValidationError([{ path: "metadata", message: `thông tin kèm theo dài quá ${MAX_METADATA_BYTES} byte` }]));
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch {
      return finish(new ValidationError([{ path: "metadata", message: "không phải JSON hợp lệ" }]));
    }
    accepted = digitisation.accept(callerOf(req, res), raw);
    accepted.catch(() => undefined);
  });

  parser.on("file", (name, file: Readable) => {
    if (name !== "file" || sawFile || settled) {
      file.resume();
      return;
    }
    sawFile = true;
    if (!accepted) {
      file.resume();
      return finish(new ValidationError([{ path: "metadata", message: "thiếu thông tin kèm theo: trường metadata phải đứng trước tệp" }]));
    }
    accepted
      .then((ok) => digitisation.upload(ok, file))
      .then(
        ({ created, stored }) => finish(undefined, () => res.status(created ? 201 : 200).json(documentView(stored))),
        (error: unknown) => {
          file.resume();
          finish(error);
        },
      );
  });

  parser.on("close", () => {
    if (!sawFile)
      finish(
        new ValidationError(
          accepted
            ? [{ path: "file", message: "thiếu tệp" }]
            : [
                { path: "metadata", message: "thiếu thông tin kèm theo (metadata)" },
                { path: "file", message: "thiếu tệp" },
              ],
        ),
      );
  });
  parser.on("error", () => finish(new ValidationError([{ path: "(body)", message: "nội dung multipart không đọc được" }])));
  req.pipe(parser);
}

/** Answers the problem after discarding the rest of the request body (at most a bounded time). */
function refuse(req: Request, res: Response, error: unknown): void {
  const problem = problemOf(error);
  if (req.complete) return sendProblem(res, problem);
  req.unpipe();
  const timer = setTimeout(() => sendProblem(res, problem), 10_000);
  req.once("end", () => {
    clearTimeout(timer);
    sendProblem(res, problem);
  });
  req.resume();
}
