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
    BackupSettings,
    BucketCloud,
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
import { cidrSize, cidrsOverlap, isNonPublicCidr, parseCidr } from "./cidr";
import { knownRegions, knownZones, REGION_SOURCES } from "./regions";
import {
    BACKUP_DEFAULTS,
    BACKUP_KEYS,
    BUCKET_CLOUDS,
    cpuMillis,
    didYouMean,
    DNS1123_DESCRIPTION,
    doubleCpu,
    joinKey,
    listOf,
    PATTERNS,
    quote,
    RawAxonServer,
    RawBackup,
    RawClient,
    RawNode,
    RawNodeDefaults,
    RawReplicationGroup,
    RawSite,
} from "./schema";

/** A list element after the schema, with its position in the config list; fields that failed are absent. */
export interface Indexed<T> {
    readonly index: number;
    readonly value: T;
    /** False when a field failed the schema (its error is reported; the element is still checked). */
    readonly complete?: boolean;
}

/** The config after the schema: sections and list elements with the fields that parsed, and the raw lists. */
export interface ParsedConfig {
    /** Top-level keys present in the raw config (parsed or not, secrets included). */
    readonly present: ReadonlySet<string>;
    readonly environment?: string;
    readonly axonServer?: Partial<RawAxonServer>;
    readonly gcpProject?: string;
    readonly nodeDefaults?: Partial<RawNodeDefaults>;
    readonly adminCidrs?: readonly string[];
    readonly runnerCidrs?: readonly string[];
    readonly sites: readonly Indexed<Partial<RawSite>>[];
    readonly nodes: readonly Indexed<Partial<RawNode>>[];
    readonly replicationGroups: readonly Indexed<Partial<RawReplicationGroup>>[];
    readonly clients: readonly Indexed<Partial<RawClient>>[];
    /** The raw list values (elements that failed the schema included), for names and references. */
    readonly raw: {
        readonly sites: readonly unknown[];
        readonly nodes: readonly unknown[];
        readonly replicationGroups: readonly unknown[];
        readonly clients: readonly unknown[];
        readonly axonServer?: unknown;
        readonly backup?: unknown;
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
 * Widest public range `adminCidrs` may hold (prefix length), and the most public addresses all of
 * them together may cover: the admin port and the cluster APIs are for operators' networks, not the
 * internet, and `0.0.0.0/1` + `128.0.0.0/1` is the whole internet in two entries.
 */
export const ADMIN_CIDR_LIMITS = { minPublicPrefix: 16, maxPublicAddresses: 2 ** 20 } as const;

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

/** A YAML/JSON map (not null, not a list). */
export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringField(v: unknown, key: string): string | undefined {
    return isRecord(v) && typeof v[key] === "string" ? (v[key] as string) : undefined;
}

/** Why `region` is not a region of `cloud`, or undefined (the providers' region lists, regions.ts). */
export function regionProblem(cloud: Cloud, region: string): string | undefined {
    switch (cloud) {
        case "aws":
        case "gcp": {
            const known = knownRegions(cloud);
            if (known.includes(region)) return undefined;
            const name = cloud === "aws" ? "an AWS" : "a GCP";
            const source = `region list of ${REGION_SOURCES[cloud].url} as of ${REGION_SOURCES[cloud].date}`;
            const suggestion = didYouMean(region, known);
            return suggestion
                ? `${quote(region)} is not ${name} region${suggestion} (${source})`
                : `${quote(region)} is not ${name} region; known regions: ${listOf(known)} (${source})`;
        }
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
        case "gcp": {
            const zones = knownZones(cloud, region);
            if (zones === undefined || zones.includes(zone)) return undefined;
            return `${quote(zone)} is not a zone of region ${quote(region)}; its zones: ${listOf(zones)}${didYouMean(zone, zones)}`;
        }
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
        else err(`${listKey}[${i}].${key}`, `${quote(v)} is a duplicate: ${listKey}[${j}] already has ${key} ${quote(v)}; each ${what} needs its own ${key}`);
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
 * Problems of a list of ranges that open something to the internet (`adminCidrs`,
 * `clusterAccess.runnerCidrs`): public ranges wider than the limit, or too much of the internet together.
 */
function publicRangeIssues(key: string, cidrs: readonly string[], err: (path: string, msg: string) => void): void {
    let publicAddresses = 0;
    cidrs.forEach((cidr, i) => {
        const parsed = parseCidr(cidr);
        if (!parsed || isNonPublicCidr(cidr)) return;
        publicAddresses += cidrSize(cidr);
        if (parsed.prefix < ADMIN_CIDR_LIMITS.minPublicPrefix) {
            err(
                `${key}[${i}]`,
                `${quote(cidr)} is a public range of ${cidrSize(cidr)} addresses; nothing is public: list the networks that need access, public ranges at most /${ADMIN_CIDR_LIMITS.minPublicPrefix} wide (prefix /${ADMIN_CIDR_LIMITS.minPublicPrefix} to /32)`,
            );
        }
    });
    if (publicAddresses > ADMIN_CIDR_LIMITS.maxPublicAddresses) {
        err(
            key,
            `${quote(cidrs)} together open ${publicAddresses} public addresses; at most ${ADMIN_CIDR_LIMITS.maxPublicAddresses} (a /${32 - Math.log2(ADMIN_CIDR_LIMITS.maxPublicAddresses)}) are allowed: nothing is public`,
        );
    }
}

/**
 * Checks the relations between values and resolves the replication groups (contexts defaulted,
 * `_admin` first, defaulted when absent). Runs on whatever parsed: a check skips a field that failed
 * the schema (its error is already reported). `groups` is only complete when `errors` is empty.
 */
export function validateConfig(p: ParsedConfig): { errors: ConfigIssue[]; groups: ResolvedGroup[] } {
    const errors: ConfigIssue[] = [];
    const err = (path: string, message: string) => errors.push({ path, message });

    const rawSiteNames = p.raw.sites.map((s) => stringField(s, "name")).filter((n): n is string => n !== undefined);
    const rawNodeNames = new Set(p.raw.nodes.map((n) => stringField(n, "name")).filter((n): n is string => n !== undefined));
    const siteByName = new Map(p.sites.filter((s) => s.value.name !== undefined).map((s) => [s.value.name!, s]));
    const nodeByName = new Map(p.nodes.filter((n) => n.value.name !== undefined).map((n) => [n.value.name!, n]));

    // ---- gcpProject
    const gcpSites = p.sites.filter((s) => s.value.cloud === "gcp");
    if (gcpSites.length > 0 && !p.present.has("gcpProject")) {
        err(
            "gcpProject",
            `is required because ${gcpSites.map((s) => `sites[${s.index}]${s.value.name ? ` (${quote(s.value.name)})` : ""}`).join(", ")} use cloud "gcp"; set the GCP project ID, e.g. "acme-axon-prod"`,
        );
    }

    // ---- axonServer.download: VM nodes install the jar from it (containers use the image instead)
    const vmSites = p.sites.filter((s) => s.value.platform === "vm");
    const rawAxon = p.axonServer;
    if (vmSites.length > 0 && rawAxon && rawAxon.download === undefined && !rawHasKey(p.raw.axonServer, "download")) {
        err(
            "axonServer.download",
            `is required because ${vmSites.map((s) => `sites[${s.index}]${s.value.name ? ` (${quote(s.value.name)})` : ""}`).join(", ")} use platform "vm"; set {url: <https URL of the Axon Server .jar>, sha256: <its 64 hex digit SHA-256>}`,
        );
    }

    // ---- adminCidrs
    if (p.adminCidrs) publicRangeIssues("adminCidrs", p.adminCidrs, err);
    if (p.runnerCidrs) publicRangeIssues("clusterAccess.runnerCidrs", p.runnerCidrs, err);

    // ---- sites
    duplicates(p.raw.sites, "sites", "name", "site", err);
    const rawNodeSites = p.raw.nodes.map((n) => stringField(n, "site"));
    for (const { index, value: s } of p.sites) {
        const path = `sites[${index}]`;
        const { cloud, platform } = s;
        if (cloud !== undefined && platform !== undefined) {
            const allowed = PLATFORMS_BY_CLOUD[cloud];
            if (!allowed.includes(platform)) {
                err(`${path}.platform`, `${quote(platform)} is not available on cloud ${quote(cloud)}; ${cloud} allows: ${listOf(allowed)}`);
            }
        }
        const regionBad = cloud !== undefined && s.region !== undefined ? regionProblem(cloud, s.region) : "unknown";
        if (regionBad && cloud !== undefined && s.region !== undefined) err(`${path}.region`, regionBad);
        const zones = s.zones ?? [];
        const seenZones = new Map<string, number>();
        zones.forEach((zone, z) => {
            const prev = seenZones.get(zone);
            if (prev !== undefined) {
                err(`${path}.zones[${z}]`, `${quote(zone)} is a duplicate of ${path}.zones[${prev}]; list each zone once`);
                return;
            }
            seenZones.set(zone, z);
            if (!regionBad && cloud !== undefined && s.region !== undefined) {
                const zoneBad = zoneProblem(cloud, s.region, zone);
                if (zoneBad) err(`${path}.zones[${z}]`, zoneBad);
            }
        });
        const created = platform !== undefined && CREATED_PLATFORMS.includes(platform);
        if (created && s.zones !== undefined && zones.length === 0) {
            err(`${path}.zones`, `platform ${quote(platform)} needs at least one zone${s.region ? ` of region ${quote(s.region)}` : ""} (got an empty list)`);
        }
        if (cloud === "aws" && created && zones.length > AWS_MAX_ZONES) {
            err(`${path}.zones`, `${quote(zones)} lists ${zones.length} zones; an AWS site has at most ${AWS_MAX_ZONES} (the subnet plan has one block per zone)`);
        }
        const cidr = s.cidr === undefined ? undefined : parseCidr(s.cidr);
        if (cidr && created && cloud !== undefined) {
            const max = maxSitePrefix(cloud, platform!);
            if (cidr.prefix < SITE_PREFIX_RANGE.min || cidr.prefix > max.prefix) {
                err(
                    `${path}.cidr`,
                    `${quote(s.cidr)} has prefix /${cidr.prefix}; a network the program creates (cloud ${cloud}, platform ${platform}) needs a prefix between /${SITE_PREFIX_RANGE.min} and /${max.prefix}, because ${max.why}`,
                );
            }
        }
        // Options that only some platforms use: reject instead of silently ignoring them.
        if (cloud !== undefined && platform !== undefined) {
            const only = (key: keyof RawSite, applies: boolean, where: string) => {
                if (s[key] !== undefined && !applies) {
                    err(`${path}.${key}`, `${quote(s[key])} is set, but ${key} is only used by ${where}; site ${quote(s.name ?? `sites[${index}]`)} is cloud ${quote(cloud)}, platform ${quote(platform)}: remove it`);
                }
            };
            only("context", platform === "kubernetes", 'platform "kubernetes" (an existing cluster)');
            only("storageClasses", platform === "kubernetes", 'platform "kubernetes" (an existing cluster)');
            only("kubernetesVersion", platform === "eks" || platform === "gke", 'platforms "eks" and "gke"');
            only("nodesPerZone", platform === "eks" || platform === "gke", 'platforms "eks" and "gke"');
            only("machineType", created, 'platforms "eks", "gke" and "vm"');
            only("natGateways", cloud === "aws" && (platform === "eks" || platform === "vm"), 'cloud "aws" with platform "eks" or "vm"');
        }
        if (s.name !== undefined && !rawNodeSites.includes(s.name)) {
            err(path, `site ${quote(s.name)} has no nodes; add nodes with site: ${s.name}, or remove the site`);
        }
    }
    // Overlapping networks cannot be peered or routed: reject between any two sites.
    const withCidr = p.sites.filter((s) => s.value.cidr !== undefined);
    for (let i = 0; i < withCidr.length; i++) {
        for (let j = i + 1; j < withCidr.length; j++) {
            const a = withCidr[i];
            const b = withCidr[j];
            if (a.value.name !== undefined && a.value.name === b.value.name) continue; // reported as a duplicate
            if (cidrsOverlap(a.value.cidr!, b.value.cidr!)) {
                const nameOf = (x: typeof a) => (x.value.name !== undefined ? ` of site ${quote(x.value.name)}` : "");
                err(
                    `sites[${b.index}].cidr`,
                    `${quote(b.value.cidr)}${nameOf(b)} overlaps ${quote(a.value.cidr)}${nameOf(a)} (sites[${a.index}].cidr); every site needs its own address range`,
                );
            }
        }
    }

    // ---- nodes
    duplicates(p.raw.nodes, "nodes", "name", "node", err);
    const defaults = p.nodeDefaults;
    if (defaults?.cpuLimit !== undefined && defaults.cpu !== undefined && cpuMillis(defaults.cpuLimit) < cpuMillis(defaults.cpu)) {
        err("nodeDefaults.cpuLimit", `${quote(defaults.cpuLimit)} is below the CPU request ${quote(defaults.cpu)}; the limit must be at least the request`);
    }
    for (const { index, value: n } of p.nodes) {
        const path = `nodes[${index}]`;
        const site = n.site === undefined ? undefined : siteByName.get(n.site);
        if (n.site === undefined) {
            // reported by the schema
        } else if (!site) {
            // With no readable site at all (`sites: kind`, an empty list) that one error says it all.
            if (!rawSiteNames.includes(n.site) && p.raw.sites.length > 0) err(`${path}.site`, `${quote(n.site)} is not a site; sites: ${listOf(rawSiteNames)}${didYouMean(n.site, rawSiteNames)}`);
        } else if (site.value.zones === undefined) {
            // the site's zones failed the schema: nothing to check against
        } else if (site.value.zones.length > 0) {
            if (n.zone === undefined) {
                if (!isRecord(p.raw.nodes[index]) || (p.raw.nodes[index] as Record<string, unknown>).zone === undefined) {
                    err(`${path}.zone`, `is required because site ${quote(n.site)} spans zones; allowed: ${listOf(site.value.zones)}`);
                }
            } else if (!site.value.zones.includes(n.zone)) {
                err(`${path}.zone`, `${quote(n.zone)} is not a zone of site ${quote(n.site)}; its zones: ${listOf(site.value.zones)}${didYouMean(n.zone, site.value.zones)}`);
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
        if (defaults?.cpu !== undefined && (n.cpu !== undefined || n.cpuLimit !== undefined)) {
            const { cpu, cpuLimit } = effectiveCpu(n, { cpu: defaults.cpu, cpuLimit: defaults.cpuLimit });
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
        const groupName = g.name;
        const contextList = g.contexts ?? (groupName !== undefined && !rawHasKey(p.raw.replicationGroups[index], "contexts") ? [{ name: groupName, metaData: {} }] : []);
        const contexts: Context[] = contextList.map((c) => ({ name: c.name, metaData: c.metaData }));
        if (groupName !== undefined) {
            contexts.forEach((c, k) => {
                const cpath = g.contexts ? `${path}.contexts[${k}].name` : `${path}.name`;
                const label = g.contexts ? quote(c.name) : `the default context ${quote(c.name)} (named like the group)`;
                if (groupName === ADMIN_GROUP && c.name !== ADMIN_GROUP) {
                    err(cpath, `${label} is not allowed in group "${ADMIN_GROUP}": it holds only context "${ADMIN_GROUP}"`);
                    return;
                }
                if (groupName !== ADMIN_GROUP && c.name === ADMIN_GROUP) {
                    err(cpath, `${label} is reserved for group "${ADMIN_GROUP}"; group ${quote(groupName)} cannot hold it`);
                    return;
                }
                const owner = contextOwner.get(c.name);
                if (owner) {
                    const where = owner.group === groupName ? "this group" : `group ${quote(owner.group)}`;
                    err(cpath, `${label} is already a context of ${where} (${owner.path}); a context belongs to exactly one replication group`);
                    return;
                }
                contextOwner.set(c.name, { group: groupName, path: cpath });
            });
        }
        // Roles as written, valid or not: a typo in one role must not hide the count checks of the others.
        const rawRoles = rawMemberRoles(p.raw.replicationGroups[index]);
        const label = groupName !== undefined ? `group ${quote(groupName)}` : `the group at ${path}`;
        // Unknown members are reported below for every group, parsed or not.
        const members: GroupMember[] = Object.entries(g.members ?? {})
            .filter(([node]) => nodeByName.has(node))
            .map(([node, role]) => ({ node, role }));
        const count = (role: Role) => Object.values(rawRoles).filter((r) => r === role).length;
        if (Object.keys(rawRoles).length > 0 && count("PRIMARY") === 0 && !Object.values(rawRoles).some((r) => typeof r === "string" && r.trim().toUpperCase() === "PRIMARY")) {
            const roles = Object.entries(rawRoles).map(([node, role]) => `${node}: ${String(role)}`);
            err(`${path}.members`, `${label} has no PRIMARY member (members: ${listOf(roles)}); a replication group needs PRIMARY nodes to elect a leader and commit`);
        }
        const activeBackups = count("ACTIVE_BACKUP");
        if (minActiveBackups !== undefined && activeBackups > 0 && minActiveBackups > activeBackups) {
            err(
                "axonServer.minActiveBackups",
                `${quote(minActiveBackups)} is larger than the ${activeBackups} ACTIVE_BACKUP member${activeBackups === 1 ? "" : "s"} of ${label} (${path}), so no commit or leader election could ever succeed; use at most ${activeBackups} or add ACTIVE_BACKUP members`,
            );
        }
        if (groupName !== undefined) explicit.push({ name: groupName, contexts, members, defaulted: false, path });
    }

    p.raw.replicationGroups.forEach((g, index) => {
        for (const node of rawMembers(g)) {
            if (!rawNodeNames.has(node) && p.raw.nodes.length > 0) {
                err(joinKey(`replicationGroups[${index}].members`, node), `${quote(node)} is not a node; nodes: ${listOf(rawNodeNames)}${didYouMean(node, rawNodeNames)}`);
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
    } else if (firstSite?.value.name !== undefined) {
        const firstName = firstSite.value.name;
        const isPrimarySomewhere = (node: string) => p.raw.replicationGroups.some((g) => isRecord(g) && isRecord(g.members) && g.members[node] === "PRIMARY");
        const members = p.nodes
            .filter((n) => n.value.site === firstName && n.value.name !== undefined && isPrimarySomewhere(n.value.name))
            .map((n): GroupMember => ({ node: n.value.name!, role: "PRIMARY" }));
        // A node on the first site whose own entry failed the schema may be the PRIMARY that is missing.
        const unparsedFirstSiteNode = p.raw.nodes.some((n) => stringField(n, "site") === firstName && !nodeByName.has(stringField(n, "name") ?? ""));
        // A mistyped PRIMARY (`primary`) is reported at its member; the default `_admin` is then unknowable.
        const primaryTypo = p.raw.replicationGroups.some((g) => Object.values(rawMemberRoles(g)).some((r) => typeof r === "string" && r !== "PRIMARY" && r.trim().toUpperCase() === "PRIMARY"));
        if (members.length === 0 && !unparsedFirstSiteNode && !primaryTypo) {
            err(
                "replicationGroups",
                `no "${ADMIN_GROUP}" group is configured, and the first site ${quote(firstName)} (sites[0]) has no node that is PRIMARY in a replication group to form it by default; add a replication group named "${ADMIN_GROUP}" with its members`,
            );
        } else if (members.length > 0) {
            groups.push({ name: ADMIN_GROUP, contexts: [{ name: ADMIN_GROUP, metaData: {} }], members, defaulted: true, path: "replicationGroups" });
        }
    }
    groups.push(...explicit.filter((g) => g.name !== ADMIN_GROUP));

    // ---- every node belongs to a group
    const rawMemberNames = new Set(p.raw.replicationGroups.flatMap(rawMembers));
    for (const { index, value: n } of p.nodes) {
        if (n.name !== undefined && !rawMemberNames.has(n.name)) {
            err(`nodes[${index}]`, `node ${quote(n.name)} is not a member of any replication group; add it to the members of a group (roles: ${listOf(ROLES)})`);
        }
    }

    // ---- clients
    duplicates(p.raw.clients, "clients", "region", "client entry", err);
    const knownContexts = new Set(p.raw.replicationGroups.flatMap(rawContextNames));
    const clientContexts = [...knownContexts].filter((c) => c !== ADMIN_GROUP);
    for (const { index, value: c } of p.clients) {
        (c.contexts ?? []).forEach((ctx, k) => {
            const path = `clients[${index}].contexts[${k}]`;
            if (ctx === ADMIN_GROUP) {
                err(path, `"${ADMIN_GROUP}" is the cluster's own context, not for applications; contexts: ${listOf(clientContexts)}`);
            } else if (!knownContexts.has(ctx)) {
                err(path, `${quote(ctx)} is not a context of any replication group; contexts: ${listOf(clientContexts)}${didYouMean(ctx, clientContexts)}`);
            }
        });
    }

    return { errors, groups };
}

function rawHasKey(v: unknown, key: string): boolean {
    return isRecord(v) && v[key] !== undefined;
}

/** `members` of a raw group as written (roles unchecked). */
function rawMemberRoles(group: unknown): Record<string, unknown> {
    return isRecord(group) && isRecord(group.members) ? group.members : {};
}


// ---------------------------------------------------------------------------------------------
// backup

/**
 * The `backup` key's relations: the bucket's cloud (default: the first site's), its region on that
 * cloud, Object Lock only on S3, a project for a GCS bucket. Runs on whatever parsed; `settings` only
 * when the key is set, enabled and error-free.
 */
export function validateBackup(
    b: Partial<RawBackup> | undefined,
    p: Pick<ParsedConfig, "sites" | "present" | "raw">,
): { settings?: BackupSettings; candidate?: BackupSettings; errors: ConfigIssue[] } {
    const errors: ConfigIssue[] = [];
    const err = (key: string, message: string) => errors.push({ path: key ? `backup.${key}` : "backup", message });
    if (b === undefined) return { errors };
    const enabled = b.enabled ?? true;

    let cloud: BucketCloud | undefined = b.cloud;
    // A `cloud` that failed the schema is reported there; do not fall back to the first site's.
    if (cloud === undefined && !rawHasKey(p.raw.backup, "cloud")) {
        const first = p.sites.find((s) => s.index === 0)?.value.cloud;
        if (first === "aws" || first === "gcp") cloud = first;
        else if (enabled && first !== undefined) {
            err("cloud", `is required: the first site's cloud is ${quote(first)}, which has no bucket; allowed: ${listOf(BUCKET_CLOUDS)}`);
        }
    }

    if (b.drRegion === undefined) {
        if (enabled && !rawHasKey(p.raw.backup, "drRegion")) {
            err("drRegion", `is required: the ${cloud === "gcp" ? "GCP" : "AWS"} region of the backup bucket, e.g. ${cloud === "gcp" ? '"europe-west1"' : '"us-east-1"'}`);
        }
    } else if (cloud !== undefined) {
        const problem = regionProblem(cloud, b.drRegion);
        if (problem) err("drRegion", problem);
    }
    if (b.objectLock === true && cloud === "gcp") {
        err(
            "objectLock",
            `true is only supported for S3 buckets (cloud: aws): a GCS retention policy forbids overwriting objects, which the agent must do for the active segment, its markers and the replication log; allowed with cloud gcp: false`,
        );
    }
    if (cloud === "gcp" && !p.present.has("gcpProject")) {
        err("cloud", `"gcp" needs the gcpProject config key: the project of the backup bucket`);
    }
    if (!enabled || cloud === undefined) return { errors };
    // With the cloud known, which agents must reach the bucket can be checked even when other fields failed.
    const candidate: BackupSettings = {
        enabled,
        drRegion: b.drRegion ?? "",
        cloud,
        intervalMinutes: b.intervalMinutes ?? BACKUP_DEFAULTS.intervalMinutes,
        retentionDays: b.retentionDays ?? BACKUP_DEFAULTS.retentionDays,
        objectLock: b.objectLock ?? BACKUP_DEFAULTS.objectLock,
        snapshotTime: b.snapshotTime ?? BACKUP_DEFAULTS.snapshotTime,
        snapshotRetentionCount: b.snapshotRetentionCount ?? BACKUP_DEFAULTS.snapshotRetentionCount,
        ...(b.agentImage !== undefined ? { agentImage: b.agentImage } : {}),
    };
    const complete = BACKUP_KEYS.every((k) => k === "drRegion" || k === "cloud" || k === "agentImage" || b[k] !== undefined);
    if (errors.length > 0 || !complete || b.drRegion === undefined) return { errors, candidate };
    return { settings: candidate, candidate, errors };
}

/**
 * What the backup wiring cannot do for a valid `backup` key: an agent (the plan designates it) whose
 * node has no way to reach the bucket. Identities this program sets up: EKS → S3 (IRSA), GKE → GCS
 * (Workload Identity), GKE → S3 (the cluster's OIDC issuer), VMs → their own cloud's bucket.
 */
export function backupWiringIssues(topology: Topology, settings: BackupSettings, plan: { readonly agents: readonly { readonly node: string; readonly site: string }[] }): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const agent of plan.agents) {
        const site = topology.sites.find((s) => s.name === agent.site)!;
        const where = `node ${quote(agent.node)} runs the backup agent (the backup plan designates it) on site ${quote(site.name)} (${site.cloud}/${site.platform})`;
        if (site.platform === "kubernetes") {
            issues.push({
                path: "backup",
                message: `${where}, an existing cluster: the program cannot give its pods access to the bucket; make a node of an EKS, GKE or VM site the first PRIMARY of its groups, or remove the backup key`,
            });
        } else if (site.cloud !== settings.cloud && !(site.platform === "gke" && settings.cloud === "aws")) {
            issues.push({
                path: "backup.cloud",
                message: `${where}, which cannot reach a bucket on ${settings.cloud} (supported: a bucket on the node's own cloud, or GKE nodes writing to S3); allowed here: ${quote(site.cloud)}`,
            });
        }
    }
    return issues;
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
                `${label} has no ACTIVE_BACKUP or PASSIVE_BACKUP node outside the region${regions.size === 1 ? "" : "s"} of its PRIMARY nodes (${[...regions].join(", ")}); losing ${regions.size === 1 ? "that region" : "those regions"} loses every copy of its data`,
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
                `ACTIVE_BACKUP node${far.length === 1 ? "" : "s"} ${listOf(far.map((n) => n.name))} of ${label} ${far.length === 1 ? "is" : "are"} in region${farRegions.length === 1 ? "" : "s"} ${farRegions.join(", ")} without a PRIMARY of the group: every commit waits for ${far.length === 1 ? "it" : `${minActiveBackups - near} of them`} (minActiveBackups ${minActiveBackups}), adding cross-region latency`,
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
