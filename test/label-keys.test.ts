/**
 * Label, tag and annotation keys come from one place (components/topology/identity.ts, used through
 * components/platform/labels.ts): read with the TypeScript compiler API, no other source file spells a key
 * of ours (`axonserver-environment`, `axonserver-multiregion/…`) or a Kubernetes recommended label
 * (`app.kubernetes.io/…`) as a string, and no label or tag map names a key of its own literally. Keys
 * a platform defines are fine: AWS's `Name` tag (the console's display name, docs.aws.amazon.com "Tag
 * your Amazon EC2 resources") and prefixed Kubernetes keys such as `kubernetes.io/hostname`
 * (kubernetes.io/docs/reference/labels-annotations-taints). components/topology creates no resources:
 * its `tags` are Axon Server node tags, not labels; the e2e test bed labels kwok's fake nodes with kwok's
 * own `type: kwok`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { sourceFiles } from "./support/sources";

const ROOT = path.resolve(__dirname, "..");
/** The one place. */
const HOME = "components/topology/identity.ts";

/**
 * Files other work is still changing; checked once they are done. Shrinks to empty: a listed file that
 * passes fails the last test, so it cannot stay listed.
 */
const NOT_YET: ReadonlySet<string> = new Set<string>([]);

/** Strings that are keys of ours or Kubernetes recommended label keys. */
const KEY_TEXT = /^(app\.kubernetes\.io\/[a-z-]+|axonserver-(environment|site|node|volume)|axonserver-multiregion\/[a-z-]+)$/;
/** Properties and variables that hold a label or tag map (`defaultTags` holds `{ tags }`). */
const MAP_NAME = /^(?!defaultTags$)(labels|tags|\w*(Labels|Tags))$/;
/** A literal key in a map that is ours to name (platform keys are prefixed, or AWS's `Name`). */
const OWN_KEY = (key: string) => key !== "Name" && !key.includes("/");
/** Folders whose maps hold no key of ours. */
const NO_RESOURCES = ["components/topology/", "tools/e2e/"];

const sources = (dir: string): string[] => sourceFiles(dir);

const nameOf = (n: ts.Node | undefined): string | undefined =>
    n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined;

/** `file:line: what` for every literal key in one source text. */
function literalKeys(file: string, text: string): string[] {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const out: string[] = [];
    const at = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (n: ts.Node) => {
        if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && KEY_TEXT.test(n.text) && !ts.isImportDeclaration(n.parent) && !ts.isExportDeclaration(n.parent)) {
            out.push(`${at(n)}: "${n.text}"`);
        }
        if (ts.isObjectLiteralExpression(n)) {
            const holder = ts.isPropertyAssignment(n.parent) ? nameOf(n.parent.name) : ts.isVariableDeclaration(n.parent) ? nameOf(n.parent.name) : undefined;
            if (holder && MAP_NAME.test(holder) && !NO_RESOURCES.some((p) => file.startsWith(p))) {
                for (const p of n.properties) {
                    const key = ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) ? nameOf(p.name) : undefined;
                    if (key !== undefined && OWN_KEY(key) && !KEY_TEXT.test(key)) out.push(`${at(p)}: ${holder} key "${key}"`);
                }
            }
        }
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}

const FILES = ["components", "stacks", "tools"].flatMap(sources).filter((f) => f !== HOME);
const FOUND = new Map(FILES.map((f) => [f, literalKeys(f, fs.readFileSync(path.join(ROOT, f), "utf8"))]));

describe("label and tag keys come from components/topology/identity.ts", () => {
    it("no other source spells a key", () => {
        assert.deepEqual(
            [...FOUND].filter(([f]) => !NOT_YET.has(f)).flatMap(([, hits]) => hits),
            [],
        );
    });

    it("lists only files that still spell keys (and files that exist)", () => {
        assert.deepEqual([...NOT_YET].filter((f) => !FOUND.has(f)), [], "NOT_YET lists files that do not exist");
        assert.deepEqual([...NOT_YET].filter((f) => FOUND.get(f)!.length === 0), [], "these files pass now: remove them from NOT_YET");
    });

    it("would catch each kind of literal key (the check itself)", () => {
        const text = [
            'const a = { labels: { "app.kubernetes.io/instance": env, app: "axonserver" } };',
            "const tags = { Name: n, environment: env, [CLOUD_KEYS.site]: s };",
            'const k = "axonserver-multiregion/gate-after";',
            'const ok = { labels: cloudIdentity(env), description: "axonserver-environment is the key" };',
            'const node = { labels: { "kubernetes.io/hostname": h }, defaultTags: { tags: t } };',
        ].join("\n");
        assert.deepEqual(literalKeys("x.ts", text), ['x.ts:1: labels key "app"', 'x.ts:1: "app.kubernetes.io/instance"', 'x.ts:2: tags key "environment"', 'x.ts:3: "axonserver-multiregion/gate-after"']);
    });
});
