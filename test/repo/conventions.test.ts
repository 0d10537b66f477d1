// The code habits the project holds itself to (conventions.md), checked so they cannot quietly erode.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules" || name === "dist" || name === "build") continue;
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

const sources = tsFiles(join(ROOT, "src"));
const all = [...sources, ...tsFiles(join(ROOT, "test")), ...tsFiles(join(ROOT, "guest-kernel"))];

describe("conventions", () => {
  it("no `any` type anywhere in TypeScript (strict typing, conventions §14)", () => {
    const offenders: string[] = [];
    for (const f of all) {
      const sf = ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.ES2022, true);
      const visit = (n: ts.Node): void => {
        if (n.kind === ts.SyntaxKind.AnyKeyword) offenders.push(`${relative(ROOT, f)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(offenders).toEqual([]);
  });

  it("every source file starts with a one-line header saying what it is for (conventions §9)", () => {
    const offenders = sources
      .filter((f) => {
        const lines = readFileSync(f, "utf8").split("\n");
        const first = lines[0]!.startsWith("#!") ? lines[1]! : lines[0]!;
        return !first.startsWith("// ");
      })
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it("file names are kebab-case", () => {
    const offenders = all.map((f) => relative(ROOT, f)).filter((f) => !/^[a-z0-9][a-z0-9.-]*\.ts$/.test(f.split("/").pop()!));
    expect(offenders).toEqual([]);
  });
});
