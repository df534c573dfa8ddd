/**
 * Offline render: runs the real program for one stack under the mock harness (no Pulumi CLI, no
 * credentials, no network) and writes what it would create.
 *
 *   npm run render -- --stack <name> [--out <dir>] [--dir <dir>]
 *
 * `--out` defaults to `render-out/<stack>`; `--dir` is where `Pulumi.<stack>.yaml` is read from
 * (default: the repository root).
 *
 * Files: `resources.json` (every resource, secrets redacted), `kubernetes-<site>.yaml` (the Kubernetes
 * objects of each site as multi-document YAML), `outputs.json` (stack outputs, secrets redacted),
 * `topology-report.json` / `.txt`. Exit 0 on success, 1 on an invalid topology or a failing program,
 * 2 on a usage error (unknown flag, missing or unknown stack).
 *
 * Secure config values (`secure:` in the stack file) cannot be decrypted offline: the program sees
 * them as secrets holding a placeholder (so it reaches the same verdict as `pulumi up`), and tokens
 * that are not configured come from mock random resources.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { mockConfig, mockSecretKeys, PROJECT_NAMESPACE as PROJECT } from "./config/stackFile";
import type { TopologyReport } from "../components/topology/report";
import type { Deployment } from "../stacks/deployment";
import { PULUMI_CONFIG_ENV, scrubProviderEnv } from "./harness/env";
import type { MockRun, ResourceRecord } from "./harness/mocks";

/** Repository root: stack files live here. */
const ROOT = path.resolve(__dirname, "..");

/** Marker that replaces every secret value in the files (the harness's `redactSecrets`). */
export const REDACTED = "[secret]";

const USAGE = "usage: npm run render -- --stack <name> [--out <dir>] [--dir <stack file dir>]";

class UsageError extends Error {}

interface Args {
    stack: string;
    out: string;
    /** Directory of the stack file. */
    dir: string;
}

export function parseArgs(argv: readonly string[]): Args | "help" {
    let stack: string | undefined;
    let out: string | undefined;
    let dir: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const eq = a.indexOf("=");
        const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
            return v;
        };
        if (flag === "--help" || flag === "-h") return "help";
        else if (flag === "--stack") stack = value();
        else if (flag === "--out") out = value();
        else if (flag === "--dir") dir = value();
        else throw new UsageError(`unknown argument ${a}`);
    }
    if (!stack) throw new UsageError("--stack is required");
    if (!/^[A-Za-z0-9._-]+$/.test(stack)) throw new UsageError(`invalid stack name ${stack}`);
    return { stack, out: out ?? path.join("render-out", stack), dir: dir ?? ROOT };
}

/** Key order of a rendered object: identification first, then the rest as recorded. */
const HEAD_KEYS = ["apiVersion", "kind", "metadata"];

/** A Kubernetes object rebuilt from the recorded inputs of a `kubernetes:*` resource. */
export interface RenderedObject {
    record: ResourceRecord;
    object: Record<string, unknown>;
    /** True when a `Secret` carries data that is not a Pulumi secret (a leak into state). */
    plainSecretData: boolean;
}

/** A Kubernetes object the provider applies (Helm releases are not manifests; `yaml` types are components). */
function isKubernetesObject(r: ResourceRecord): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm") && !r.type.startsWith("kubernetes:yaml");
}

function dropEmpty(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(dropEmpty);
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null).map(([k, x]) => [k, dropEmpty(x)]));
    }
    return v;
}

/** The harness's secret helpers (passed in: the harness may only load after the environment is scrubbed). */
export interface SecretTools {
    redactSecrets(v: unknown): unknown;
    containsSecretWrapper(v: unknown): boolean;
    unwrapSecrets(v: unknown): unknown;
}

export function toKubernetesObject(r: ResourceRecord, tools: SecretTools): RenderedObject {
    const inputs = r.inputs;
    const ordered: Record<string, unknown> = {};
    for (const k of HEAD_KEYS) if (inputs[k] !== undefined) ordered[k] = inputs[k];
    for (const [k, v] of Object.entries(inputs)) if (!HEAD_KEYS.includes(k)) ordered[k] = v;
    let plainSecretData = false;
    if (inputs.kind === "Secret") {
        // A Secret's values are hidden whether they are Pulumi secrets or not (plain ones are reported
        // as a leak); its keys stay visible, they are what pods reference.
        for (const field of ["data", "stringData"]) {
            const d = ordered[field];
            if (d === undefined || d === null) continue;
            if (!tools.containsSecretWrapper(d)) plainSecretData = true;
            const keys = tools.unwrapSecrets(d);
            ordered[field] =
                keys !== null && typeof keys === "object" && !Array.isArray(keys)
                    ? Object.fromEntries(Object.keys(keys).map((k) => [k, REDACTED]))
                    : REDACTED;
        }
    }
    return { record: r, object: dropEmpty(tools.redactSecrets(ordered)) as Record<string, unknown>, plainSecretData };
}

