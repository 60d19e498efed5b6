import { InterceptingCall, status, type Interceptor, type Metadata } from "@grpc/grpc-js";
import { AuthenticationError, ForbiddenError } from "./errors.js";
import type { Caller } from "./principal.js";
import { bearerToken, type TokenVerifier } from "./verifier.js";

/** The caller of a call's `authorization: Bearer …` metadata, or AuthenticationError. */
export function authenticateCall(verifier: TokenVerifier, call: { metadata: Metadata; getPeer(): string }): Promise<Caller> {
  return Promise.resolve().then(async () => {
    const [value] = call.metadata.get("authorization");
    const principal = await verifier.verify(bearerToken(typeof value === "string" ? value : undefined));
    return { principal, from: { transport: "grpc", address: call.getPeer() } };
  });
}

/** UNAUTHENTICATED (without detail) or PERMISSION_DENIED for auth failures; undefined for any other error. */
export function authStatusOf(error: unknown): { code: status; details: string } | undefined {
  if (error instanceof AuthenticationError) return { code: status.UNAUTHENTICATED, details: "Cần mã truy cập (bearer token) hợp lệ" };
  if (error instanceof ForbiddenError) return { code: status.PERMISSION_DENIED, details: error.message };
  return undefined;
}

/** For gRPC clients: sends `authorization: Bearer <token>` with every call (the token read per call, so it can be renewed). */
export function bearerInterceptor(token: () => string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token()}`);
        next(metadata, listener);
      },
    });
}
