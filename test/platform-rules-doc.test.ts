/**
 * docs/platform-rules.md names, for every platform rule, the functions that enforce it and the tests that
 * hold the program to it. A renamed function or test would leave the table pointing at nothing: every
 * backticked identifier of its "where the program enforces it" column must occur in the program's source,
 * and every quoted test title of its "tests" column must be the title of a test.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") || e.name === "golden" ? [] : tsFiles(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

const read = (files: string[]) => files.map((f) => fs.readFileSync(path.join(ROOT, f), "utf8")).join("\n");

/** Test titles as written: plain strings, and template literals with `${…}` standing for any text. */
function testTitles(source: string): RegExp[] {
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const titles: RegExp[] = [];
    for (const m of source.matchAll(/\bit\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`((?:[^`\\]|\\.)*)`)/g)) {
        if (m[3] !== undefined) titles.push(new RegExp(`^${m[3].split(/\$\{[^}]*\}/).map(escape).join(".+")}$`));
        else titles.push(new RegExp(`^${escape(JSON.parse(`"${m[1] ?? m[2].replace(/"/g, '\\"')}"`))}$`));
    }
    return titles;
}

/** The table rows of the document: [rule, platform source, where the program enforces it, tests]. */
function rows(markdown: string): string[][] {
    return markdown
        .split("\n")
        .filter((l) => l.startsWith("| ") && !l.startsWith("| rule |"))
        .map((l) => l.slice(2, -2).split(" | "));
}

describe("docs/platform-rules.md points at code and tests that exist", () => {
    const table = rows(fs.readFileSync(path.join(ROOT, "docs/platform-rules.md"), "utf8"));
    const source = read([...tsFiles("components"), ...tsFiles("stacks"), ...tsFiles("tools"), ...tsFiles("test/support")]);
    const titles = testTitles(read(tsFiles("test")));

    it("has rows, each with the four columns", () => {
        assert.ok(table.length > 30);
        for (const r of table) assert.equal(r.length, 4, r[0]);
    });

    it("names only functions, constants and properties the source has", () => {
        const missing = table.flatMap((r) => [...r[2].matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]).filter((id) => !new RegExp(`\\b${id}\\b`).test(source)));
        assert.deepEqual(missing, []);
    });

    it("quotes only test titles that exist", () => {
        const quoted = table.flatMap((r) => [...r[3].matchAll(/"([^"]+)"/g)].map((m) => m[1]));
        assert.ok(quoted.length > 50);
        assert.deepEqual(
            quoted.filter((q) => !titles.some((t) => t.test(q))),
            [],
        );
    });

    it("fails on a name that does not exist (the check itself)", () => {
        assert.ok(!new RegExp("\\bgkeMaintenanceWindowIssue\\b").test(source));
        assert.ok(!titles.some((t) => t.test("a test nobody wrote")));
        assert.ok(titles.some((t) => t.test("prod passes every platform limit and the capacity check without warnings")), "template titles match with their variable parts");
    });
});
