/**
 * Which sites must reach each other, and which sources may reach each Axon port of a site.
 * Derived from the topology only; the cloud components turn it into peerings, VPNs, firewall rules,
 * security groups and NetworkPolicies. Pure functions, no Pulumi import.
 */
import { ADMIN_GROUP, AxonNode, ConfigIssue, HEALTH_RELAY_PORT, PORTS, Role, Site, Topology } from "./model";
import { majority } from "./analysis";
import { hasNodeLoadBalancers } from "./loadBalancers";
import { creationOrder, RollerSegment, rollerSegments } from "./rolling";

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
 * it (its own included), 8124 from the clients that connect to its nodes, 8024 from the admin CIDRs
 * (on a VM site also from the Kubernetes sites whose Jobs ask it, `gateSitesOfVmSite`), and on an
 * EKS/GKE site the health relay's port from the other Kubernetes sites whose Jobs ask its nodes
 * (`healthRelaySourceSites`). A port with no source is omitted (nothing is opened).
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
        {
            port: HEALTH_RELAY_PORT,
            cidrs: sortedUnique(healthRelaySourceSites(topology, site).map((s) => s.cidr)),
            description: "Axon Server health relay (GET /actuator/health only) from the rolling Jobs of other Kubernetes sites",
        },
    ];
    return rules.filter((r) => r.cidrs.length > 0);
}

/** Sites on the environment's one GCP network (GKE clusters and Compute Engine VMs). */
const onGcpNetwork = (s: Site) => s.cloud === "gcp" && (s.platform === "gke" || s.platform === "vm");
/** Sites with a VPC of their own that this program builds (EKS clusters and EC2 VMs). */
const onAwsVpc = (s: Site) => s.cloud === "aws" && (s.platform === "eks" || s.platform === "vm");

/**
 * Whether traffic between two sites is routed by the networks the program builds (or, for an existing
 * cluster, by the routing it tells the user to provide). Firewalls aside: a rule admitting the source is
 * then all that is missing.
 * - A pair of `connectedSitePairs`: AWS↔AWS VPC peering, AWS↔GCP HA VPN, or for an existing cluster the
 *   routing stacks/connectivity.ts warns the user to provide.
 * - Two sites on the environment's GCP network: one global VPC routes between all its subnets.
 * - An AWS site with an HA VPN link (it is paired with some GCP network site, components/connectivity/
 *   vpnPlan.ts `crossCloudLinks`) and any GCP network site: the link's Cloud Router advertises every GCP
 *   site CIDR and the network routes globally (components/connectivity/crossCloudVpn.ts).
 * Peering is not transitive: two AWS sites are routed only as a pair.
 */
export function sitesRouted(topology: Topology, x: Site, y: Site): boolean {
    return routing(topology)(x, y);
}

function routing(topology: Topology): (x: Site, y: Site) => boolean {
    const known = routingCache.get(topology);
    if (known) return known;
    const routed = computeRouting(topology);
    routingCache.set(topology, routed);
    return routed;
}
/** Per topology, like `askersCache`: every gate of the chain and the warnings ask it, the site pairs are derived once. */
const routingCache = new WeakMap<Topology, (x: Site, y: Site) => boolean>();

function computeRouting(topology: Topology): (x: Site, y: Site) => boolean {
    const pairs = new Set(connectedSitePairs(topology).flatMap((p) => [`${p.a.name}|${p.b.name}`, `${p.b.name}|${p.a.name}`]));
    const paired = (x: Site, y: Site) => pairs.has(`${x.name}|${y.name}`);
    const hasVpn = (aws: Site) => onAwsVpc(aws) && topology.sites.some((g) => onGcpNetwork(g) && paired(aws, g));
    return (x, y) =>
        x.name === y.name ||
        paired(x, y) ||
        (onGcpNetwork(x) && onGcpNetwork(y)) ||
        (onGcpNetwork(y) && hasVpn(x)) ||
        (onGcpNetwork(x) && hasVpn(y));
}

/** Kubernetes sites where gate and roller Jobs can run: those with Axon nodes (their namespace holds the scripts). */
function jobSites(topology: Topology): Site[] {
    return topology.sites.filter((s) => s.platform !== "vm" && topology.nodes.some((n) => n.site === s.name));
}

/** Whether some replication group has members on both sites. */
function shareGroup(topology: Topology, x: Site, y: Site): boolean {
    return topology.replicationGroups.some((g) => {
        const sites = new Set(g.members.map((m) => nodeSite(topology, m.node)));
        return sites.has(x.name) && sites.has(y.name);
    });
}

