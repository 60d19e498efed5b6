// Prints the NATS users and permissions of the platform for an operator (pnpm --filter @onestop/contracts nats-permissions):
//   (no argument)   nats-server's `authorization { users: [...] }` block; each password is a variable
//                   reference ($NATS_PASSWORD_INTAKE, …) that nats-server resolves from its environment
//                   (or replace it with a bcrypt hash: `nats server passwd`)
//   --json          the same users and permissions as JSON, for another tool
// REPORTING_CONSUMER names reporting's durable base when it is not the default (reporting-facts).
// The harness user is never printed: it exists only on test and local servers.
import { natsAccounts, passwordVariableOf, renderNatsAuthorization } from "../src/nats-permissions.js";

const accounts = natsAccounts({ ...(process.env.REPORTING_CONSUMER ? { reportingConsumer: process.env.REPORTING_CONSUMER } : {}) });
if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
} else {
  process.stdout.write(`# Generated from packages/contracts/src/nats-permissions.ts; clients connect with NATS_USER / NATS_PASSWORD.\n`);
  process.stdout.write(`# Passwords: set ${accounts.map((account) => passwordVariableOf(account.user)).join(", ")} in nats-server's environment.\n`);
  process.stdout.write(`${renderNatsAuthorization(accounts.map((account) => ({ user: account.user, password: `$${passwordVariableOf(account.user)}`, permissions: account.permissions })))}\n`);
}
