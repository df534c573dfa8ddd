/**
 * The public entry of the topology model: stack config in, validated `Topology` out.
 * Pure: no Pulumi import (`stacks/` reads `pulumi.Config` and hands the values over).
 *
 * Parsing is piecewise (each top-level key, each list element on its own) so that every problem is
 * reported at once, each with the config path as the user wrote it.
 */
import type { z } from "zod";
import { ADMIN_GROUP, AxonNode, ClientRegion, ConfigIssue, LoadResult, Site, StorageTier, Topology } from "./model";
import {
    configErrorMap,
    formatPath,
    listOf,
    listSchemas,
    quote,
    RawAxonServer,
    RawClient,
    RawClusterAccess,
    RawNode,
    RawNodeDefaults,
    RawReplicationGroup,
    RawSite,
    sectionSchemas,
    defaultMachineType,
    TOP_LEVEL_KEYS,
} from "./schema";
import { clusterAccessIssues } from "./clusterAccess";
import { registryImage } from "./images";
import { effectiveCpu, Indexed, ParsedConfig, ResolvedGroup, topologyWarnings, validateConfig } from "./validate";

export interface LoadOptions {
    /** true when the `license` secret is configured */
    licensed?: boolean;
}

/** Thrown by `loadTopologyOrThrow`; the message lists every error, one `path: message` per line. */
export class TopologyError extends Error {
    readonly errors: readonly ConfigIssue[];

    constructor(errors: readonly ConfigIssue[]) {
        super(`invalid stack configuration (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${errors.map(formatIssue).join("\n")}`);
        this.name = "TopologyError";
        this.errors = errors;
    }
}

/** `path: message`. */
export function formatIssue(issue: ConfigIssue): string {
    return `${issue.path}: ${issue.message}`;
}

/** Zod issues as config issues under `prefix`; unknown keys become one issue per key, at the key. */
function toIssues(prefix: readonly PropertyKey[], issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    for (const iss of issues) {
        const at = [...prefix, ...iss.path];
        if (iss.code === "unrecognized_keys") {
            for (const key of iss.keys) out.push({ path: formatPath([...at, key]), message: `unknown key ${quote(key)}; ${iss.message}` });
        } else {
            out.push({ path: formatPath(at), message: iss.message });
        }
    }
    return out;
}

const PARSE_OPTIONS = { error: configErrorMap, reportInput: true } as const;

type ListKey = keyof typeof listSchemas;
const LIST_WHAT: Record<ListKey, string> = { sites: "site", nodes: "node", replicationGroups: "replication group", clients: "client" };

/** Parses a list element by element; returns the elements that passed, with their positions. */
function parseList<T>(key: ListKey, value: unknown, errors: ConfigIssue[]): { parsed: Indexed<T>[]; raw: unknown[] } {
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
    const parsed: Indexed<T>[] = [];
    value.forEach((el, index) => {
        const r = element.safeParse(el, PARSE_OPTIONS);
        if (r.success) parsed.push({ index, value: r.data as T });
        else errors.push(...toIssues([key, index], r.error.issues));
    });
    return { parsed, raw: value };
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates the stack config (namespace stripped). Returns every error and, only when
 * there are none, the topology and its warnings.
 */
export function loadTopology(raw: Record<string, unknown>, options: LoadOptions = {}): LoadResult {
    if (!isRecord(raw)) {
        return { errors: [{ path: "(config)", message: `expected a map of config keys, got ${quote(raw)}` }], warnings: [] };
    }
    const errors: ConfigIssue[] = [];
    for (const key of Object.keys(raw)) {
        if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
            errors.push({ path: formatPath([key]), message: `unknown key ${quote(key)}; allowed keys: ${listOf(TOP_LEVEL_KEYS)}` });
        }
    }

    const sections: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(sectionSchemas)) {
        const r = schema.safeParse(raw[key], PARSE_OPTIONS);
        if (r.success) sections[key] = r.data;
        else errors.push(...toIssues([key], r.error.issues));
    }
    const sites = parseList<RawSite>("sites", raw.sites, errors);
    const nodes = parseList<RawNode>("nodes", raw.nodes, errors);
    const groups = parseList<RawReplicationGroup>("replicationGroups", raw.replicationGroups, errors);
    const clients = parseList<RawClient>("clients", raw.clients, errors);

    const parsed: ParsedConfig = {
        present: new Set(Object.keys(raw).filter((k) => raw[k] !== undefined)),
        environment: sections.environment as string | undefined,
        axonServer: sections.axonServer as RawAxonServer | undefined,
        gcpProject: sections.gcpProject as string | undefined,
        nodeDefaults: sections.nodeDefaults as RawNodeDefaults | undefined,
        sites: sites.parsed,
        nodes: nodes.parsed,
        replicationGroups: groups.parsed,
        clients: clients.parsed,
        raw: { sites: sites.raw, nodes: nodes.raw, replicationGroups: groups.raw, clients: clients.raw },
    };
    const semantic = validateConfig(parsed);
    errors.push(...semantic.errors);
    if (errors.length > 0) return { errors, warnings: [] };

    const topology = buildTopology(parsed, sections, semantic.groups, options.licensed ?? raw.license !== undefined);
    const accessErrors = clusterAccessIssues(topology);
    if (accessErrors.length > 0) return { errors: accessErrors, warnings: [] };
    const warnings = topologyWarnings(topology, new Map(semantic.groups.map((g) => [g.name, g.path])));
    return { topology, errors: [], warnings };
}

/** Like `loadTopology`, but throws a `TopologyError` listing every error. */
export function loadTopologyOrThrow(raw: Record<string, unknown>, options?: LoadOptions): { topology: Topology; warnings: readonly ConfigIssue[] } {
    const result = loadTopology(raw, options);
    if (result.errors.length > 0 || !result.topology) throw new TopologyError(result.errors);
    return { topology: result.topology, warnings: result.warnings };
}

/** Assembles the model from a config that passed validation, applying the derived defaults. */
function buildTopology(p: ParsedConfig, sections: Record<string, unknown>, groups: readonly ResolvedGroup[], licensed: boolean): Topology {
    const ax = p.axonServer!;
    const defaults = p.nodeDefaults!;
    const kubernetes = sections.kubernetes as Topology["kubernetes"];
    const dns = sections.dns as Topology["dns"];
    const imageRegistry = sections.imageRegistry as string | undefined;
    const access = sections.clusterAccess as RawClusterAccess;

    const sites: Site[] = p.sites.map(({ index, value: s }) => ({
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
    const siteByName = new Map(sites.map((s) => [s.name, s]));

    const nodes: AxonNode[] = p.nodes.map(({ index, value: n }) => {
        const site = siteByName.get(n.site)!;
        const roles = Object.fromEntries(
            groups.flatMap((g) => g.members.filter((m) => m.node === n.name).map((m) => [g.name, m.role] as const)),
        );
        return {
            name: n.name,
            site: n.site,
            ...(n.zone !== undefined ? { zone: n.zone } : {}),
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
    const clients: ClientRegion[] = p.clients.map(({ value: c }) => ({
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
    };
}