/**
 * The Kubernetes site whose Job gates the chain step `after` → `before`: `after`'s site if it is on
 * Kubernetes, else `before`'s; for two VM nodes, a site with Axon nodes routed to both VM sites
 * (`sitesRouted`), preferring one that shares a replication group with both, then topology order;
 * undefined when there is none (the step has no gate: `vmGateWarnings`).
 */
export function chainGateSite(topology: Topology, after: AxonNode, before: AxonNode): string | undefined {
    if (after.platform !== "vm") return after.site;
    if (before.platform !== "vm") return before.site;
    const routed = routing(topology);
    const a = siteNamed(topology, after.site);
    const b = siteNamed(topology, before.site);
    const candidates = jobSites(topology).filter((k) => routed(k, a) && routed(k, b));
    return (candidates.find((k) => shareGroup(topology, k, a) && shareGroup(topology, k, b)) ?? candidates[0])?.name;
}

function siteNamed(topology: Topology, name: string): Site {
    const s = topology.sites.find((x) => x.name === name);
    if (!s) throw new Error(`unknown site ${name}`); // the loader guarantees references resolve
    return s;
}

/** A gate or roller Job: its Kubernetes site, and the nodes it asks (every member of the groups it checks). */
interface RollingJob {
    readonly site: string;
    readonly asks: readonly string[];
}

/**
 * Every gate and roller Job and what it asks: a gate, every member of `after`'s and `before`'s groups
 * (components/kubernetes/rollingGate.ts `gateConfig`); a roller, every member of its nodes' groups and,
 * when the node before it is a VM (the first roller), of that VM's groups (roller.ts `rollerConfig`).
 */
function rollingJobs(topology: Topology): RollingJob[] {
    const membersOf = (nodes: readonly string[]) => [
        ...new Set(topology.replicationGroups.filter((g) => g.members.some((m) => nodes.includes(m.node))).flatMap((g) => g.members.map((m) => m.node))),
    ];
    const chain = creationOrder(topology);
    const jobs: RollingJob[] = [];
    chain.slice(1).forEach((before, i) => {
        const site = chainGateSite(topology, chain[i], before);
        if (site !== undefined) jobs.push({ site, asks: membersOf([chain[i].name, before.name]) });
    });
    for (const segment of rollerSegments(topology)) {
        const vmAfter = topology.nodes.find((n) => n.name === segment.after && n.platform === "vm");
        jobs.push({ site: segment.site, asks: membersOf([...segment.nodes, ...(vmAfter ? [vmAfter.name] : [])]) });
    }
    return jobs;
}

/**
 * The one decision of who may ask a node's `/actuator/health` from another site: per VM site (its 8024)
 * and per EKS/GKE site (its nodes' health relay, 8025), the Kubernetes sites that run a gate or roller Job
 * asking one of its nodes and are routed to it (`sitesRouted`); a site's own Jobs ask its Kubernetes nodes
 * in the cluster. The firewalls (`sitePortRules`: a VM's 8024, an EKS/GKE site's 8025) admit exactly these
 * sites' CIDRs, and the Jobs get exactly these nodes as endpoints (`nodesVisibleFromSite`), so the two
 * cannot disagree. A Job's pods send from their site's CIDR, the source the 8224 rule admits too. An
 * existing cluster (`platform: kubernetes`) is asked by nobody: its nodes have no load balancer of their
 * own. Memoised per topology object (the model is read-only).
 */
function healthAskers(topology: Topology): Map<string, Set<string>> {
    const known = askersCache.get(topology);
    if (known) return known;
    const routed = routing(topology);
    const asked = topology.sites.filter((s) => s.platform === "vm" || hasNodeLoadBalancers(s));
    const askers = new Map(asked.map((s) => [s.name, new Set<string>()]));
    for (const job of rollingJobs(topology)) {
        const jobSite = siteNamed(topology, job.site);
        for (const node of job.asks) {
            const site = nodeSite(topology, node);
            if (site !== job.site && askers.has(site) && routed(jobSite, siteNamed(topology, site))) askers.get(site)!.add(job.site);
        }
    }
    askersCache.set(topology, askers);
    return askers;
}
const askersCache = new WeakMap<Topology, Map<string, Set<string>>>();

/**
 * Kubernetes sites whose rolling gate and roller Jobs ask a VM site's nodes for their Raft state
 * (`GET /actuator/health` on 8024), in topology order: see `healthAskers`. Every Kubernetes site sharing a
 * replication group with the VM site is one (its roller checks that group); so is the site that gates
 * two consecutive VM nodes (`chainGateSite`), and the site of the roller after the last VM, when routed.
 */
export function gateSitesOfVmSite(topology: Topology, vmSite: Site): Site[] {
    if (vmSite.platform !== "vm") return [];
    const names = healthAskers(topology).get(vmSite.name) ?? new Set<string>();
    return topology.sites.filter((s) => names.has(s.name));
}

