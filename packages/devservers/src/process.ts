import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, for failure tests. */
  kill(): Promise<void>;
}

/** Spawns a server with its output appended to `logFile`; `env` is added to the parent's environment. */
export function spawnServer(name: string, binary: string, args: string[], logFile: string, env?: Record<string, string>): ServerProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], ...(env ? { env: { ...process.env, ...env } } : {}) });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  if (child.pid === undefined) throw new Error(`${name} did not start (${binary})`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;

  async function terminate(graceMs: number): Promise<void> {
    if (!isRunning()) return;
    child.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  return {
    name,
    pid: child.pid,
    logFile,
    exited,
    stop: (graceMs = 5_000) => terminate(graceMs),
    kill: () => terminate(0),
  };
}

/** Waits for `ready`, failing at once (with the log's path) if the server exits first. */
export async function untilReady<T>(server: ServerProcess, ready: Promise<T>): Promise<T> {
  const died = server.exited.then(() => {
    throw new Error(`${server.name} exited during start-up; see ${server.logFile}`);
  });
  try {
    return await Promise.race([ready, died]);
  } catch (error) {
    await server.stop();
    throw error;
  }
}
