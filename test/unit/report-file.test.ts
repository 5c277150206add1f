import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ReportWriteError, writeFileWhole, writeStepFiles } from "../../src/runner/report-file.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "report-file-"));
  dirs.push(dir);
  return dir;
}

describe("writeFileWhole", () => {
  it("never replaces a file that appeared at the path after it was checked, and leaves no temporary file", async () => {
    const dir = tempDir();
    const path = join(dir, "scan.sarif");
    writeFileSync(path, "not yours\n");
    await expect(writeFileWhole(path, "{}\n")).rejects.toMatchObject({ code: "EEXIST" });
    expect(readFileSync(path, "utf8")).toBe("not yours\n");
    expect(readdirSync(dir)).toEqual(["scan.sarif"]);
  });
});

describe("writeStepFiles", () => {
  it("removes the files it wrote when a later one fails, the step directory too", async () => {
    const dir = tempDir();
    const taken = join(dir, "taken.sarif");
    writeFileSync(taken, "not yours\n");
    const error = await writeStepFiles(join(dir, "nix-fleet"), "secret-scan", [
      { name: "secret-scan-report.json", content: '{"result":"clean"}\n' },
      { name: "secret-scan.sarif", content: "{}\n", path: taken },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportWriteError);
    expect((error as Error).message).toContain(`The secret-scan report could not be written to ${taken}: EEXIST`);
    expect(readdirSync(join(dir, "nix-fleet"))).toEqual([]);
    expect(readFileSync(taken, "utf8")).toBe("not yours\n");
  });

  it("writes every file, those without a path into one fresh step directory", async () => {
    const dir = tempDir();
    const [report, sarif] = await writeStepFiles(dir, "secret-scan", [
      { name: "secret-scan-report.json", content: "1\n" },
      { name: "secret-scan.sarif", content: "2\n" },
    ]);
    expect(report).toMatch(new RegExp(`^${dir}/secret-scan-\\w+/secret-scan-report.json$`));
    expect(sarif).toBe(join(report as string, "..", "secret-scan.sarif"));
    expect([readFileSync(report as string, "utf8"), readFileSync(sarif as string, "utf8")]).toEqual(["1\n", "2\n"]);
  });
});
