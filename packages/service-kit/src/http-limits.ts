import { STATUS_CODES, type Server } from "node:http";
import type { Socket } from "node:net";
import type { RequestHandler } from "express";

/**
 * Bounds on what a request may carry, the same in every service. Bodies are limited by each
 * parser (intake: BODY_LIMIT); a declared Content-Length above MAX_BODY_BYTES is refused here
 * before anything reads it. Header fields are bounded by Node (16 KiB in all), answered 431 here too.
 */
export const REQUEST_LIMITS = {
  /** Path and query, in bytes as sent. */
  maxUrlLength: 8 * 1024,
  maxQueryParameters: 64,
  maxBodyBytes: 256 * 1024,
} as const;

/** gRPC servers: the largest request message they take (the REST body limit), set explicitly rather than grpc-js' 4 MiB. */
export const GRPC_SERVER_OPTIONS = {
  "grpc.max_receive_message_length": REQUEST_LIMITS.maxBodyBytes,
  "grpc.max_metadata_size": 16 * 1024,
} as const;

const problem = (status: number, title: string, detail: string, errors?: Array<{ path: string; message: string }>) => ({
  type: status === 404 ? "urn:onestop:problem:not-found" : status === 400 ? "urn:onestop:problem:invalid-request" : "urn:onestop:problem:too-large",
  title,
  status,
  detail,
  ...(errors ? { errors } : {}),
});

/** Mounted first: refuses an overlong URL (414), too many query parameters (400) and a declared oversized body (413). */
export function requestLimits(limits: typeof REQUEST_LIMITS = REQUEST_LIMITS): RequestHandler {
  return (req, res, next) => {
    const send = (status: number, body: object) => res.status(status).type("application/problem+json").json(body);
    if (req.originalUrl.length > limits.maxUrlLength) {
      return void send(414, problem(414, "URI Too Long", `the path and query may have at most ${limits.maxUrlLength} characters`));
    }
    const query = req.originalUrl.indexOf("?");
    if (query >= 0) {
      const count = req.originalUrl
        .slice(query + 1)
        .split("&")
        .filter((part) => part !== "").length;
      if (count > limits.maxQueryParameters) {
        return void send(
          400,
          problem(400, "Invalid request", `at most ${limits.maxQueryParameters} query parameters`, [{ path: "(query)", message: `at most ${limits.maxQueryParameters} parameters` }]),
        );
      }
    }
    const length = Number(req.get("content-length") ?? 0);
    if (length > limits.maxBodyBytes) {
      return void send(413, problem(413, "Payload too large", `the body may have at most ${limits.maxBodyBytes} bytes`));
    }
    next();
  };
}

/** Mounted last: any other path is a 404 problem, not express' HTML page. */
export const notFoundProblem: RequestHandler = (req, res) => {
  res
    .status(404)
    .type("application/problem+json")
    .json(problem(404, "Not found", `no ${req.method} ${req.path.slice(0, 200)}`));
};

/**
 * Requests Node refuses before express sees them (header fields too large, malformed request
 * line) are answered with a problem too, then the connection is closed.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_HEADERS_TIMEOUT" ? 408 : 400;
    const title = STATUS_CODES[status] ?? "Bad Request";
    // A HEAD answer has no body: the client would take one for the next response.
    const head = (error as { rawPacket?: Buffer }).rawPacket?.toString("latin1", 0, 5) === "HEAD ";
    const body = head
      ? ""
      : JSON.stringify(
          problem(
            status,
            title,
            status === 431 ? "the request's header fields are too large" : status === 408 ? "the request took too long" : "malformed HTTP request",
            status === 400 ? [{ path: "(request)", message: "malformed HTTP request" }] : undefined,
          ),
        );
    socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${head ? 0 : Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
