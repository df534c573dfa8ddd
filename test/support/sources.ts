/**
 * The repository's own source files, for the tests that read code instead of running it (folder layers,
 * option docs, label keys): one walker, so each test sees the same files.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, "../..");

/**
 * Every file under `dir` (relative to the repository root, posix separators) whose name matches
 * `names`; declaration files (`.d.ts`) never.
 */
export function sourceFiles(dir: string, names: RegExp = /\.ts$/): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = path.posix.join(dir, e.name);
        if (e.isDirectory()) out.push(...sourceFiles(rel, names));
        else if (names.test(e.name) && !e.name.endsWith(".d.ts")) out.push(rel);
    }
    return out;
}
