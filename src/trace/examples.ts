// The example traces shipped in traces/ (one per guest-kernel workload); `npm run traces:record` re-records them.
//
// Each is exactly what `kdbt record -o traces/<name>.trace.jsonl --cmdline "<cmdline>"` writes
// (the bundled kernel, native mode, the icount cost model, 128 MiB), so the files can be checked
// byte for byte against a fresh recording: test/trace/examples.test.ts does, and replays each
// natively and in precise mode. Iteration counts are small to keep each file a few kilobytes.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadCostModel } from "../cost/model.js";
import { GuestStop, InternalError } from "../errors.js";
import { Machine } from "../machine/machine.js";
import { DEFAULT_KERNEL } from "../cli/paths.js";
import { startRunTrace, stopOf } from "./recorder.js";

export const EXAMPLES_DIR = fileURLToPath(new URL("../../traces/", import.meta.url));

/** The command that re-records the committed examples (quoted in the staleness test's failure). */
export const EXAMPLES_WRITE_COMMAND = "npm run traces:record";

/**
 * One per workload. The ring-0 loops (callret, ptewrite, io, smc) take no interrupt at all: their
 * traces are a header and an end line, and a replay checks that the run ends the same way.
 * timer and ctxswitch run the PIT at its fastest rate so that interrupts land in kernel code.
 */
export const EXAMPLES: readonly { name: string; cmdline: string }[] = Object.entries({
  compute: "iters=1000",
  syscall: "iters=20",
  copy: "iters=20",
  pagefault: "iters=20",
  divzero: "iters=20",
  fixup: "iters=20",
  timer: "iters=60 hz=200000",
  ctxswitch: "iters=20 hz=200000",
  callret: "iters=100",
  ptewrite: "iters=50",
  io: "iters=100",
  smc: "iters=20",
}).map(([name, args]) => ({ name, cmdline: `workload=${name} ${args}` }));

export function examplePath(name: string, dir: string = EXAMPLES_DIR): string {
  return `${dir.replace(/\/$/, "")}/${name}.trace.jsonl`;
}

/** Record `cmdline` on the bundled kernel to `path`, as `kdbt record` does with its defaults. */
export function recordExample(cmdline: string, path: string): void {
  const image = readFileSync(DEFAULT_KERNEL);
  const cost = loadCostModel("icount");
  const kernelName = basename(DEFAULT_KERNEL);
  const machine = new Machine({ kernelImage: image, kernelName, cmdline, cost });
  const recorder = startRunTrace(machine, path, { kernelImage: image, kernelPath: DEFAULT_KERNEL, kernelName, cmdline, mode: "native", asyncPolicy: "rollback", cost, ramMiB: 128 });
  let failure: GuestStop | null = null;
  try {
    if (machine.run().reason !== "exit") throw new InternalError("a run without a cycle limit stopped before the guest exited");
  } catch (e) {
    if (!(e instanceof GuestStop)) {
      recorder.abort();
      throw e;
    }
    failure = e;
  }
  recorder.finish(stopOf(failure));
}

// Run as a script: `--write` re-records every example into traces/.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv.includes("--write")) {
    process.stderr.write(`usage: ${EXAMPLES_WRITE_COMMAND} (tsx src/trace/examples.ts --write)\n`);
    process.exitCode = 64;
  } else {
    for (const e of EXAMPLES) {
      recordExample(e.cmdline, examplePath(e.name));
      process.stdout.write(`wrote ${examplePath(e.name)} (${e.cmdline})\n`);
    }
  }
}
