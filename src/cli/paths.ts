// Where kdbt's own files live, from the source tree and from the compiled dist/ alike.
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

/** The package root (the directory holding package.json). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The committed guest kernel image that `kdbt run` boots by default. */
export const DEFAULT_KERNEL = resolve(PACKAGE_ROOT, "guest-kernel/kernel.elf");
