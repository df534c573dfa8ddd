/**
 * Option docs for a newcomer, read with the TypeScript compiler API: every member of a component's
 * options is `readonly` and has a doc comment; an optional member names its default with exactly one
 * `@default` tag, a required one has none. One notation everywhere (the aws-cdk one):
 *   `@default 1000`, `@default false`, `@default "REGULAR"`   a literal value, nothing else on the tag
 *   `@default - none`, `@default - the site's zones`          a dash, then prose
 * The options are: every exported interface of components/ and stacks/ named `*Args`, `*Options` or
 * `*Input`, and every interface of those folders that their members' types name, transitively (what a
 * caller fills in: `KubernetesHost`, `NodeBackupSidecar`, …). The loader's model (components/topology)
 * is not an option type: it is built by the loader, never by a caller.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { sourceFiles } from "./support/sources";

const ROOT = path.resolve(__dirname, "..");

/**
 * Files other work is still changing; their option types are checked once they are done. Shrinks to
 * empty: the last test fails when a listed file passes, so a fixed file cannot stay listed.
 */
const NOT_YET: ReadonlySet<string> = new Set<string>([]);

/** Interfaces whose names mark them as a component's or function's options. */
const OPTION_NAME = /(Args|Options|Input)$/;
/** The model the loader builds: referenced by options, but not an option type itself. */
const NOT_OPTIONS = ["components/topology/"];
/** What a `@default` tag may say: one literal, or a dash and prose. */
const LITERAL = /^(true|false|null|undefined|-?\d[\d_]*(\.\d+)?|"[^"\n]*"|'[^'\n]*'|\[\]|\{\})$/;
/** A default written in prose in the comment body: a second notation next to (or instead of) the tag. */
const PROSE_DEFAULT = /\bdefaults?\s*(?::|=|is\b)/i;

const sources = (dir: string): string[] => sourceFiles(dir);

function parse(file: string, text = fs.readFileSync(path.join(ROOT, file), "utf8")): ts.SourceFile {
    return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

interface Found {
    readonly file: string;
    readonly decl: ts.InterfaceDeclaration;
}

/** Index of interfaces by file, and of each file's imported names (local name -> [file, exported name]). */
class Sources {
    readonly files = new Map<string, ts.SourceFile>();

    constructor(files: Iterable<[string, ts.SourceFile]>) {
        for (const [f, sf] of files) this.files.set(f, sf);
    }

    /** The interface a name means in `file`: declared there, or imported (or re-exported) from a repository file. */
    resolve(file: string, name: string, seen = new Set<string>()): Found | undefined {
        const key = `${file}#${name}`;
        if (seen.has(key)) return undefined;
        seen.add(key);
        const sf = this.files.get(file);
        if (!sf) return undefined;
        for (const st of sf.statements) {
            if (ts.isInterfaceDeclaration(st) && st.name.text === name) return { file, decl: st };
        }
        for (const st of sf.statements) {
            if (!(ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
            const spec = st.moduleSpecifier.text;
            if (!spec.startsWith(".")) continue;
            const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
            const target = [`${base}.ts`, `${base}/index.ts`].find((f) => this.files.has(f));
            if (!target) continue;
            const bindings = ts.isImportDeclaration(st) ? st.importClause?.namedBindings : st.exportClause;
            const elements: readonly (ts.ImportSpecifier | ts.ExportSpecifier)[] = bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)) ? bindings.elements : [];
            const match = elements.find((e) => e.name.text === name);
            if (match) return this.resolve(target, (match.propertyName ?? match.name).text, seen);
        }
        return undefined;
    }

    /** The option interfaces of the given files and every repository interface their members name. */
    optionTypes(roots: readonly string[]): Found[] {
        const found = new Map<ts.InterfaceDeclaration, Found>();
        const queue: Found[] = [];
        const add = (f: Found | undefined) => {
            if (!f || found.has(f.decl) || NOT_OPTIONS.some((p) => f.file.startsWith(p))) return;
            found.set(f.decl, f);
            queue.push(f);
        };
        for (const file of roots) {
            for (const st of this.files.get(file)!.statements) {
                const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
                if (ts.isInterfaceDeclaration(st) && exported && OPTION_NAME.test(st.name.text)) add({ file, decl: st });
            }
        }
        while (queue.length > 0) {
            const { file, decl } = queue.shift()!;
            const visit = (n: ts.Node) => {
                if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName)) add(this.resolve(file, n.typeName.text));
                if (ts.isExpressionWithTypeArguments(n) && ts.isIdentifier(n.expression)) add(this.resolve(file, n.expression.text));
                ts.forEachChild(n, visit);
            };
            decl.heritageClauses?.forEach(visit);
            decl.members.forEach(visit);
        }
        return [...found.values()];
    }
}

