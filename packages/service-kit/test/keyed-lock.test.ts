import { describe, expect, it } from "vitest";
import { KeyedLock } from "../src/index.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("KeyedLock", () => {
  it("runs tasks of one key one at a time, in arrival order, even when one fails", async () => {
    const lock = new KeyedLock();
    const trace: string[] = [];
    const task = (name: string, fail = false) => async () => {
      trace.push(`${name} start`);
      await tick();
      trace.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run("d1", task("a", true)), lock.run("d1", task("b")), lock.run("d1", task("c"))]);
    expect(trace).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
  });

  it("lets different keys run at the same time", async () => {
    const lock = new KeyedLock();
    let running = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++running);
      await tick();
      running--;
    };
    await Promise.all([lock.run("d1", task), lock.run("d2", task), lock.run("d3", task)]);
    expect(most).toBe(3);
  });
});
