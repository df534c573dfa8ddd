/**
 * Which sites must reach each other, and which sources may reach each Axon port of a site.
 * Derived from the topology only; the cloud components turn it into peerings, VPNs, firewall rules,
 * security groups and NetworkPolicies. Pure functions, no Pulumi import.
 */
import { ADMIN_GROUP, AxonNode, PORTS, Role, Site, Topology } from "./model";

/** Roles a client application may connect to (Axon Server's `allowsClientConnect`). */
export const CLIENT_ROLES: readonly Role[] = ["PRIMARY", "MESSAGING_ONLY"];

/** An unordered pair of connected sites; `a` comes before `b` in `topology.sites`. */
export interface SitePair {
    readonly a: Site;
    readonly b: Site;
    /** Why they are connected, e.g. `replication group orders`, `clients in eu-west-1`. */
    readonly reasons: readonly string[];
}

/** Sources allowed to reach one Axon port on a site. */
export interface PortRule {
    readonly port: number;
    /** Sorted, de-duplicated CIDRs. Never `0.0.0.0/0` or `::/0` (validation rejects those). */
    readonly cidrs: readonly string[];
    readonly description: string;
}

/** Sites that host at least one member of the group. */
export function sitesOfGroup(topology: Topology, group: string): Site[] {
    const g = topology.replicationGroups.find((rg) => rg.name === group);
    if (!g) return [];
    const names = new Set(g.members.map((m) => nodeSite(topology, m.node)));
    return topology.sites.filter((s) => names.has(s.name));
}

function nodeSite(topology: Topology, node: string): string {
    const n = topology.nodes.find((x) => x.name === node);
    if (!n) throw new Error(`unknown node ${node}`); // the loader guarantees references resolve
    return n.site;
}

/** Replication groups that hold the context. */
function groupOfContext(topology: Topology, context: string): string | undefined {
    return topology.replicationGroups.find((g) => g.contexts.some((c) => c.name === context))?.name;
}

/**
 * Sites whose nodes a client in `region` may connect to: sites with a PRIMARY or MESSAGING_ONLY member
 * of a group holding one of the client's contexts.
 */
export function serverSitesOfClient(topology: Topology, client: Topology["clients"][number]): Site[] {
    const groups = new Set(client.contexts.map((c) => groupOfContext(topology, c)).filter((g): g is string => !!g));
    const names = new Set<string>();
    for (const g of topology.replicationGroups) {
        if (!groups.has(g.name)) continue;
        for (const m of g.members) if (CLIENT_ROLES.includes(m.role)) names.add(nodeSite(topology, m.node));
    }
    return topology.sites.filter((s) => names.has(s.name));
}

/**
 * Pairs of sites that must be connected: they share a replication group, or one of them is in a
 * client region whose applications connect to the other's nodes.
 */
