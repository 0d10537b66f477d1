// Optional external tools: tests that need one are skipped with a printed reason when it is missing.
import { spawnSync } from "node:child_process";

const seen = new Map<string, boolean>();

/** Is `tool` runnable? Prints "skipped: <reason>" once per missing tool so a skip is never silent. */
export function haveTool(tool: string, purpose: string): boolean {
  let ok = seen.get(tool);
  if (ok === undefined) {
    const r = spawnSync(tool, ["--version"], { stdio: "ignore" });
    ok = r.error === undefined && r.status === 0;
    seen.set(tool, ok);
    if (!ok) process.stderr.write(`skipped: ${purpose} (${tool} is not installed; .ci/run installs it)\n`);
  }
  return ok;
}
