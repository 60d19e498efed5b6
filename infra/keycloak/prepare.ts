// Called by infra/install.sh once the distribution is installed: one Keycloak start that leaves, in
// the distribution folder (.local/keycloak), what makes later start-ups faster:
//   onestop-template/  the H2 database with the realm imported, and the realm file's hash;
//   onestop.aot        with --aot (Java 25+): the JVM AOT cache trained on this start.
// Neither is needed: startKeycloak() imports the realm and runs without the cache when they are absent
// or stale.
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { clientCredentialsGrant, defaultRealmFile, keycloakDistribution, passwordGrant, realmHash, startKeycloak } from "@onestop/devservers";

const aot = process.argv.includes("--aot");
const distribution = keycloakDistribution();
const work = mkdtempSync(join(dirname(distribution), ".keycloak-prepare-"));
const aotFile = join(work, "onestop.aot");
try {
  const started = performance.now();
  const keycloak = await startKeycloak({ dir: work, useTemplate: false, ...(aot ? { aotCacheOutput: aotFile } : {}) });
  console.log(`  Keycloak started in ${Math.round((performance.now() - started) / 100) / 10} s (${keycloak.url})`);
  // Exercise the token paths, so that the AOT cache holds them too.
  await passwordGrant(keycloak.issuer, "onestop-console", "tiepnhan.stp", "onestop-demo");
  await clientCredentialsGrant(keycloak.issuer, "svc-intake", "svc-intake-local-secret");
  // The JVM writes the AOT cache on exit, which takes a while: a generous grace before SIGKILL.
  await keycloak.process.stop(300_000);

  const template = join(distribution, "onestop-template");
  rmSync(template, { recursive: true, force: true });
  cpSync(join(work, "home", "data", "h2"), join(template, "h2"), { recursive: true });
  writeFileSync(join(template, "realm.sha256"), `${realmHash(defaultRealmFile())}\n`);
  if (aot) {
    if (!existsSync(aotFile)) throw new Error(`the JVM wrote no AOT cache; see ${join(work, "keycloak.log")}`);
    renameSync(aotFile, join(distribution, "onestop.aot"));
  }
  rmSync(work, { recursive: true, force: true });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