/** What is wrong with one interface's members, as `file: Interface.member: problem` lines. */
function problems({ file, decl }: Found): string[] {
    const out: string[] = [];
    for (const m of decl.members) {
        if (ts.isIndexSignatureDeclaration(m) || ts.isCallSignatureDeclaration(m) || ts.isConstructSignatureDeclaration(m)) continue;
        const where = `${file}: ${decl.name.text}.${m.name?.getText() ?? "?"}`;
        if (ts.isPropertySignature(m) && !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword)) out.push(`${where}: not readonly`);
        const docs = ts.getJSDocCommentsAndTags(m).filter(ts.isJSDoc);
        const body = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join("\n").trim();
        const defaults = ts.getJSDocTags(m).filter((t) => t.tagName.text === "default");
        if (body === "") out.push(`${where}: no doc comment`);
        if (PROSE_DEFAULT.test(body)) out.push(`${where}: default written in prose ("${body.match(PROSE_DEFAULT)![0]}"); use one @default tag`);
        const optional = m.questionToken !== undefined;
        if (!optional && defaults.length > 0) out.push(`${where}: required, but has @default`);
        if (optional && defaults.length !== 1) out.push(`${where}: optional, needs exactly one @default (has ${defaults.length})`);
        for (const t of defaults) {
            const text = (ts.getTextOfJSDocComment(t.comment) ?? "").trim();
            if (!LITERAL.test(text) && !/^- \S/.test(text)) out.push(`${where}: @default ${JSON.stringify(text)} is neither a literal nor "- prose"`);
        }
    }
    return out;
}

const FILES = ["components", "stacks"].flatMap(sources);
const SOURCES = new Sources(FILES.map((f) => [f, parse(f)]));
const OPTIONS = SOURCES.optionTypes(FILES);

describe("option docs (Args, Options and what they reference)", () => {
    it("finds the option types of every component folder and the stacks", () => {
        const names = new Set(OPTIONS.map((o) => o.decl.name.text));
        for (const known of ["GkeSiteArgs", "EksSiteArgs", "AxonServerClusterArgs", "VmSiteArgs", "CrossCloudVpnArgs", "SiteOptions", "ClusterSecretsInput", "KubernetesHost"]) {
            assert.ok(names.has(known), `${known} is among ${[...names].sort().join(", ")}`);
        }
        assert.ok(!OPTIONS.some((o) => o.file.startsWith("components/topology/")), "the model is not an option type");
    });

    it("every member is readonly and documented; optional members have one @default, required ones none", () => {
        const found = OPTIONS.filter((o) => !NOT_YET.has(o.file)).flatMap(problems);
        assert.deepEqual(found, []);
    });

    it("lists only files that still need work (and files that exist)", () => {
        const missing = [...NOT_YET].filter((f) => !SOURCES.files.has(f));
        assert.deepEqual(missing, [], "NOT_YET lists files that do not exist");
        const done = [...NOT_YET].filter((f) => OPTIONS.filter((o) => o.file === f).flatMap(problems).length === 0);
        assert.deepEqual(done, [], "these files pass now: remove them from NOT_YET");
    });

    it("would catch each kind of mistake (the check itself)", () => {
        const sf = parse(
            "components/x/x.ts",
            [
                "import { Other } from './other';",
                "export interface XArgs {",
                "    /** Documented. */ readonly ok: string;",
                "    /** Optional with a literal.\n     * @default 3 */ readonly lit?: number;",
                "    /** Optional with prose.\n     * @default - none */ readonly prose?: Other;",
                "    notReadonly: string;",
                "    /** Optional without a tag. Default: none. */ readonly untagged?: string;",
                "    /** Required with a tag.\n     * @default 1 */ readonly required: number;",
                "    /** Prose without the dash.\n     * @default the first site */ readonly nodash?: string;",
                "}",
            ].join("\n"),
        );
        const other = parse("components/x/other.ts", "export interface Other {\n    readonly undocumented: string;\n}");
        const s = new Sources([
            ["components/x/x.ts", sf],
            ["components/x/other.ts", other],
        ]);
        assert.deepEqual(s.optionTypes(["components/x/x.ts"]).flatMap(problems), [
            "components/x/x.ts: XArgs.notReadonly: not readonly",
            "components/x/x.ts: XArgs.notReadonly: no doc comment",
            'components/x/x.ts: XArgs.untagged: default written in prose ("Default:"); use one @default tag',
            "components/x/x.ts: XArgs.untagged: optional, needs exactly one @default (has 0)",
            "components/x/x.ts: XArgs.required: required, but has @default",
            'components/x/x.ts: XArgs.nodash: @default "the first site" is neither a literal nor "- prose"',
            "components/x/other.ts: Other.undocumented: no doc comment",
        ]);
    });
});
