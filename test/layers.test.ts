/**
 * The folder layers (eslint.config.mjs lists them too): every relative import of components/, stacks/
 * and tools/ is read from the sources, resolved to its folder, and the folder graph must have no cycle
 * and point only downwards. The pure folders import nothing from @pulumi.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { sourceFiles } from "./support/sources";

const ROOT = path.resolve(__dirname, "..");

/** Rank of each folder (a folder's subfolders share its rank unless listed); imports go to a lower rank or stay in the folder. */
const RANKS: [string, number][] = [
    ["components/topology", 0],
    ["components/axonserver/render", 1],
    ["components/platform", 1],
    ["components/aws", 2],
    ["components/gcp", 2],
    ["components/backup", 3],
    ["components/connectivity", 3],
    ["components/axonserver", 4],
    ["components/kubernetes", 5],
    ["components/vm", 5],
    ["stacks", 6],
    ["tools", 7],
];
/** Folders that must not import @pulumi (they run without the Pulumi runtime). */
const PURE = ["components/topology", "components/axonserver/render"];

function rankOf(folder: string): [string, number] | undefined {
    const matches = RANKS.filter(([f]) => folder === f || folder.startsWith(`${f}/`));
    return matches.sort((a, b) => b[0].length - a[0].length)[0];
}

interface Import {
    from: string;
    to: string;
    spec: string;
}

const sources = (dir: string): string[] => sourceFiles(dir, /\.(ts|mts|cts)$/);

