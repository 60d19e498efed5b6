/** The roles a token may carry (realm roles in Keycloak); see the README's table of what each may do. */
export const ROLES = ["desk_officer", "processing_officer", "province_operator", "reporting_viewer", "sector_system", "service"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as the verified token says. Never holds a citizen's personal data. */
export interface Principal {
  /** The token's `sub`: stable across renames. */
  subject: string;
  username?: string;
  /** A person signed in, or a system holding a service account (client credentials). */
  kind: "user" | "service";
  roles: readonly Role[];
  /** Mã định danh of the caller's agency (officers, agency-wide viewers, sector systems). */
  agencyCode?: string;
  /** The province's 2-digit unit code (province operators, province-wide viewers). */
  unitCode?: string;
}

/** Builds the principal from verified claims: top-level `roles`, else Keycloak's `realm_access.roles`; unknown roles are ignored. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const listed = stringList(claims.roles) ?? stringList((claims.realm_access as { roles?: unknown } | undefined)?.roles) ?? [];
  const roles = ROLES.filter((role) => listed.includes(role));
  const username = text(claims.preferred_username);
  const agencyCode = text(claims.agency_code);
  const unitCode = text(claims.unit_code);
  return {
    subject: text(claims.sub) ?? "",
    ...(username ? { username } : {}),
    // Keycloak names service-account users "service-account-<client>"; other providers mark client-credentials tokens by a missing username.
    kind: roles.includes("service") || roles.includes("sector_system") || username?.startsWith("service-account-") ? "service" : "user",
    roles,
    ...(agencyCode ? { agencyCode } : {}),
    ...(unitCode ? { unitCode } : {}),
  };
}

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes(role);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
}

/** A principal and where the call came from: what the audit record says of every request. */
export interface Caller {
  principal: Principal;
  from: { transport: "rest" | "grpc" | "nats"; address?: string };
}
