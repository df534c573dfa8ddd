/**
 * Semantic validation of the stack config (relations between values) and the layout warnings.
 * Pure: no Pulumi import.
 *
 * `validateConfig` runs on whatever parsed (elements that failed the schema are left out), so one bad
 * value does not hide the other problems; references to elements that exist but failed to parse are
 * not reported again. `topologyWarnings` runs on a valid `Topology`.
 */
import {
    ADMIN_GROUP,
    Cloud,
    ConfigIssue,
    Context,
    GroupMember,
    Platform,
    PLATFORMS_BY_CLOUD,
    ReplicationGroup,
    Role,
    ROLES,
    Topology,
} from "./model";
import { DNS1123_LABEL } from "./naming";
import { cidrsOverlap, parseCidr } from "./cidr";
import {
    cpuMillis,
    DNS1123_DESCRIPTION,
    doubleCpu,
    joinKey,
    listOf,
    PATTERNS,
    quote,
    RawAxonServer,
    RawClient,
    RawNode,
    RawNodeDefaults,
    RawReplicationGroup,
    RawSite,
} from "./schema";

/** A list element that passed the schema, with its position in the config list. */
export interface Indexed<T> {
    readonly index: number;
    readonly value: T;
}

/** The config after the schema: sections that parsed, list elements that parsed, and the raw lists. */
export interface ParsedConfig {
    /** Top-level keys present in the raw config (parsed or not). */
    readonly present: ReadonlySet<string>;
    readonly environment?: string;
    readonly axonServer?: RawAxonServer;
    readonly gcpProject?: string;
    readonly nodeDefaults?: RawNodeDefaults;
    readonly sites: readonly Indexed<RawSite>[];
    readonly nodes: readonly Indexed<RawNode>[];
    readonly replicationGroups: readonly Indexed<RawReplicationGroup>[];
    readonly clients: readonly Indexed<RawClient>[];
    /** The raw list values (elements that failed the schema included), for names and references. */
    readonly raw: {
        readonly sites: readonly unknown[];
        readonly nodes: readonly unknown[];
        readonly replicationGroups: readonly unknown[];
        readonly clients: readonly unknown[];
    };
}

/** A replication group after defaulting: contexts filled in, `_admin` resolved. */
export interface ResolvedGroup extends ReplicationGroup {
    /** Config path of the group: `replicationGroups[2]`, or `replicationGroups` when defaulted. */
    readonly path: string;
}

const RESERVED_TAGS = ["region", "zone", "cloud", "site"] as const;
/** Platforms the program creates (as opposed to `kubernetes`, an existing cluster). */
const CREATED_PLATFORMS: readonly Platform[] = ["eks", "gke", "vm"];
const SITE_PREFIX_RANGE = { min: 8, max: 24 } as const;
/** `AWS_SUBNET_LAYOUT.maxZones` of `components/aws/awsNetwork.ts`. */
const AWS_MAX_ZONES = 7;

/**
 * Longest site prefix per platform, matching the address plans of the site components (kept here
 * because the model must not import them): AWS `AWS_SUBNET_LAYOUT.maxSitePrefix` in
 * `components/aws/awsNetwork.ts`, GKE `MAX_GKE_SITE_PREFIX` in `components/gcp/ranges.ts`.
 */