/**
 * The site of every resource (by URN): a resource on a site's Kubernetes provider (or that provider
 * itself) belongs to that site, otherwise it inherits its parent's site. A component without a site
 * of its own belongs to a site when all the resources below it do. Undefined = environment-wide.
 */
export function assignSites(records: readonly ResourceRecord[], siteByProviderUrn: ReadonlyMap<string, string>): Map<string, string | undefined> {
    const byUrn = new Map(records.map((r) => [r.urn, r]));
    const direct = (r: ResourceRecord): string | undefined => {
        for (let cur: ResourceRecord | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
            const own = siteByProviderUrn.get(cur.urn) ?? siteByProviderUrn.get(cur.provider.slice(0, cur.provider.lastIndexOf("::")));
            if (own) return own;
        }
        return undefined;
    };
    const sites = new Map(records.map((r) => [r.urn, direct(r)]));
    const children = new Map<string, ResourceRecord[]>();
    for (const r of records) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const below = (urn: string): (string | undefined)[] =>
        (children.get(urn) ?? []).flatMap((c) => (c.custom ? [sites.get(c.urn)] : [sites.get(c.urn), ...below(c.urn)]));
    for (const r of records) {
        if (r.custom || sites.get(r.urn) !== undefined) continue;
        const found = new Set(below(r.urn));
        if (found.size === 1) sites.set(r.urn, [...found][0]);
    }
    return sites;
}

function table(rows: [string, string | number][], indent = "    "): string[] {
    const w = Math.max(0, ...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `${indent}${k.padEnd(w)}  ${v}`);
}