/**
 * The other Kubernetes sites whose rolling gate and roller Jobs ask the nodes of an EKS/GKE site for
 * their Raft state through the health relay (`healthAskers`): a site sharing a replication group with it
 * (its roller checks that group, whose members and leader are here), and a site whose gate checks a node
 * next to one of its nodes in the chain, when routed. Empty for a site without per-node load balancers
 * (VM: Jobs ask its 8024, `gateSitesOfVmSite`; an existing cluster: nothing forwards a port to its pods).
 */
export function healthRelaySourceSites(topology: Topology, site: Pick<Site, "name" | "platform">): Site[] {
    if (!hasNodeLoadBalancers(site)) return [];
    const names = healthAskers(topology).get(site.name) ?? new Set<string>();
    return topology.sites.filter((s) => names.has(s.name));
}

/** Whether the Axon pods of a site run the health relay sidecar: another Kubernetes site's Jobs ask them. */
export function hasHealthRelay(topology: Topology, site: Pick<Site, "name" | "platform">): boolean {
    return healthRelaySourceSites(topology, site).length > 0;
}

/**
 * Nodes whose `/actuator/health` a gate or roller Job on Kubernetes site `site` can ask: the site's own
 * Kubernetes nodes (in-cluster Service, 8024), the VM nodes whose firewall admits the site on 8024
 * (`gateSitesOfVmSite`), and the nodes of other EKS/GKE sites whose health relay admits the site
 * (`healthRelaySourceSites`: through the node's internal load balancer, never 8024 itself). A node of
 * another site that shares no replication group with `site`, or of an existing cluster, is out of reach.
 */
export function nodesVisibleFromSite(topology: Topology, site: string): AxonNode[] {
    const askers = healthAskers(topology);
    return topology.nodes.filter((n) => (n.site === site && n.platform !== "vm") || (n.site !== site && askers.get(n.site)?.has(site)));
}

/**
 * The node a roller checks back before its first step: the segment's `after` when it is a VM node the
 * roller's site sees. A VM is replaced in the creation chain, and when it ends the chain nothing else
 * waits for it. A Kubernetes `after` (another site's node) is not checked again: the roller before, on
 * that node's site, already waited until Axon reported it back. One rule for the roller's configuration
 * (components/kubernetes/roller.ts `rollerConfig`) and the report (`unverifiableRollerNodes`).
 */
export function rollerCheckedAfter(topology: Topology, segment: Pick<RollerSegment, "site" | "after">): string | undefined {
    if (segment.after === undefined) return undefined;
    const node = topology.nodes.find((n) => n.name === segment.after);
    return node?.platform === "vm" && nodesVisibleFromSite(topology, segment.site).some((n) => n.name === node.name) ? node.name : undefined;
}

/**
 * Nodes of a roller segment whose step the Job cannot verify on its own, so it stops for the audited
 * override naming that node. The Job sees only `nodesVisibleFromSite`, and the gate script fails closed
 * (components/kubernetes/gate/rollingGate.mjs): a voter it cannot see counts as not UP, and a node is
 * "back" only when its group's leader, asked directly, reports it UP. Any PRIMARY may lead, so in a
 * healthy cluster a step passes by itself exactly when:
 * - "back": every PRIMARY of every group of the node restarted before it (the segment's `after`, when it
 *   is a VM the Job sees, or the previous node of the segment) and of the node itself (checked back after
 *   its restart) is in view;
 * - "can be lost": every PRIMARY of the node's voting groups is in view, or the voters in view, without
 *   the node, are a PRIMARY majority and `minActiveBackups` ACTIVE_BACKUP nodes (if the group has any).
 * The segment's `after` is listed too when its own first check (`rollerCheckedAfter`; its override
 * value `<after> back: …`) cannot be verified.
 */
