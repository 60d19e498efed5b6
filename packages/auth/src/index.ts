export { ROLES, hasRole, principalFromClaims, type Caller, type Principal, type Role } from "./principal.js";
export { AuthenticationError, ForbiddenError } from "./errors.js";
export { bearerToken, createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from "./verifier.js";
export { Jurisdiction, type DossierHolders, type ReportScopeRequest } from "./jurisdiction.js";
export { authenticate, authProblemOf, callerOf, principalOf } from "./http.js";
export { authenticateCall, authStatusOf, bearerInterceptor } from "./grpc.js";
export { clientCredentials, tokenSourceFromEnv, type TokenSource } from "./client-token.js";
