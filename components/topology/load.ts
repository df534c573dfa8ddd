/**
 * The one loader: a stack's config in, the validated `Topology` (backup settings included), its
 * warnings and every error out. Pure: no Pulumi import. Every door calls it: `pulumi up`
 * (stacks/program.ts, through `loadStack` with what the engine hands over), `npm run topology`,
 * `render` and `restore-plan` (tools/config/stackFile.ts turns a stack file into the same input), and the
 * tests. Nothing else validates config.
 *
 * Parsing is piecewise (each top-level key, each list element, each field of an element on its own)
 * so that every problem is reported at once, each with the config path as the user wrote it, and the
 * relation checks run on whatever parsed.
 */
import type { z } from "zod";
import { ADMIN_GROUP, AxonNode, BackupSettings, ClientRegion, ConfigIssue, LoadResult, Site, StackConfigInput, StorageTier, Topology } from "./model";
import {
    configErrorMap,
    didYouMean,
    formatPath,
    listOf,
    listSchemas,
    quote,
    RawAxonServer,
    RawBackup,
    RawClient,
    RawClusterAccess,
    RawNode,
    RawNodeDefaults,
    RawReplicationGroup,
    RawSite,
    SECRET_KEYS,
    sectionSchemas,
    defaultMachineType,
    TOP_LEVEL_KEYS,
} from "./schema";
import { clusterAccessIssues, documentationRunnerWarnings } from "./clusterAccess";
import { vmGateWarnings } from "./connectivity";
import { registryImage } from "./images";
import { effectiveCpu, Indexed, isRecord, ParsedConfig, ResolvedGroup, topologyWarnings, validateBackup, backupWiringIssues, validateConfig } from "./validate";

/** The Pulumi project name (`Pulumi.yaml`), i.e. the config namespace of this program's keys. */
export const PROJECT_NAMESPACE = "axonserver-multiregion";

/** Config namespaces of the providers and of Pulumi itself: never mistaken for a typo of ours. */
const KNOWN_NAMESPACES = ["aws", "gcp", "google-native", "kubernetes", "pulumi", "random", "tls"] as const;

/** Keys whose values are plain strings; every other key holds a YAML value the CLI JSON-encodes. */
const STRING_KEYS: readonly string[] = ["environment", "gcpProject"];

export interface LoadOptions {
    /** true when the `license` secret is configured (default: `license` is in `secretKeys`). */
    licensed?: boolean;
    /** Keys stored as secrets (namespace stripped); their values are not part of `raw`. */
    secretKeys?: readonly string[];
    /** Fully-qualified keys of other namespaces, checked for look-alikes of this project's namespace. */
    otherKeys?: readonly string[];
    /**
     * Which nodes run a backup agent and the plan's warnings (components/backup/plan.ts `planBackups`,
     * passed in by `components/backup/stackLoader.ts` because the model cannot import the backup layer).
     * With it, agents that cannot reach the bucket are errors; without it, that check is skipped.
     */
    backupPlan?: BackupPlanner;
    /**
     * The platform limits and the capacity check (components/topology/platform `platformIssues`, passed
     * in by components/backup/stackLoader.ts: the platform rules build on the model, so the model's
     * loader does not import them). Without it they are skipped, which the unit tests of those rules
     * use to get a topology that breaks them.
     */
    platformChecks?: PlatformChecker;
}

/** The part of the backup plan the loader checks: which node on which site runs an agent, and the plan's warnings. */
export type BackupPlanner = (
    topology: Topology,
    settings: BackupSettings,
) => { readonly agents: readonly { readonly node: string; readonly site: string }[]; readonly warnings: readonly string[] };

/** Errors and warnings of the platform rules for a loaded topology. */
export type PlatformChecker = (topology: Topology, options: { backupAgent: boolean }) => { errors: ConfigIssue[]; warnings: ConfigIssue[] };

/** Thrown by `loadTopologyOrThrow`; the message is `formatConfigErrors` of its errors. */
export class TopologyError extends Error {
    readonly errors: readonly ConfigIssue[];

    constructor(errors: readonly ConfigIssue[]) {
        super(formatConfigErrors(errors).trimEnd());
        this.name = "TopologyError";
        this.errors = errors;
    }
}

/** `path: message`. */
export function formatIssue(issue: ConfigIssue): string {
    return `${issue.path}: ${issue.message}`;
}