/** Static imports, re-exports, `import()` and `require()` of one file. */
function specifiers(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const re = /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/gm;
    return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

const FILES = ["components", "stacks", "tools"].flatMap(sources);
const IMPORTS: Import[] = FILES.flatMap((file) =>
    specifiers(file).map((spec) => ({
        from: file,
        spec,
        to: spec.startsWith(".") ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : spec,
    })),
);
const RELATIVE = IMPORTS.filter((i) => i.spec.startsWith("."));
const folder = (p: string) => path.posix.dirname(p);

/** Strongly connected components of more than one folder (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const out: string[][] = [];
    const visit = (v: string) => {
        idx.set(v, index);
        low.set(v, index++);
        stack.push(v);
        on.add(v);
        for (const w of edges.get(v) ?? []) {
            if (!idx.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
        }
        if (low.get(v) === idx.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                on.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1) out.push(scc.sort());
        }
    };
    for (const v of edges.keys()) if (!idx.has(v)) visit(v);
    return out;
}

describe("folder layers", () => {
    it("reads the imports of every source file", () => {
        assert.ok(FILES.length > 50, `${FILES.length} files`);
        assert.ok(RELATIVE.some((i) => i.from === "stacks/program.ts" && i.to === "stacks/config"), "a known import is found");
        assert.deepEqual(
            RELATIVE.filter((i) => i.to.startsWith("..")).map((i) => `${i.from}: ${i.spec}`),
            [],
            "no import leaves the repository",
        );
    });

    it("has no import cycle between folders", () => {
        const edges = new Map<string, Set<string>>();
        for (const i of RELATIVE) {
            const [a, b] = [folder(i.from), folder(i.to)];
            if (a === b) continue;
            if (!edges.has(a)) edges.set(a, new Set());
            edges.get(a)!.add(b);
        }
        const found = cycles(edges).map((scc) => {
            const inside = RELATIVE.filter((i) => folder(i.from) !== folder(i.to) && scc.includes(folder(i.from)) && scc.includes(folder(i.to)));
            return `${scc.join(" <-> ")}:\n    ${inside.map((i) => `${i.from} imports ${i.spec}`).join("\n    ")}`;
        });
        assert.deepEqual(found, []);
    });

    it("has no import cycle between the files of components/topology (a cycle makes a module see another's exports undefined while both load)", () => {
        const TOPOLOGY = "components/topology";
        /** The file a relative specifier names: `<path>.ts`, else `<path>/index.ts`. */
        const fileOf = (to: string) => [`${to}.ts`, `${to}/index.ts`, to].find((f) => fs.existsSync(path.join(ROOT, f))) ?? to;
        const edges = new Map<string, Set<string>>();
        for (const i of RELATIVE) {
            const to = fileOf(i.to);
            if (!i.from.startsWith(`${TOPOLOGY}/`) || !to.startsWith(`${TOPOLOGY}/`)) continue;
            if (!edges.has(i.from)) edges.set(i.from, new Set());
            edges.get(i.from)!.add(to);
        }
        assert.ok(edges.get(`${TOPOLOGY}/load.ts`)?.has(`${TOPOLOGY}/model.ts`), "a known import between topology files is found");
        const found = cycles(edges).map((scc) => {
            const inside = RELATIVE.filter((i) => scc.includes(i.from) && scc.includes(fileOf(i.to)));
            return `${scc.join(" <-> ")}:\n    ${inside.map((i) => `${i.from} imports ${i.spec}`).join("\n    ")}`;
        });
        assert.deepEqual(found, []);
    });

    it("imports only downwards: every folder has a layer, and imports go to a lower one or stay in the folder's own", () => {
        const unranked = [...new Set(FILES.map(folder).filter((f) => !rankOf(f)))];
        assert.deepEqual(unranked, [], "add new top-level folders to RANKS (and eslint.config.mjs)");
        const upward = RELATIVE.filter((i) => {
            const [fa, ra] = rankOf(folder(i.from))!;
            const [fb, rb] = rankOf(folder(i.to)) ?? ["?", Infinity];
            return fa !== fb && rb >= ra;
        }).map((i) => `${i.from} imports ${i.spec}`);
        assert.deepEqual(upward, []);
    });

    it("keeps the pure folders free of @pulumi", () => {
        const offending = IMPORTS.filter((i) => PURE.some((p) => i.from.startsWith(`${p}/`)) && i.to.startsWith("@pulumi/")).map((i) => `${i.from} imports ${i.spec}`);
        assert.deepEqual(offending, []);
    });

    it("matches the README's folder diagram, arrow for arrow", () => {
        // Units of the diagram: the topology and tools folders with their subfolders, every other folder as is.
        const unit = (dir: string) => (dir.startsWith("components/topology") ? "components/topology" : dir.startsWith("tools") ? "tools" : dir);
        const actual = new Set(RELATIVE.map((i) => [unit(folder(i.from)), unit(folder(i.to))]).filter(([a, b]) => a !== b).map(([a, b]) => `${a} --> ${b}`));
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const blocks = [...readme.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
        const diagrams = blocks.map((text) => {
            const ids = new Map([...text.matchAll(/(\w+)\["(components\/[\w/]+|stacks|tools)"\]/g)].map((m) => [m[1], m[2]]));
            const edges = [...text.matchAll(/^\s*(\w+)(?:\[[^\]]*\])?\s*-->\s*(\w+)(?:\[[^\]]*\])?\s*$/gm)]
                .filter((m) => ids.has(m[1]) && ids.has(m[2]))
                .map((m) => `${ids.get(m[1])} --> ${ids.get(m[2])}`);
            return new Set(edges);
        });
        const diagram = diagrams.find((d) => d.size > 0);
        assert.ok(diagram, "README.md has a Mermaid diagram of the folders");
        assert.deepEqual({ missing: [...actual].filter((e) => !diagram.has(e)).sort(), extra: [...diagram].filter((e) => !actual.has(e)).sort() }, { missing: [], extra: [] });
    });

    it("no source points at documents outside the repository (public URLs and provider source paths are fine)", () => {
        // Built from pieces so this file does not match itself.
        const outside = new RegExp(["reference \u00a7", "pulumi\\.md", "axonserver\\.md", "real-engine\\.md", "design decision", "/work/", "review finding", "the review'", 'seed "', "seed lesson"].join("|"), "i");
        const files = [...FILES, ...sources("test")].filter((f) => !f.endsWith("layers.test.ts"));
        const hits = files.flatMap((f) =>
            fs.readFileSync(path.join(ROOT, f), "utf8").split("\n").flatMap((line, i) => (outside.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
        );
        assert.deepEqual(hits, []);
    });

    it("every source file opens with a comment saying what it owns", () => {
        const bare = FILES.filter((f) => !/^\s*(\/\*\*|\/\/)/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
        assert.deepEqual(bare, []);
    });

    it("would catch a cycle (the check itself)", () => {
        const edges = new Map([
            ["components/aws", new Set(["components/platform"])],
            ["components/platform", new Set(["components/kubernetes"])],
            ["components/kubernetes", new Set(["components/aws"])],
            ["components/vm", new Set(["components/aws"])],
        ]);
        assert.deepEqual(cycles(edges), [["components/aws", "components/kubernetes", "components/platform"]]);
    });
});
