import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { assertPortFree, freePort } from "./ports.js";
import { waitFor } from "./wait.js";

export interface ServiceProcess {
  httpUrl: string;
  pid: number;
  /** Sends `signal` without waiting (SIGSTOP / SIGCONT: a frozen process, for fault tests). */
  signal(signal: NodeJS.Signals): void;
  /** Everything the process wrote (when no log file was given), for assertions and failure messages. */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * Runs `services/<name>/src/main.ts` as its own Node process, from source, and waits for
 * `GET /healthz`. Environment entries are added to the parent's; without HTTP_PORT a free port
 * is chosen, and without GRPC_PORT the system picks one (each service's default gRPC port would
 * collide between test files run side by side). With `logFile` the output goes there instead of
 * being kept in memory.
 */
export async function startServiceProcess(name: string, env: Record<string, string>, options: { logFile?: string } = {}): Promise<ServiceProcess> {
  const port = env.HTTP_PORT ? Number(env.HTTP_PORT) : await freePort();
  if (env.HTTP_PORT) await assertPortFree(port, `${name} HTTP`);
  const root = repoRoot();
  const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", join(root, "services", name, "src", "main.ts")], {
    cwd: join(root, "services", name),
    env: { ...process.env, HTTP_PORT: String(port), GRPC_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  } else {
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const httpUrl = `http://127.0.0.1:${port}`;

  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000) => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const died = exited.then((code) => {
    throw new Error(`${name} exited with code ${code} during start-up:\n${options.logFile ? `see ${options.logFile}` : output}`);
  });
  try {
    await Promise.race([
      died,
      waitFor(async () => (await fetch(`${httpUrl}/healthz`)).ok, {
        timeoutMs: 60_000, // generous: two cores under a parallel test run
        intervalMs: 100,
        description: `${name} /healthz`,
      }),
    ]);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  died.catch(() => {}); // exits after start-up are the caller's to observe through stop()
  return { httpUrl, pid: child.pid!, signal: (signal) => void child.kill(signal), output: () => output, stop };
}