/** Renders one stack into `out`. Returns the process exit code; prints the summary or the errors. */
export async function render(args: Args, log: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
    if (!fs.existsSync(path.join(args.dir, `Pulumi.${args.stack}.yaml`))) {
        const known = (fs.existsSync(args.dir) ? fs.readdirSync(args.dir) : [])
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => !!s);
        err(`render: unknown stack ${args.stack}: no Pulumi.${args.stack}.yaml in ${args.dir} (stacks: ${known.join(", ") || "none"})`);
        err(USAGE);
        return 2;
    }
    // Provider defaults (`KUBECONFIG`, `AWS_REGION`, `GOOGLE_*`, ...) and Pulumi's config seed: the render
    // depends on the stack file only. Not restored: this process ends with the render.
    const removedEnv = scrubProviderEnv(process.env, PULUMI_CONFIG_ENV).removed;
    // Loaded only now: @pulumi/pulumi seeds its config store from the environment when first loaded.
    const YAML = await import("yaml");
    const { readStackFile } = await import("./config/stackFile");
    const harness = await import("./harness/mocks");
    const pulumi = await import("@pulumi/pulumi");
    const { loadStackTopology, program } = await import("../stacks/program");
    const { OUTPUT_KEYS } = await import("../stacks/deployment");
    const { readStackInput } = await import("../stacks/config");
    const { buildReport, renderReportText } = await import("../components/topology/report");

    let file: ReturnType<typeof readStackFile>;
    try {
        file = readStackFile(args.stack, args.dir);
    } catch (e) {
        err(`render: cannot read Pulumi.${args.stack}.yaml: ${(e as Error).message}`);
        return 1;
    }

    let run: MockRun<Deployment>;
    let report: TopologyReport | undefined;
    try {
        run = await harness.runUnderMocks({ stack: file.stack, project: PROJECT, config: mockConfig(file), secretKeys: mockSecretKeys(file) }, () => {
            // The report needs the loader's result, valid or not; the program reads the same config again.
            report = buildReport(loadStackTopology(readStackInput()), file.stack);
            return program();
        });
    } catch (e) {
        prepareOut(args.out);
        if (report) writeReport(args.out, report, renderReportText);
        err(`render: stack ${args.stack} failed${report && !report.valid ? " (invalid topology)" : ""}:`);
        err((e as Error).message);
        return 1;
    }
    const { records, result } = run;
    harness.assertUniqueUrns(records);

    prepareOut(args.out);
    const written: string[] = [];
    const write = (name: string, text: string) => {
        fs.writeFileSync(path.join(args.out, name), text);
        written.push(name);
    };

    // resources.json: every registration, secrets redacted.
    const resources = records.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent,
        provider: r.provider,
        custom: r.custom,
        dependencies: r.dependencies,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        ignoreChanges: r.ignoreChanges,
        inputs: harness.redactSecrets(r.inputs),
    }));
    write("resources.json", JSON.stringify(resources, null, 2) + "\n");

    // Kubernetes objects per site, keyed through each site's provider.
    const providers = new Map<string, string>();
    for (const [site, host] of Object.entries(result.kubernetesHosts)) providers.set(await harness.outputValue(host.provider.urn), site);
    const siteByUrn = assignSites(records, providers);
    const objectsBySite = new Map<string, RenderedObject[]>();
    const notices: string[] = [];
    for (const r of records.filter(isKubernetesObject)) {
        const site = siteByUrn.get(r.urn) ?? "unassigned";
        const obj = toKubernetesObject(r, harness);
        if (obj.plainSecretData) notices.push(`Secret ${r.name} holds data that is not a Pulumi secret`);
        if (!objectsBySite.has(site)) objectsBySite.set(site, []);
        objectsBySite.get(site)!.push(obj);
    }
    if (objectsBySite.has("unassigned")) notices.push("some Kubernetes objects use no site provider (ambient kubeconfig): see kubernetes-unassigned.yaml");
    for (const [site, objs] of objectsBySite) {
        const docs = objs.map(({ record, object }) => {
            const doc = new YAML.Document(object);
            if (doc.contents) doc.contents.commentBefore = ` ${record.type} ${record.name}`;
            return doc.toString({ lineWidth: 0 });
        });
        write(`kubernetes-${site}.yaml`, docs.join("---\n"));
    }

    // Stack outputs as another stack would read them (secrets redacted).
    const outputs: Record<string, unknown> = {};
    for (const key of OUTPUT_KEYS) {
        const v: unknown = result[key];
        if (pulumi.Output.isInstance(v)) {
            outputs[key] = (await pulumi.isSecret(v)) ? REDACTED : harness.redactSecrets(await harness.outputValue(v));
        } else outputs[key] = v;
        outputs[key] ??= null; // e.g. no CA certificate without TLS: keep the key visible
    }
    write("outputs.json", JSON.stringify(outputs, null, 2) + "\n");

    if (report) written.push(...writeReport(args.out, report, renderReportText));

    // Summary.
    const counts = harness.countByType(records);
    const perSite = new Map<string, number>();
    for (const r of records) {
        const s = siteByUrn.get(r.urn) ?? "(environment-wide)";
        perSite.set(s, (perSite.get(s) ?? 0) + 1);
    }
    log(`Rendered stack ${file.stack} (${records.length} resources) into ${args.out}`);
    log("  Resources per type:");
    for (const line of table(Object.entries(counts))) log(line);
    log("  Resources per site:");
    for (const line of table([...perSite.entries()].sort(([a], [b]) => a.localeCompare(b)))) log(line);
    const warnings = result.warnings;
    log(`  Warnings: ${warnings.length + notices.length === 0 ? "none" : warnings.length + notices.length}`);
    for (const w of warnings) log(`    ${w.path}: ${w.message}`);
    for (const n of notices) log(`    render: ${n}`);
    log(
        `  Secrets: secure config values are not decrypted offline, so ${
            file.secretKeys.length ? `${file.secretKeys.join(", ")} hold a placeholder and ` : ""
        }tokens that are not configured come from mock random resources; every secret is written as "${REDACTED}".`,
    );
    if (removedEnv.length) log(`  Ignored environment: ${removedEnv.join(", ")}`);
    log(`  Files: ${written.join(", ")}`);
    return 0;
}

/** Every file name this tool writes. */
const OWN_FILES = /^(resources\.json|outputs\.json|topology-report\.(json|txt)|kubernetes-[a-z0-9-]+\.yaml)$/;

/** Creates `out` and removes files of an earlier render, which would pass for current ones (e.g. a removed site's YAML). */
function prepareOut(out: string): void {
    fs.mkdirSync(out, { recursive: true });
    for (const f of fs.readdirSync(out)) if (OWN_FILES.test(f)) fs.rmSync(path.join(out, f));
}

function writeReport(out: string, report: TopologyReport, toText: (r: TopologyReport) => string): string[] {
    fs.writeFileSync(path.join(out, "topology-report.json"), JSON.stringify(report, null, 2) + "\n");
    fs.writeFileSync(path.join(out, "topology-report.txt"), toText(report));
    return ["topology-report.json", "topology-report.txt"];
}

/** The command line: parses `argv`, renders, returns the exit code. `out`/`err` take one line each (tests pass their own). */
export async function main(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
    let args: Args | "help";
    try {
        args = parseArgs(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(`render: ${e.message}`);
        err(USAGE);
        return 2;
    }
    if (args === "help") {
        out(USAGE);
        return 0;
    }
    return render(args, out, err);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
            process.exit(1);
        },
    );
}