/**
 * The text of a rejected config, the same on every door: what `npm run topology -- --stack <stack>`
 * prints and what `pulumi up` shows (stacks/program.ts throws it as a `RunError`). One line per
 * error, `path: message`, unwrapped so it can be searched.
 */
export function formatConfigErrors(errors: readonly ConfigIssue[]): string {
    return `invalid stack configuration (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${errors.map((e) => `${formatIssue(e)}\n`).join("")}`;
}

/** Zod issues as config issues under `prefix`; unknown keys become one issue per key, at the key. */
function toIssues(prefix: readonly PropertyKey[], issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    // A value of the wrong type gets that one message; checks that ran on it anyway add only noise.
    const wrongType = new Set(issues.filter((i) => i.code === "invalid_type").map((i) => JSON.stringify(i.path)));
    for (const iss of issues) {
        if (iss.code !== "invalid_type" && wrongType.has(JSON.stringify(iss.path))) continue;
        const at = [...prefix, ...iss.path];
        if (iss.code === "unrecognized_keys") {
            // The error map wrote the allowed keys (quoted) into the message; the issue itself no longer holds the schema.
            const allowed = [...iss.message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
            for (const key of iss.keys) out.push({ path: formatPath([...at, key]), message: unknownKeyMessage(key, allowed) });
        } else {
            out.push({ path: formatPath(at), message: iss.message });
        }
    }
    return out;
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
    return `unknown key ${quote(key)}; allowed keys: ${listOf(allowed)}${didYouMean(key, allowed)}`;
}

const PARSE_OPTIONS = { error: configErrorMap, reportInput: true } as const;

type ObjectSchema = z.ZodObject<z.core.$ZodLooseShape>;

/**
 * Parses a map field by field: unknown keys and every bad field are reported, the fields that parsed
 * are returned (defaults applied), so the relation checks still see them. `ok` is false when anything
 * failed. A value that is not a map gets the schema's own message.
 */
function parseFields<T>(schema: ObjectSchema, value: unknown, path: readonly PropertyKey[], errors: ConfigIssue[]): { value?: Partial<T>; ok: boolean } {
    if (!isRecord(value)) {
        const r = schema.safeParse(value, PARSE_OPTIONS);
        if (r.success) return { value: r.data as Partial<T>, ok: true };
        errors.push(...toIssues(path, r.error.issues));
        return { ok: false };
    }
    const shape = schema.shape;
    const allowed = Object.keys(shape);
    let ok = true;
    for (const key of Object.keys(value)) {
        if (!(key in shape)) {
            errors.push({ path: formatPath([...path, key]), message: unknownKeyMessage(key, allowed) });
            ok = false;
        }
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
        const r = (field as z.ZodType).safeParse(value[key], PARSE_OPTIONS);
        if (r.success) {
            if (r.data !== undefined) out[key] = r.data;
        } else {
            errors.push(...toIssues([...path, key], r.error.issues));
            ok = false;
        }
    }
    return { value: out as Partial<T>, ok };
}

type ListKey = keyof typeof listSchemas;
const LIST_WHAT: Record<ListKey, string> = { sites: "site", nodes: "node", replicationGroups: "replication group", clients: "client" };

/** Parses a list element by element, each field by field; returns what parsed, with positions. */
function parseList<T>(key: ListKey, value: unknown, errors: ConfigIssue[]): { parsed: Indexed<Partial<T>>[]; raw: unknown[] } {
    const { element, min } = listSchemas[key];
    if (value === undefined || value === null) {
        if (min > 0) errors.push({ path: key, message: `is required: a list of at least ${min} ${LIST_WHAT[key]}` });
        return { parsed: [], raw: [] };
    }
    if (!Array.isArray(value)) {
        errors.push({ path: key, message: `expected a list of ${LIST_WHAT[key]}s, got ${quote(value)}` });
        return { parsed: [], raw: [] };
    }
    if (value.length < min) errors.push({ path: key, message: `needs at least ${min} ${LIST_WHAT[key]}, got an empty list` });
    const parsed: Indexed<Partial<T>>[] = [];
    value.forEach((el, index) => {
        const r = parseFields<T>(element as unknown as ObjectSchema, el, [key, index], errors);
        if (r.value) parsed.push({ index, value: r.value, complete: r.ok });
    });
    return { parsed, raw: value };
}

/**
 * The values of `StackConfigInput` as the program reads them: string keys as they are, the others
 * JSON-decoded; text that is not JSON (e.g. `pulumi config set nodes foo`) stays a string, so the
 * schema reports a type error at the key's path.
 */
export function decodeConfigValues(values: Readonly<Record<string, string>>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(values)) {
        if (STRING_KEYS.includes(key)) {
            raw[key] = text;
            continue;
        }
        try {
            raw[key] = JSON.parse(text) as unknown;
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}

/**
 * Loads a stack's config as the Pulumi CLI hands it over (both doors build this input). The doors call
 * it through components/backup/stackLoader.ts, which adds the backup plan's checks.
 */
export function loadStack(input: StackConfigInput, options: Pick<LoadOptions, "backupPlan" | "platformChecks"> = {}): LoadResult {
    return loadTopology(decodeConfigValues(input.values), { ...options, secretKeys: input.secretKeys, otherKeys: input.otherKeys });
}

/** A namespace that looks like a typo of this project's: `axonserver`, `axonserver-multiregon`. */
function looksLikeOurNamespace(namespace: string): boolean {
    const n = namespace.toLowerCase();
    if ((KNOWN_NAMESPACES as readonly string[]).includes(n)) return false;
    return n.includes("axon") || n.includes("multiregion") || didYouMean(n, [PROJECT_NAMESPACE]) !== "" || n.replace(/[^a-z]/g, "") === "axonservermultiregion";
}

/** Problems of the config's keys: unknown keys, secrets in plain text, secrets on plain keys, namespace typos. */
function keyIssues(raw: Record<string, unknown>, secretKeys: readonly string[], otherKeys: readonly string[]): ConfigIssue[] {
    const errors: ConfigIssue[] = [];
    const known = TOP_LEVEL_KEYS as readonly string[];
    const secrets = SECRET_KEYS as readonly string[];
    // Sorted: the engine and the stack file list keys in different orders, and every door must print the same text.
    for (const key of [...Object.keys(raw), ...secretKeys.filter((k) => !(k in raw))].sort()) {
        if (!known.includes(key)) errors.push({ path: formatPath([key]), message: unknownKeyMessage(key, TOP_LEVEL_KEYS) });
    }
    for (const key of secrets) {
        if (raw[key] !== undefined && !secretKeys.includes(key)) {
            errors.push({
                path: key,
                message: `is stored in plain text, so the secret would sit in the stack file and in git; remove it and set it encrypted: pulumi config set --secret ${key} <value>`,
            });
        }
    }
    for (const key of [...secretKeys].sort()) {
        if (known.includes(key) && !secrets.includes(key)) {
            errors.push({
                path: key,
                message: `is stored as a secret (secure:), but ${quote(key)} is a plain setting that the program reads as text; set it without --secret: pulumi config set ${key} <value> (or pulumi config set --path for a map)`,
            });
        }
    }
    for (const full of [...otherKeys].sort()) {
        const colon = full.indexOf(":");
        const namespace = colon < 0 ? full : full.slice(0, colon);
        const key = colon < 0 ? "" : full.slice(colon + 1);
        if (!looksLikeOurNamespace(namespace)) continue;
        errors.push({
            path: full,
            message: `the namespace ${quote(namespace)} is not this project's (${quote(PROJECT_NAMESPACE)}), so the program never reads this key; did you mean ${quote(`${PROJECT_NAMESPACE}:${key}`)}?`,
        });
    }
    return errors;
}

/**
 * Parses and validates the stack config (namespace stripped, values decoded). Returns every error
 * and, only when there are none, the topology and its warnings.
 */
export function loadTopology(raw: Record<string, unknown>, options: LoadOptions = {}): LoadResult {
    if (!isRecord(raw)) {
        return { errors: [{ path: "(config)", message: `expected a map of config keys, got ${quote(raw)}` }], warnings: [] };
    }
    const secretKeys = options.secretKeys ?? [];
    const errors: ConfigIssue[] = keyIssues(raw, secretKeys, options.otherKeys ?? []);
    // A plain key stored as a secret is reported above; its value is not read (the offline doors cannot decrypt it).
    const plain = (key: string) => (secretKeys.includes(key) ? undefined : raw[key]);

    const sections: Record<string, unknown> = {};
    const objectSections = { axonServer: true, nodeDefaults: true, backup: true } as Record<string, boolean>;
    for (const [key, schema] of Object.entries(sectionSchemas)) {
        if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
        const value = plain(key);
        if (secretKeys.includes(key) && value === undefined) continue;
        if (objectSections[key] && value !== undefined && value !== null) {
            const inner = (schema as z.ZodType & { unwrap?: () => z.ZodType }).unwrap?.() ?? schema;
            const r = parseFields(inner as unknown as ObjectSchema, value, [key], errors);
            if (r.value) sections[key] = r.value;
            continue;
        }
        const r = schema.safeParse(value, PARSE_OPTIONS);
        if (r.success) sections[key] = r.data;
        else errors.push(...toIssues([key], r.error.issues));
    }
    const sites = parseList<RawSite>("sites", plain("sites"), errors);
    const nodes = parseList<RawNode>("nodes", plain("nodes"), errors);
    const groups = parseList<RawReplicationGroup>("replicationGroups", plain("replicationGroups"), errors);
    const clients = parseList<RawClient>("clients", plain("clients"), errors);

    const parsed: ParsedConfig = {
        present: new Set([...Object.keys(raw).filter((k) => raw[k] !== undefined), ...secretKeys]),
        environment: sections.environment as string | undefined,
        axonServer: sections.axonServer as Partial<RawAxonServer> | undefined,
        gcpProject: sections.gcpProject as string | undefined,
        nodeDefaults: sections.nodeDefaults as Partial<RawNodeDefaults> | undefined,
        adminCidrs: sections.adminCidrs as string[] | undefined,
        runnerCidrs: (sections.clusterAccess as Partial<RawClusterAccess> | undefined)?.runnerCidrs,
        sites: sites.parsed,
        nodes: nodes.parsed,
        replicationGroups: groups.parsed,
        clients: clients.parsed,
        raw: { sites: sites.raw, nodes: nodes.raw, replicationGroups: groups.raw, clients: clients.raw, axonServer: plain("axonServer"), backup: plain("backup") },
    };
    const semantic = validateConfig(parsed);
    errors.push(...semantic.errors);
    const backup = validateBackup(sections.backup as Partial<RawBackup> | undefined, parsed);
    if (errors.length === 0 && backup.errors.length > 0 && backup.candidate && options.backupPlan) {
        // Only `backup` is wrong: which agents cannot reach the bucket is known too, say it now.
        const withoutBackup = buildTopology(parsed, sections, semantic.groups, false);
        errors.push(...backupWiringIssues(withoutBackup, backup.candidate, options.backupPlan(withoutBackup, backup.candidate)));
    }
    errors.push(...backup.errors);
    if (errors.length > 0) {
        // Every error at once: the checks that need a model also run on the part of the config that is valid.
        errors.push(
            ...partialModelIssues(parsed, sections, semantic.groups, errors, raw.backup !== undefined && raw.backup !== null, backup.errors.length === 0 ? backup.settings : undefined, options),
        );
        return { errors, warnings: [] };
    }

    const licensed = options.licensed ?? (secretKeys.includes("license") || raw.license !== undefined);
    const topology = buildTopology(parsed, sections, semantic.groups, licensed, backup.settings);
    // Checks that need the whole model.
    const late: ConfigIssue[] = clusterAccessIssues(topology);
    // Platform limits and the per-zone capacity (the backup agent sidecar takes room in every Axon pod).
    const platform = options.platformChecks ? options.platformChecks(topology, { backupAgent: topology.backup !== undefined }) : { errors: [], warnings: [] };
    late.push(...platform.errors);
    const warnings = topologyWarnings(topology, new Map(semantic.groups.map((g) => [g.name, g.path])));
    // VM nodes no Kubernetes site can gate or check: a warning, not an error (a topology of VM sites only
    // has no site to run a gate Job on, and must still deploy).
    warnings.push(...vmGateWarnings(topology));
    // The example stacks' placeholder runner address: a warning here, the entry point's refusal (stacks/program.ts).
    warnings.push(...documentationRunnerWarnings(topology));
    warnings.push(...platform.warnings);
    if (topology.backup && options.backupPlan) {
        // Which node runs an agent follows from the whole topology (components/backup/plan.ts).
        const plan = options.backupPlan(topology, topology.backup);
        late.push(...backupWiringIssues(topology, topology.backup, plan));
        warnings.push(...plan.warnings.map((message) => ({ path: "backup", message })));
    }
    if (late.length > 0) return { errors: late, warnings: [] };
    return { topology, errors: [], warnings };
}

/**
 * The `backup` key on its own against already-known sites: its schema and relation checks, exactly as
 * `loadTopology` runs them (for callers that hold a topology, e.g. tests of the backup components).
 */
export function validateBackupKey(raw: unknown, topology: Pick<Topology, "sites"> & Partial<Pick<Topology, "gcpProject">>): { settings?: BackupSettings; errors: ConfigIssue[] } {
    if (raw === undefined || raw === null) return { errors: [] };
    const errors: ConfigIssue[] = [];
    const schema = (sectionSchemas.backup as unknown as { unwrap(): ObjectSchema }).unwrap();
    const parsed = parseFields<RawBackup>(schema, raw, ["backup"], errors);
    const sites = topology.sites.map((s, index) => ({ index, value: { cloud: s.cloud } }));
    // A caller that passes no `gcpProject` field at all is not asking for the project check.
    const present = new Set("gcpProject" in topology && topology.gcpProject === undefined ? [] : ["gcpProject"]);
    const checked = validateBackup(parsed.value, { sites, present, raw: { sites: [], nodes: [], replicationGroups: [], clients: [], backup: raw } });
    errors.push(...checked.errors);
    return errors.length > 0 ? { errors } : { settings: checked.settings, errors: [] };
}

/** Like `loadTopology`, but throws a `TopologyError` listing every error. */
export function loadTopologyOrThrow(raw: Record<string, unknown>, options?: LoadOptions): { topology: Topology; warnings: readonly ConfigIssue[] } {
    const result = loadTopology(raw, options);
    if (result.errors.length > 0 || !result.topology) throw new TopologyError(result.errors);
    return { topology: result.topology, warnings: result.warnings };
}

/** True when `path` is `key` or lies under it (`key.x`, `key[0]`). */
function under(path: string, key: string): boolean {
    return path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`);
}

/**
 * The model checks (`clusterAccessIssues`, the platform limits and capacity) of a config that has
 * errors, run on the part of it that is valid, so that one typo does not hide them until the next run.
 * Only errors the valid part causes on its own are kept:
 * - a section with an error has unknown or partial values: the checks that read it are skipped
 *   (`clusterAccess`: its own checks; `environment`, `axonServer`, `nodeDefaults`, `kubernetes`, `dns`:
 *   the platform limits and capacity, which build names and pod sizes from them);
 * - a site or node with an error, or with a field that failed the schema, is left out, and so is a node
 *   whose site is left out; the errors the full model would give them come after the fix;
 * - checks that depend on the whole list of sites (`clusterAccess` against the EKS regions, the node DNS
 *   names) are skipped when a site is left out, and the capacity of a site whose node is left out is
 *   not judged.
 * Errors already reported at the same path with the same text are not repeated.
 */
function partialModelIssues(
    p: ParsedConfig,
    sections: Record<string, unknown>,
    groups: readonly ResolvedGroup[],
    errors: readonly ConfigIssue[],
    backupAgent: boolean,
    backupSettings: BackupSettings | undefined,
    options: LoadOptions,
): ConfigIssue[] {
    const broken = (key: string) => errors.some((e) => under(e.path, key));
    // A broken `backup` may name the DR region a GKE site's Backup for GKE plan would use.
    const backupKnown = !broken("backup");
    const accessKnown = !broken("clusterAccess") && sections.clusterAccess !== undefined;
    const platformKnown =
        ["environment", "axonServer", "nodeDefaults", "kubernetes", "dns"].every((k) => !broken(k) && sections[k] !== undefined) && p.axonServer !== undefined && p.nodeDefaults !== undefined;
    const clean = (list: string, e: Indexed<unknown>) => e.complete !== false && !broken(`${list}[${e.index}]`);

    const sites = p.sites.filter((s) => clean("sites", s));
    const siteNames = new Set(sites.map((s) => s.value.name));
    const nodes = platformKnown ? p.nodes.filter((n) => clean("nodes", n) && siteNames.has(n.value.site)) : [];
    const nodeNames = new Set(nodes.map((n) => n.value.name));
    // A node left out: the capacity of its site (of every site when its site is unreadable) is not
    // judged: the pod list of its zone would be incomplete, and the pods per zone decide whether every
    // Axon pod of the site needs a worker of its own (capacity.ts `requiresSeparateWorkers`).
    const unjudged = new Set<string>();
    p.raw.nodes.forEach((n, index) => {
        if (nodes.some((k) => k.index === index)) return;
        unjudged.add(isRecord(n) && typeof n.site === "string" && siteNames.has(n.site) ? n.site : "*");
    });
    const allSites = sites.length === p.raw.sites.length;
    const partial: ParsedConfig = { ...p, sites, nodes, clients: p.clients.filter((c) => clean("clients", c)) };
    const kept = groups.map((g) => ({ ...g, members: g.members.filter((m) => nodeNames.has(m.node)) }));
    // Sections that no check below reads get a neutral value when they are broken, so the model can be built.
    const neutral: Record<string, unknown> = {
        ...sections,
        adminCidrs: broken("adminCidrs") ? [] : (sections.adminCidrs ?? []),
        imageRegistry: broken("imageRegistry") ? undefined : sections.imageRegistry,
        clusterAccess: accessKnown ? sections.clusterAccess : { runnerCidrs: [], privateOnly: false, runnerRoutes: [], eksAdminPrincipals: [] },
    };
    const found: ConfigIssue[] = [];
    if (platformKnown) {
        // `licensed` is read by no check here.
        const topology = buildTopology(partial, neutral, kept, false, backupSettings);
        found.push(...clusterAccessIssues(topology, { allSites, access: accessKnown, backup: backupKnown }));
        if (options.platformChecks) {
            const judged = (path: string) => {
                const m = /^sites\[(\d+)\]\.zones\[/.exec(path);
                if (!m) return true;
                const site = topology.sites.find((s) => s.index === Number(m[1]));
                return site === undefined || (!unjudged.has("*") && !unjudged.has(site.name));
            };
            // The node DNS names depend on the number of sites (naming.ts `usesPrivateDns`).
            found.push(...options.platformChecks(topology, { backupAgent }).errors.filter((e) => judged(e.path) && (allSites || !under(e.path, "dns"))));
        }
    } else {
        // Without the sections the platform checks read, `clusterAccess` is still checked against the sites.
        found.push(
            ...clusterAccessIssues(
                { sites: buildSites(partial), clusterAccess: neutral.clusterAccess as Topology["clusterAccess"], backup: backupSettings },
                { allSites, access: accessKnown, backup: backupKnown },
            ),
        );
    }
    const seen = new Set(errors.map(formatIssue));
    return found.filter((e) => {
        const key = formatIssue(e);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

/** The sites of the model, from sites that passed validation (derived defaults applied). */
function buildSites(p: ParsedConfig): Site[] {
    return (p.sites as Indexed<RawSite>[]).map(({ index, value: s }) => ({
        name: s.name,
        cloud: s.cloud,
        platform: s.platform,
        region: s.region,
        zones: [...s.zones],
        cidr: s.cidr,
        index,
        ...(s.platform === "kubernetes"
            ? {
                  existingCluster: {
                      ...(s.context !== undefined ? { context: s.context } : {}),
                      storageClasses: {
                          fast: s.storageClasses?.fast ?? "standard",
                          standard: s.storageClasses?.standard ?? "standard",
                          cold: s.storageClasses?.cold ?? "standard",
                      } satisfies Record<StorageTier, string>,
                  },
              }
            : {}),
        cluster: {
            ...(s.kubernetesVersion !== undefined ? { kubernetesVersion: s.kubernetesVersion } : {}),
            machineType: s.machineType ?? defaultMachineType(s.cloud, s.platform),
            nodesPerZone: s.nodesPerZone ?? 1,
            natGateways: s.natGateways ?? "perZone",
            deletionProtection: s.deletionProtection ?? true,
            ...(s.maintenanceWindow ? { maintenanceWindow: { ...s.maintenanceWindow } } : {}),
            maintenanceExclusions: (s.maintenanceExclusions ?? []).map((e) => ({ ...e })),
            ...(s.backupRegion !== undefined ? { backupRegion: s.backupRegion } : {}),
            allowIapSsh: s.allowIapSsh ?? false,
            ...(s.kmsKeyArn !== undefined ? { kmsKeyArn: s.kmsKeyArn } : {}),
        },
    }));
}

/**
 * Assembles the model from a config that passed validation (or from its valid part, see
 * `partialModelIssues`), applying the derived defaults.
 */
function buildTopology(p: ParsedConfig, sections: Record<string, unknown>, groups: readonly ResolvedGroup[], licensed: boolean, backup?: BackupSettings): Topology {
    // Every element and section passed in parsed without error, so the partial values are complete.
    const ax = p.axonServer as RawAxonServer;
    const defaults = p.nodeDefaults as RawNodeDefaults;
    const kubernetes = sections.kubernetes as Topology["kubernetes"];
    const dns = sections.dns as Topology["dns"];
    const imageRegistry = sections.imageRegistry as string | undefined;
    const access = sections.clusterAccess as RawClusterAccess;

    const sites = buildSites(p);
    const siteByName = new Map(sites.map((s) => [s.name, s]));

    const nodes: AxonNode[] = (p.nodes as Indexed<RawNode>[]).map(({ index, value: n }) => {
        const site = siteByName.get(n.site)!;
        const roles = Object.fromEntries(
            groups.flatMap((g) => g.members.filter((m) => m.node === n.name).map((m) => [g.name, m.role] as const)),
        );
        return {
            name: n.name,
            site: n.site,
            ...(n.zone !== undefined ? { zone: n.zone } : {}),
            ...(n.nodePortSlot !== undefined ? { nodePortSlot: n.nodePortSlot } : {}),
            region: site.region,
            cloud: site.cloud,
            platform: site.platform,
            storage: n.storage ?? defaults.storage,
            resources: { ...effectiveCpu(n, defaults), memory: n.memory ?? defaults.memory },
            volumes: {
                events: n.volumes?.events ?? defaults.volumes.events,
                data: n.volumes?.data ?? defaults.volumes.data,
                log: n.volumes?.log ?? defaults.volumes.log,
                plugins: n.volumes?.plugins ?? defaults.volumes.plugins,
            },
            tags: {
                region: site.region,
                ...(n.zone !== undefined ? { zone: n.zone } : {}),
                cloud: site.cloud,
                site: site.name,
                ...(n.tags ?? {}),
            },
            roles,
            index,
        };
    });

    const replicationGroups = groups.map((g) => ({ name: g.name, contexts: g.contexts, members: g.members, defaulted: g.defaulted }));
    const applicationContexts = replicationGroups.flatMap((g) => g.contexts.map((c) => c.name)).filter((c) => c !== ADMIN_GROUP);
    const clients: ClientRegion[] = (p.clients as Indexed<RawClient>[]).map(({ value: c }) => ({
        region: c.region,
        cidrs: [...c.cidrs],
        namespaces: [...c.namespaces],
        contexts: [...(c.contexts ?? applicationContexts)],
    }));

    const axonServer: Topology["axonServer"] = {
        version: ax.version,
        image: registryImage(imageRegistry, `axoniq/axonserver:${ax.version}-jdk-17-nonroot`),
        tls: ax.tls,
        minActiveBackups: ax.minActiveBackups,
        licensed,
        startupBudgetSeconds: ax.startupBudgetSeconds,
        terminationGracePeriodSeconds: ax.terminationGracePeriodSeconds,
        ...(ax.download ? { download: { url: ax.download.url, sha256: ax.download.sha256 } } : {}),
    };

    return {
        environment: p.environment!,
        axonServer,
        kubernetes: { namespace: kubernetes.namespace, appNamespace: kubernetes.appNamespace },
        dns: { domain: dns.domain },
        ...(p.gcpProject !== undefined ? { gcpProject: p.gcpProject } : {}),
        adminCidrs: [...(sections.adminCidrs as string[])],
        sites,
        nodes,
        replicationGroups,
        clients,
        clusterAccess: {
            runnerCidrs: [...access.runnerCidrs],
            privateOnly: access.privateOnly,
            runnerRoutes: access.runnerRoutes.map((r) => ({ region: r.region, transitGatewayId: r.transitGatewayId, cidrs: [...r.cidrs] })),
            eksAdminPrincipals: [...access.eksAdminPrincipals],
            ...(access.eksRoleArn !== undefined ? { eksRoleArn: access.eksRoleArn } : {}),
        },
        ...(imageRegistry !== undefined ? { imageRegistry } : {}),
        ...(backup ? { backup } : {}),
    };
}