export function unverifiableRollerNodes(topology: Topology, segment: Pick<RollerSegment, "site" | "nodes" | "after">): string[] {
    const visible = new Set(nodesVisibleFromSite(topology, segment.site).map((n) => n.name));
    const groupsOf = (node: string) => topology.replicationGroups.filter((g) => g.members.some((m) => m.node === node));
    /** The leader of each of the node's groups is in view, whichever PRIMARY leads. */
    const backVerifiable = (node: string) => groupsOf(node).every((g) => g.members.filter((m) => m.role === "PRIMARY").every((m) => visible.has(m.node)));
    const lossVerifiable = (node: string) =>
        !topology.replicationGroups.some((g) => {
            const role = g.members.find((m) => m.node === node)?.role;
            if (role !== "PRIMARY" && role !== "ACTIVE_BACKUP") return false;
            const primaries = g.members.filter((m) => m.role === "PRIMARY");
            if (primaries.every((m) => visible.has(m.node))) return false;
            const backups = g.members.filter((m) => m.role === "ACTIVE_BACKUP");
            const seen = (ms: typeof primaries) => ms.filter((m) => m.node !== node && visible.has(m.node)).length;
            const enough = seen(primaries) >= majority(primaries.length) && (backups.length === 0 || seen(backups) >= topology.axonServer.minActiveBackups);
            return !enough;
        });
    const after = rollerCheckedAfter(topology, segment);
    const blind: string[] = after !== undefined && !backVerifiable(after) ? [after] : [];
    segment.nodes.forEach((node, i) => {
        const previous = i > 0 ? segment.nodes[i - 1] : after;
        if ((previous !== undefined && !backVerifiable(previous)) || !lossVerifiable(node) || !backVerifiable(node)) blind.push(node);
    });
    return blind;
}

/**
 * Where a VM node is replaced without Axon's say, or a Job cannot see the VM it must check (load-time
 * warnings; `pulumi up` deploys anyway: a topology of VM sites only has no Kubernetes site to run a Job):
 * - two consecutive VM nodes of the chain without a gate site (`chainGateSite`): the second is replaced
 *   right after the first;
 * - a gate next to a VM node on a site not routed to it: the gate cannot ask that VM;
 * - the first roller after the last VM on a site not routed to it: it does not wait for that VM.
 */
export function vmGateWarnings(topology: Topology): ConfigIssue[] {
    const routed = routing(topology);
    const q = (s: string) => JSON.stringify(s);
    const at = (n: AxonNode) => `${q(n.name)} (site ${q(n.site)})`;
    const byHand = `README "Checking a node's groups by hand"`;
    const linking = (k: string, vmSites: string) => `connect ${k} to ${vmSites}: a replication group or clients linking them, or on GCP a GKE site on the environment's network`;
    const out: ConfigIssue[] = [];
    const chain = creationOrder(topology);
    chain.slice(1).forEach((before, i) => {
        const after = chain[i];
        const site = chainGateSite(topology, after, before);
        if (site === undefined) {
            out.push({
                path: `nodes[${before.index}]`,
                message:
                    `no rolling gate between VM nodes ${at(after)} and ${at(before)}: no Kubernetes site with Axon nodes has a network path to both, ` +
                    `so pulumi up replaces ${q(before.name)} right after ${q(after.name)} without asking Axon whether ${q(after.name)} is back in its groups ` +
                    `and ${q(before.name)}'s groups can lose it. ` +
                    `To gate it, ${linking("a Kubernetes site that runs Axon nodes", after.site === before.site ? q(after.site) : `both ${q(after.site)} and ${q(before.site)}`)}; ` +
                    `or accept it and, after each pulumi up that replaces them, check by hand that both are back in their groups (${byHand})`,
            });
            return;
        }
        for (const vm of [after, before].filter((n) => n.platform === "vm")) {
            if (routed(siteNamed(topology, site), siteNamed(topology, vm.site))) continue;
            const cannot =
                vm === after
                    ? `it cannot ask ${q(vm.name)} itself whether it is back in its groups (only its groups' leader, if the gate can ask it; otherwise the gate stops for the audited override); or accept it and, after each pulumi up that replaces ${q(vm.name)}, check that by hand (${byHand})`
                    : `it cannot check that ${q(vm.name)}'s groups can lose it, so where ${q(vm.name)} votes the gate stops for the audited override; or accept that and check by hand before you override (${byHand})`;
            out.push({
                path: `nodes[${vm.index}]`,
                message:
                    `the rolling gate ${q(after.name)} -> ${q(before.name)} runs on site ${q(site)}, which has no network path to ${q(vm.name)}'s site ${q(vm.site)}. ` +
                    `To let it ask ${q(vm.name)}, ${linking(q(site), q(vm.site))}. Otherwise ${cannot}`,
            });
        }
    });
    const first = rollerSegments(topology)[0];
    const vmAfter = first && topology.nodes.find((n) => n.name === first.after && n.platform === "vm");
    if (first && vmAfter && !routed(siteNamed(topology, first.site), siteNamed(topology, vmAfter.site))) {
        out.push({
            path: `nodes[${vmAfter.index}]`,
            message:
                `the roller on site ${q(first.site)} does not check that ${at(vmAfter)} is back before it restarts its first node: ${q(first.site)} has no network path to ${q(vmAfter.site)}. ` +
                `To let it, ${linking(q(first.site), q(vmAfter.site))}; or accept it and, after each pulumi up that replaces ${q(vmAfter.name)}, check by hand that it is back (${byHand})`,
        });
    }
    return out;
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