export function connectedSitePairs(topology: Topology): SitePair[] {
    const reasons = new Map<string, Set<string>>();
    const add = (x: Site, y: Site, why: string) => {
        if (x.name === y.name) return;
        const [a, b] = x.index < y.index ? [x, y] : [y, x];
        const key = `${a.name}|${b.name}`;
        if (!reasons.has(key)) reasons.set(key, new Set());
        reasons.get(key)!.add(why);
    };
    for (const g of topology.replicationGroups) {
        const sites = sitesOfGroup(topology, g.name);
        for (const x of sites) for (const y of sites) add(x, y, `replication group ${g.name}`);
    }
    for (const client of topology.clients) {
        const home = topology.sites.filter((s) => s.region === client.region);
        for (const server of serverSitesOfClient(topology, client)) {
            for (const h of home) add(h, server, `clients in ${client.region}`);
        }
    }
    const byName = new Map(topology.sites.map((s) => [s.name, s]));
    return [...reasons.entries()]
        .map(([key, why]) => {
            const [a, b] = key.split("|");
            return { a: byName.get(a)!, b: byName.get(b)!, reasons: [...why].sort() };
        })
        .sort((p, q) => p.a.index - q.a.index || p.b.index - q.b.index);
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * The firewall model of one site: 8224 from the CIDRs of every site sharing a replication group with
 * it (its own included), 8124 from the clients that connect to its nodes, 8024 from the admin CIDRs.
 * A port with no source is omitted (nothing is opened).
 */
export function sitePortRules(topology: Topology, site: Site): PortRule[] {
    const peerCidrs = new Set<string>();
    for (const g of topology.replicationGroups) {
        const sites = sitesOfGroup(topology, g.name);
        if (sites.some((s) => s.name === site.name)) for (const s of sites) peerCidrs.add(s.cidr);
    }
    const clientCidrs = new Set<string>();
    for (const client of topology.clients) {
        if (serverSitesOfClient(topology, client).some((s) => s.name === site.name)) {
            for (const c of client.cidrs) clientCidrs.add(c);
        }
    }
    const rules: PortRule[] = [
        { port: PORTS.internalGrpc, cidrs: sortedUnique(peerCidrs), description: "Axon Server internal gRPC from peer sites" },
        { port: PORTS.grpc, cidrs: sortedUnique(clientCidrs), description: "Axon Server client gRPC from client ranges" },
        site.platform === "vm"
            ? {
                  port: PORTS.http,
                  cidrs: sortedUnique([...topology.adminCidrs, ...gateSitesOfVmSite(topology, site).map((s) => s.cidr)]),
                  description: "Axon Server HTTP UI/REST from admin ranges and the rolling gate's sites",
              }
            : { port: PORTS.http, cidrs: sortedUnique(topology.adminCidrs), description: "Axon Server HTTP UI/REST from admin ranges" },
    ];
    return rules.filter((r) => r.cidrs.length > 0);
}

/**
 * Kubernetes sites whose rolling gate and roller Jobs ask a VM site's nodes for their Raft state
 * (`GET /actuator/health` on 8024): those sharing a replication group with it. They are already
 * connected to it for 8224 (peering/VPN) and their pods' traffic comes from their site CIDR, the same
 * source the 8224 rule admits, so opening 8024 to these CIDRs is all a gate needs to see a VM node.
 */
export function gateSitesOfVmSite(topology: Topology, vmSite: Site): Site[] {
    if (vmSite.platform !== "vm") return [];
    const names = new Set<string>();
    for (const g of topology.replicationGroups) {
        const sites = sitesOfGroup(topology, g.name);
        if (!sites.some((s) => s.name === vmSite.name)) continue;
        for (const s of sites) if (s.platform !== "vm") names.add(s.name);
    }
    return topology.sites.filter((s) => names.has(s.name));
}

/**
 * Nodes whose `/actuator/health` (8024) a gate or roller Job on Kubernetes site `site` can ask: the
 * site's own Kubernetes nodes (in-cluster Service) and the VM nodes whose firewall admits the site on
 * 8024 (`gateSitesOfVmSite`). A node on another Kubernetes site is out of reach: its 8024 is a ClusterIP
 * of another cluster.
 */
export function nodesVisibleFromSite(topology: Topology, site: string): AxonNode[] {
    const vmSites = new Set(topology.sites.filter((s) => gateSitesOfVmSite(topology, s).some((g) => g.name === site)).map((s) => s.name));
    return topology.nodes.filter((n) => (n.site === site && n.platform !== "vm") || (n.platform === "vm" && vmSites.has(n.site)));
}

/** Whether a node is reached from outside its own site (peers or clients elsewhere). */
export function nodeReachedFromOtherSites(topology: Topology, nodeName: string): boolean {
    const node = topology.nodes.find((n) => n.name === nodeName);
    if (!node) return false;
    for (const [group] of Object.entries(node.roles)) {
        if (sitesOfGroup(topology, group).some((s) => s.name !== node.site)) return true;
    }
    return topology.clients.some(
        (c) =>
            !topology.sites.some((s) => s.region === c.region && s.name === node.site) &&
            c.contexts.some((ctx) => {
                const g = groupOfContext(topology, ctx);
                return g !== undefined && g !== ADMIN_GROUP && CLIENT_ROLES.includes(node.roles[g] as Role);
            }),
    );
}
