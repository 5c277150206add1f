import { describe, expect, it } from "vitest";
import { concurrencyLimit } from "../../src/process/concurrency.js";

describe("concurrencyLimit", () => {
  it("runs at most `limit` calls at once, also when calls start more calls, and passes results and errors through", async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const work = (value: number): Promise<number> =>
      limit(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (value < 0) throw new Error(`bad ${value}`);
        return value * 2;
      });
    const spawning = async (value: number): Promise<number[]> => [await work(value), ...(value < 3 ? await Promise.all([spawning(value + 1), spawning(value + 1)]).then((x) => x.flat()) : [])];
    const results = await spawning(0);
    expect(results).toHaveLength(15);
    expect(most).toBe(2);
    await expect(work(-1)).rejects.toThrow("bad -1");
    expect(await work(5)).toBe(10);
  });
});