function maxSitePrefix(cloud: Cloud, platform: Platform): { prefix: number; why: string } {
    if (cloud === "aws") return { prefix: 22, why: "the VPC is cut into 8 per-zone blocks and the last one into 8 public /28-or-larger subnets" };
    if (platform === "gke") return { prefix: 20, why: "the subnet, the pod and service ranges and the control plane are carved out of it" };
    return { prefix: SITE_PREFIX_RANGE.max, why: "subnets are carved out of it" };
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringField(v: unknown, key: string): string | undefined {
    return isRecord(v) && typeof v[key] === "string" ? (v[key] as string) : undefined;
}

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Why `region` is not a region of `cloud`, or undefined. */
export function regionProblem(cloud: Cloud, region: string): string | undefined {
    switch (cloud) {
        case "aws":
            return PATTERNS.awsRegion.test(region)
                ? undefined
                : `${quote(region)} is not an AWS region: expected the pattern ${PATTERNS.awsRegion.source}, e.g. "eu-west-1"`;
        case "gcp":
            return PATTERNS.gcpRegion.test(region)
                ? undefined
                : `${quote(region)} is not a GCP region: expected the pattern ${PATTERNS.gcpRegion.source}, e.g. "europe-west4"`;
        default:
            return DNS1123_LABEL.test(region) && region.length <= 63
                ? undefined
                : `${quote(region)} is not a valid region name: it must be ${DNS1123_DESCRIPTION}, e.g. "local"`;
    }
}

/** Why `zone` is not a zone of `region` on `cloud`, or undefined. */
export function zoneProblem(cloud: Cloud, region: string, zone: string): string | undefined {
    switch (cloud) {
        case "aws":
            return new RegExp(`^${escapeRegExp(region)}[a-z]$`).test(zone)
                ? undefined
                : `${quote(zone)} is not a zone of region ${quote(region)}: AWS zones are the region followed by one letter, e.g. "${region}a"`;
        case "gcp":
            return new RegExp(`^${escapeRegExp(region)}-[a-z]$`).test(zone)
                ? undefined
                : `${quote(zone)} is not a zone of region ${quote(region)}: GCP zones are the region, "-" and one letter, e.g. "${region}-a"`;
        default:
            return DNS1123_LABEL.test(zone) && zone.length <= 63
                ? undefined
                : `${quote(zone)} is not a valid zone name: it must be ${DNS1123_DESCRIPTION}`;
    }
}

/** CPU request and limit of a node: node values over `nodeDefaults`; the limit defaults to twice the request. */
export function effectiveCpu(node: Pick<RawNode, "cpu" | "cpuLimit">, defaults: Pick<RawNodeDefaults, "cpu" | "cpuLimit">): { cpu: string; cpuLimit: string } {
    const cpu = node.cpu ?? defaults.cpu;
    const cpuLimit = node.cpuLimit ?? (node.cpu !== undefined ? doubleCpu(node.cpu) : (defaults.cpuLimit ?? doubleCpu(defaults.cpu)));
    return { cpu, cpuLimit };
}

/** Reports every duplicate value of `key` in a raw list at the later occurrence. */
function duplicates(list: readonly unknown[], listKey: string, key: string, what: string, err: (path: string, msg: string) => void): void {
    const first = new Map<string, number>();
    list.forEach((el, i) => {
        const v = stringField(el, key);
        if (v === undefined) return;
        const j = first.get(v);
        if (j === undefined) first.set(v, i);
        else err(`${listKey}[${i}].${key}`, `${quote(v)} is a duplicate: ${listKey}[${j}] is already ${what} ${quote(v)}; ${what} ${key}s must be unique`);
    });
}

/** Member names of a raw group (parsed or not). */
function rawMembers(group: unknown): string[] {
    return isRecord(group) && isRecord(group.members) ? Object.keys(group.members) : [];
}

/** Context names of a raw group (parsed or not), defaulted like the loader does. */
function rawContextNames(group: unknown): string[] {
    if (!isRecord(group)) return [];
    if (Array.isArray(group.contexts)) return group.contexts.map((c) => stringField(c, "name")).filter((n): n is string => n !== undefined);
    const name = stringField(group, "name");
    return name === undefined ? [] : [name];
}

/**
 * Checks the relations between values and resolves the replication groups (contexts defaulted,
 * `_admin` first, defaulted when absent). `groups` is only complete when `errors` is empty.
 */
export function validateConfig(p: ParsedConfig): { errors: ConfigIssue[]; groups: ResolvedGroup[] } {
    const errors: ConfigIssue[] = [];
    const err = (path: string, message: string) => errors.push({ path, message });

    const rawSiteNames = p.raw.sites.map((s) => stringField(s, "name")).filter((n): n is string => n !== undefined);
    const rawNodeNames = new Set(p.raw.nodes.map((n) => stringField(n, "name")).filter((n): n is string => n !== undefined));
    const siteByName = new Map(p.sites.map((s) => [s.value.name, s]));
    const nodeByName = new Map(p.nodes.map((n) => [n.value.name, n]));

    // ---- gcpProject
    const gcpSites = p.sites.filter((s) => s.value.cloud === "gcp");
    if (gcpSites.length > 0 && !p.present.has("gcpProject")) {
        err(
            "gcpProject",
            `is required because ${gcpSites.map((s) => `sites[${s.index}] (${quote(s.value.name)})`).join(", ")} use cloud "gcp"; set the GCP project ID, e.g. "acme-axon-prod"`,
        );
    }

    // ---- axonServer.download: VM nodes install the jar from it (containers use the image instead)
    const vmSites = p.sites.filter((s) => s.value.platform === "vm");
    if (vmSites.length > 0 && p.axonServer && !p.axonServer.download) {
        err(
            "axonServer.download",
            `is required because ${vmSites.map((s) => `sites[${s.index}] (${quote(s.value.name)})`).join(", ")} use platform "vm"; set {url: <https URL of the Axon Server .jar>, sha256: <its 64 hex digit SHA-256>}`,
        );
    }

    // ---- sites
    duplicates(p.raw.sites, "sites", "name", "site", err);
    const rawNodeSites = p.raw.nodes.map((n) => stringField(n, "site"));
    for (const { index, value: s } of p.sites) {
        const path = `sites[${index}]`;
        const allowed = PLATFORMS_BY_CLOUD[s.cloud];
        if (!allowed.includes(s.platform)) {
            err(`${path}.platform`, `${quote(s.platform)} is not available on cloud ${quote(s.cloud)}; ${s.cloud} allows: ${listOf(allowed)}`);
        }
        const regionBad = regionProblem(s.cloud, s.region);
        if (regionBad) err(`${path}.region`, regionBad);
        const seenZones = new Map<string, number>();
        s.zones.forEach((zone, z) => {
            const prev = seenZones.get(zone);
            if (prev !== undefined) {
                err(`${path}.zones[${z}]`, `${quote(zone)} is a duplicate of ${path}.zones[${prev}]; list each zone once`);
                return;
            }
            seenZones.set(zone, z);
            if (!regionBad) {
                const zoneBad = zoneProblem(s.cloud, s.region, zone);
                if (zoneBad) err(`${path}.zones[${z}]`, zoneBad);
            }
        });
        if (CREATED_PLATFORMS.includes(s.platform) && s.zones.length === 0) {
            err(`${path}.zones`, `platform ${quote(s.platform)} needs at least one zone of region ${quote(s.region)} (got an empty list)`);
        }
        if (s.cloud === "aws" && CREATED_PLATFORMS.includes(s.platform) && s.zones.length > AWS_MAX_ZONES) {
            err(`${path}.zones`, `${quote(s.zones)} lists ${s.zones.length} zones; an AWS site has at most ${AWS_MAX_ZONES} (the subnet plan has one block per zone)`);
        }
        const cidr = parseCidr(s.cidr);
        if (cidr && CREATED_PLATFORMS.includes(s.platform)) {
            const max = maxSitePrefix(s.cloud, s.platform);
            if (cidr.prefix < SITE_PREFIX_RANGE.min || cidr.prefix > max.prefix) {
                err(
                    `${path}.cidr`,
                    `${quote(s.cidr)} has prefix /${cidr.prefix}; a network the program creates (cloud ${s.cloud}, platform ${s.platform}) needs a prefix between /${SITE_PREFIX_RANGE.min} and /${max.prefix}, because ${max.why}`,
                );
            }
        }
        // Options that only some platforms use: reject instead of silently ignoring them.
        const only = (key: keyof RawSite, applies: boolean, where: string) => {
            if (s[key] !== undefined && !applies) {
                err(`${path}.${key}`, `${quote(s[key])} is set, but ${key} is only used by ${where}; site ${quote(s.name)} is cloud ${quote(s.cloud)}, platform ${quote(s.platform)}: remove it`);
            }
        };
        only("context", s.platform === "kubernetes", 'platform "kubernetes" (an existing cluster)');
        only("storageClasses", s.platform === "kubernetes", 'platform "kubernetes" (an existing cluster)');
        only("kubernetesVersion", s.platform === "eks" || s.platform === "gke", 'platforms "eks" and "gke"');
        only("nodesPerZone", s.platform === "eks" || s.platform === "gke", 'platforms "eks" and "gke"');
        only("machineType", CREATED_PLATFORMS.includes(s.platform), 'platforms "eks", "gke" and "vm"');
        only("natGateways", s.cloud === "aws" && (s.platform === "eks" || s.platform === "vm"), 'cloud "aws" with platform "eks" or "vm"');
        if (!rawNodeSites.includes(s.name)) {
            err(path, `site ${quote(s.name)} has no nodes; add nodes with site: ${s.name}, or remove the site`);
        }
    }
    // Overlapping networks cannot be peered or routed: reject between any two sites.
    for (let i = 0; i < p.sites.length; i++) {
        for (let j = i + 1; j < p.sites.length; j++) {
            const a = p.sites[i];
            const b = p.sites[j];
            if (a.value.name === b.value.name) continue; // reported as a duplicate
            if (cidrsOverlap(a.value.cidr, b.value.cidr)) {
                err(
                    `sites[${b.index}].cidr`,
                    `${quote(b.value.cidr)} of site ${quote(b.value.name)} overlaps ${quote(a.value.cidr)} of site ${quote(a.value.name)} (sites[${a.index}].cidr); every site needs its own address range`,
                );
            }
        }
    }

    // ---- nodes
    duplicates(p.raw.nodes, "nodes", "name", "node", err);
    const defaults = p.nodeDefaults;
    if (defaults?.cpuLimit !== undefined && cpuMillis(defaults.cpuLimit) < cpuMillis(defaults.cpu)) {
        err("nodeDefaults.cpuLimit", `${quote(defaults.cpuLimit)} is below the CPU request ${quote(defaults.cpu)}; the limit must be at least the request`);
    }
    for (const { index, value: n } of p.nodes) {
        const path = `nodes[${index}]`;
        const site = siteByName.get(n.site);
        if (!site) {
            if (!rawSiteNames.includes(n.site)) err(`${path}.site`, `${quote(n.site)} is not a site; sites: ${listOf(rawSiteNames)}`);
        } else if (site.value.zones.length > 0) {
            if (n.zone === undefined) {
                err(`${path}.zone`, `is required because site ${quote(n.site)} spans zones; allowed: ${listOf(site.value.zones)}`);
            } else if (!site.value.zones.includes(n.zone)) {
                err(`${path}.zone`, `${quote(n.zone)} is not a zone of site ${quote(n.site)}; its zones: ${listOf(site.value.zones)}`);
            }
        } else if (n.zone !== undefined) {
            err(`${path}.zone`, `${quote(n.zone)} is set, but site ${quote(n.site)} has no zones; remove the zone or add it to sites[${site.index}].zones`);
        }
        for (const key of Object.keys(n.tags ?? {})) {
            if ((RESERVED_TAGS as readonly string[]).includes(key)) {
                err(joinKey(`${path}.tags`, key), `${quote(key)} would override a default tag; the program sets ${listOf(RESERVED_TAGS)} itself: choose another key`);
            } else if (!PATTERNS.tagKey.test(key)) {
                err(joinKey(`${path}.tags`, key), `${quote(key)} is not a valid tag key: expected the pattern ${PATTERNS.tagKey.source}`);
            }
        }
        if (defaults && (n.cpu !== undefined || n.cpuLimit !== undefined)) {
            const { cpu, cpuLimit } = effectiveCpu(n, defaults);
            if (cpuMillis(cpuLimit) < cpuMillis(cpu)) {
                err(`${path}.cpuLimit`, `${quote(cpuLimit)} is below the CPU request ${quote(cpu)}; the limit must be at least the request`);
            }
        }
    }

    // ---- replication groups
    duplicates(p.raw.replicationGroups, "replicationGroups", "name", "replication group", err);
    const minActiveBackups = p.axonServer?.minActiveBackups;
    const contextOwner = new Map<string, { group: string; path: string }>();
    const explicit: ResolvedGroup[] = [];
    for (const { index, value: g } of p.replicationGroups) {
        const path = `replicationGroups[${index}]`;
        const contexts: Context[] = (g.contexts ?? [{ name: g.name, metaData: {} }]).map((c) => ({ name: c.name, metaData: c.metaData }));
        contexts.forEach((c, k) => {
            const cpath = g.contexts ? `${path}.contexts[${k}].name` : `${path}.name`;
            const label = g.contexts ? quote(c.name) : `the default context ${quote(c.name)} (named like the group)`;
            if (g.name === ADMIN_GROUP && c.name !== ADMIN_GROUP) {
                err(cpath, `${label} is not allowed in group "${ADMIN_GROUP}": it holds only context "${ADMIN_GROUP}"`);
                return;
            }
            if (g.name !== ADMIN_GROUP && c.name === ADMIN_GROUP) {
                err(cpath, `${label} is reserved for group "${ADMIN_GROUP}"; group ${quote(g.name)} cannot hold it`);
                return;
            }
            const owner = contextOwner.get(c.name);
            if (owner) {
                const where = owner.group === g.name ? "this group" : `group ${quote(owner.group)}`;
                err(cpath, `${label} is already a context of ${where} (${owner.path}); a context belongs to exactly one replication group`);
                return;
            }
            contextOwner.set(c.name, { group: g.name, path: cpath });
        });
        // Unknown members are reported below for every group, parsed or not.
        const members: GroupMember[] = Object.entries(g.members)
            .filter(([node]) => nodeByName.has(node))
            .map(([node, role]) => ({ node, role }));
        const count = (role: Role) => Object.values(g.members).filter((r) => r === role).length;
        if (count("PRIMARY") === 0) {
            const roles = Object.entries(g.members).map(([node, role]) => `${node}: ${role}`);
            err(`${path}.members`, `group ${quote(g.name)} has no PRIMARY member (members: ${listOf(roles)}); a replication group needs PRIMARY nodes to elect a leader and commit`);
        }
        const activeBackups = count("ACTIVE_BACKUP");
        if (minActiveBackups !== undefined && activeBackups > 0 && minActiveBackups > activeBackups) {
            err(
                "axonServer.minActiveBackups",
                `${quote(minActiveBackups)} is larger than the ${activeBackups} ACTIVE_BACKUP member${activeBackups === 1 ? "" : "s"} of group ${quote(g.name)} (${path}), so no commit or leader election could ever succeed; use at most ${activeBackups} or add ACTIVE_BACKUP members`,
            );
        }
        explicit.push({ name: g.name, contexts, members, defaulted: false, path });
    }

    p.raw.replicationGroups.forEach((g, index) => {
        for (const node of rawMembers(g)) {
            if (!rawNodeNames.has(node)) {
                err(joinKey(`replicationGroups[${index}].members`, node), `${quote(node)} is not a node; nodes: ${listOf(rawNodeNames)}`);
            }
        }
    });

    // ---- _admin: explicit, or the PRIMARY nodes of the first site
    const groups: ResolvedGroup[] = [];
    const adminConfigured = p.raw.replicationGroups.some((g) => stringField(g, "name") === ADMIN_GROUP);
    const firstSite = p.sites.find((s) => s.index === 0);
    if (adminConfigured) {
        const admin = explicit.find((g) => g.name === ADMIN_GROUP);
        if (admin) groups.push(admin);
    } else if (firstSite) {
        const isPrimarySomewhere = (node: string) => p.raw.replicationGroups.some((g) => isRecord(g) && isRecord(g.members) && g.members[node] === "PRIMARY");
        const members = p.nodes
            .filter((n) => n.value.site === firstSite.value.name && isPrimarySomewhere(n.value.name))
            .map((n): GroupMember => ({ node: n.value.name, role: "PRIMARY" }));
        if (members.length === 0) {
            err(
                "replicationGroups",
                `no "${ADMIN_GROUP}" group is configured, and the first site ${quote(firstSite.value.name)} (sites[0]) has no node that is PRIMARY in a replication group to form it by default; add a replication group named "${ADMIN_GROUP}" with its members`,
            );
        } else {
            groups.push({ name: ADMIN_GROUP, contexts: [{ name: ADMIN_GROUP, metaData: {} }], members, defaulted: true, path: "replicationGroups" });
        }
    }
    groups.push(...explicit.filter((g) => g.name !== ADMIN_GROUP));

    // ---- every node belongs to a group
    const rawMemberNames = new Set(p.raw.replicationGroups.flatMap(rawMembers));
    for (const { index, value: n } of p.nodes) {
        if (!rawMemberNames.has(n.name)) {
            err(`nodes[${index}]`, `node ${quote(n.name)} is not a member of any replication group; add it to the members of a group (roles: ${listOf(ROLES)})`);
        }
    }

    // ---- clients
    duplicates(p.raw.clients, "clients", "region", "the client entry of region", err);
    const knownContexts = new Set(p.raw.replicationGroups.flatMap(rawContextNames));
    const clientContexts = [...knownContexts].filter((c) => c !== ADMIN_GROUP);
    for (const { index, value: c } of p.clients) {
        (c.contexts ?? []).forEach((ctx, k) => {
            const path = `clients[${index}].contexts[${k}]`;
            if (ctx === ADMIN_GROUP) {
                err(path, `"${ADMIN_GROUP}" is the cluster's own context, not for applications; contexts: ${listOf(clientContexts)}`);
            } else if (!knownContexts.has(ctx)) {
                err(path, `${quote(ctx)} is not a context of any replication group; contexts: ${listOf(clientContexts)}`);
            }
        });
    }

    return { errors, groups };
}

/**
 * Legal but risky layouts, per replication group, with the group's config path.
 * `groupPaths` maps a group name to its config path; default: `replicationGroups` for a defaulted
 * `_admin`, otherwise `replicationGroups[i]` with `i` its position among the configured groups.
 */
export function topologyWarnings(topology: Topology, groupPaths?: ReadonlyMap<string, string>): ConfigIssue[] {
    const warnings: ConfigIssue[] = [];
    const warn = (path: string, message: string) => warnings.push({ path, message });
    const nodes = new Map(topology.nodes.map((n) => [n.name, n]));
    const configured = topology.replicationGroups.filter((g) => !g.defaulted);
    const minActiveBackups = topology.axonServer.minActiveBackups;

    for (const g of topology.replicationGroups) {
        const path = groupPaths?.get(g.name) ?? (g.defaulted ? "replicationGroups" : `replicationGroups[${configured.indexOf(g)}]`);
        const name = quote(g.name);
        const label = g.defaulted ? `group ${name} (defaulted to the PRIMARY nodes of the first site)` : `group ${name}`;
        const withRole = (role: Role) => g.members.filter((m) => m.role === role).map((m) => nodes.get(m.node)!);
        const primaries = withRole("PRIMARY");
        const regions = new Set(primaries.map((n) => n.region));

        if (primaries.length > 0 && primaries.length % 2 === 0) {
            const majority = primaries.length / 2 + 1;
            warn(
                path,
                `${label} has ${primaries.length} PRIMARY nodes, an even number: a majority needs ${majority}, so it tolerates no more failures than ${primaries.length - 1} PRIMARY nodes would; use an odd number`,
            );
        }
        const zones = new Set(primaries.map((n) => n.zone));
        if (primaries.length >= 2 && primaries.every((n) => n.zone !== undefined) && zones.size === 1) {
            warn(path, `all ${primaries.length} PRIMARY nodes of ${label} are in zone ${quote(primaries[0].zone)}; losing that zone stops the group: spread them over zones`);
        }
        const sites = new Set(primaries.map((n) => n.site));
        if (topology.sites.length > 1 && primaries.length > 0 && sites.size === 1) {
            warn(path, `all PRIMARY nodes of ${label} are in site ${quote(primaries[0].site)}; losing that site leaves it without a PRIMARY majority: no leader, no commits`);
        }
        const secondaries = withRole("SECONDARY");
        if (secondaries.length === 1) {
            warn(
                path,
                `${label} has exactly one SECONDARY node (${quote(secondaries[0].name)}); at least one SECONDARY must be up at all times for PRIMARY nodes to remove events past their retention, so it is a single point of failure: add a second one`,
            );
        }
        const backups = [...withRole("ACTIVE_BACKUP"), ...withRole("PASSIVE_BACKUP")];
        if (primaries.length > 0 && !backups.some((n) => !regions.has(n.region))) {
            warn(
                path,
                `${label} has no ACTIVE_BACKUP or PASSIVE_BACKUP node outside the region${regions.size === 1 ? "" : "s"} of its PRIMARY nodes (${listOf(regions)}); losing ${regions.size === 1 ? "that region" : "those regions"} loses every copy of its data`,
            );
        }
        const activeBackups = withRole("ACTIVE_BACKUP");
        const far = activeBackups.filter((n) => !regions.has(n.region));
        const near = activeBackups.length - far.length;
        // Commits need min-active-backups ACTIVE_BACKUP acknowledgements: remote ones add a round trip
        // to every commit unless enough of them sit in a PRIMARY region.
        if (far.length > 0 && minActiveBackups > near) {
            const farRegions = [...new Set(far.map((n) => n.region))];
            warn(
                path,
                `ACTIVE_BACKUP node${far.length === 1 ? "" : "s"} ${listOf(far.map((n) => quote(n.name)))} of ${label} ${far.length === 1 ? "is" : "are"} in region${farRegions.length === 1 ? "" : "s"} ${listOf(farRegions)} without a PRIMARY of the group: every commit waits for ${far.length === 1 ? "it" : `${minActiveBackups - near} of them`} (minActiveBackups ${minActiveBackups}), adding cross-region latency`,
            );
        }
    }

    topology.clients.forEach((c, i) => {
        if (!topology.sites.some((s) => s.region === c.region)) {
            warn(
                `clients[${i}].region`,
                `no site is in region ${quote(c.region)}: port 8124 is opened to its cidrs, but the program creates no network connection from them; make sure they can route to the nodes`,
            );
        }
    });
    return warnings;
}
