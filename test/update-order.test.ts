/**
 * Update order ≠ creation order (components/topology/rolling.ts) and the roller segments and
 * configurations built from it (components/kubernetes/roller.ts).
 *
 * Platform rules behind the expectations:
 * - Axon Server quorum (EE 4.4.2 `PrimaryAndVotingMajorityStrategy`; docs v2025.2 replication groups):
 *   PRIMARY nodes vote and lead, ACTIVE_BACKUP nodes vote (commits need `minActiveBackups` of them),
 *   SECONDARY / PASSIVE_BACKUP / MESSAGING_ONLY "never influence the availability of the replication
 *   group": restarting them first costs nothing in quorum.
 * - Group creation needs a PRIMARY first ("No primary nodes provided", EE 4.4.2 `createReplicationGroup`):
 *   creation order starts with the template's `first`, then PRIMARY nodes.
 * - A VM is replaced by Pulumi in the `dependsOn` chain (its only ordering edge), which runs before the
 *   roller Jobs: VM nodes restart first.
 */
import assert from "node:assert/strict";
import { gateConfig, gateEndpoints, gateSite } from "../components/kubernetes/rollingGate";
import { rollerConfig, rollerDeadlineSeconds, rollerJobName } from "../components/kubernetes/roller";
import { gateSitesOfVmSite, healthRelaySourceSites, sitePortRules } from "../components/topology/connectivity";
import { loadTopologyOrThrow } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { creationOrder, rollerSegments, updateOrder, updateOrderExplained } from "../components/topology/rolling";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { buildTopology } from "./fixtures/topologies";

const stack = (name: string): Topology => {
    const { raw, options } = stackConfigFromFile(readStackFile(name));
    return loadTopologyOrThrow(raw, options).topology;
};
const names = (nodes: readonly { name: string }[]) => nodes.map((n) => n.name);

describe("topology: update order (restarts, least critical first) differs from creation order", () => {
    it("prod: the VM first (Pulumi replaces it in the chain), then SECONDARY, ACTIVE_BACKUP, PRIMARY, the template's first last", () => {
        const t = stack("prod");
        assert.deepEqual(names(creationOrder(t)), ["axon-1", "axon-2", "axon-3", "axon-ab-1", "axon-ab-2", "axon-sec-1", "axon-sec-2", "axon-dr-1"]);
        assert.deepEqual(names(updateOrder(t)), ["axon-dr-1", "axon-sec-1", "axon-sec-2", "axon-ab-1", "axon-ab-2", "axon-2", "axon-3", "axon-1"]);
        assert.match(updateOrderExplained(t)[0].rank, /VM: replaced by Pulumi in the creation chain, before any pod restarts/);
        assert.equal(updateOrderExplained(t)[7].rank, "PRIMARY (_admin, orders), cluster-template first: last of all");
    });

    it("dev and local: the backup first, the template's first last", () => {
        assert.deepEqual(names(updateOrder(stack("dev"))), ["axon-dr-1", "axon-2", "axon-3", "axon-1"]);
        assert.deepEqual(names(creationOrder(stack("dev"))), ["axon-1", "axon-2", "axon-3", "axon-dr-1"]);
        assert.deepEqual(names(updateOrder(stack("local"))), ["axonserver-2", "axonserver-3", "axonserver-1"]);
    });

    it("ranks a node by its most critical role over all groups; ties keep config order", () => {
        const t = buildTopology({
            nodes: ["p1", "mo", "p2", "ab", "pb", "mixed", "p3"],
            groups: {
                _admin: { p2: "PRIMARY", p1: "PRIMARY", p3: "PRIMARY" },
                g1: { p1: "PRIMARY", mo: "MESSAGING_ONLY", ab: "ACTIVE_BACKUP", mixed: "SECONDARY" },
                g2: { p3: "PRIMARY", pb: "PASSIVE_BACKUP", mixed: "ACTIVE_BACKUP" },
            },
        });
        // `mixed` is SECONDARY in g1 but votes in g2: it restarts with the ACTIVE_BACKUP nodes.
        assert.deepEqual(names(updateOrder(t)), ["mo", "pb", "ab", "mixed", "p1", "p3", "p2"]);
        assert.deepEqual(names(creationOrder(t)), ["p2", "p1", "p3", "ab", "mixed", "mo", "pb"]);
    });

    it("a single node: one step, nothing to order", () => {
        const t = buildTopology({ nodes: ["solo"] });
        assert.deepEqual(names(updateOrder(t)), ["solo"]);
        assert.deepEqual(rollerSegments(t), [{ site: "site-a", nodes: ["solo"], index: 0 }]);
    });
});

describe("rollers: segments of the update order, one Job per visit of a site", () => {
    it("prod: the order visits gcp-euw4 twice, so it gets two chained segments", () => {
        assert.deepEqual(rollerSegments(stack("prod")), [
            { site: "gcp-euw4", nodes: ["axon-sec-1", "axon-sec-2"], after: "axon-dr-1", index: 0 },
            { site: "aws-euw1", nodes: ["axon-ab-1", "axon-ab-2"], after: "axon-sec-2", index: 1 },
            { site: "gcp-euw4", nodes: ["axon-2", "axon-3", "axon-1"], after: "axon-ab-2", index: 2 },
        ]);
    });

    it("dev: the backup's site first, then the primaries' site", () => {
        assert.deepEqual(rollerSegments(stack("dev")), [
            { site: "aws-euc1", nodes: ["axon-dr-1"], index: 0 },
            { site: "aws-euw1", nodes: ["axon-2", "axon-3", "axon-1"], after: "axon-dr-1", index: 1 },
        ]);
    });

    it("covers every Kubernetes node exactly once and no VM node", () => {
        for (const name of ["dev", "prod", "local"]) {
            const t = stack(name);
            const rolled = rollerSegments(t).flatMap((s) => s.nodes);
            assert.deepEqual([...rolled].sort(), names(t.nodes.filter((n) => n.platform !== "vm")).sort(), name);
            for (const s of rollerSegments(t)) for (const n of s.nodes) assert.equal(t.nodes.find((x) => x.name === n)!.site, s.site);
        }
    });

    it("configures each segment: its nodes and StatefulSets, the groups they are in, endpoints it can reach", () => {
        const t = stack("prod");
        const [first, backups, primaries] = rollerSegments(t).map((s) => rollerConfig(t, s));
        assert.deepEqual(first.nodes, [
            { node: "axon-sec-1", statefulSet: "axon-sec-1" },
            { node: "axon-sec-2", statefulSet: "axon-sec-2" },
        ]);
        // The VM before it is reachable (its firewall admits this site on 8024): checked back first.
        assert.equal(first.after, "axon-dr-1");
        assert.equal(first.endpoints["axon-dr-1"], "http://axon-dr-1.prod.axon.internal:8024");
        assert.deepEqual(
            first.groups.map((g) => g.name),
            ["orders"],
        );
        // axon-sec-2 is another cluster's pod: the previous roller, on its site, already saw it back.
        assert.equal(backups.after, undefined);
        assert.equal(backups.endpoints["axon-sec-2"], "http://axon-sec-2.prod.axon.internal:8025");
        assert.deepEqual(Object.keys(backups.endpoints).sort(), t.nodes.map((n) => n.name).sort(), "every member of its groups, the PRIMARY nodes on gcp-euw4 included (health relay)");
        assert.equal(primaries.after, undefined, "axon-ab-2 is on aws-euw1");
        assert.equal(primaries.endpoints["axon-ab-2"], "http://axon-ab-2.prod.axon.internal:8025");
        assert.equal(primaries.endpoints["axon-1"], "http://axon-1-http.axonserver.svc.cluster.local:8024", "its own site's nodes in the cluster");
        assert.equal(primaries.timeoutSeconds, t.axonServer.startupBudgetSeconds + 600);
        assert.equal(primaries.overrideAnnotation, "axonserver-multiregion/gate-override");
        assert.ok(rollerDeadlineSeconds(t, primaries) > 3 * (2 * primaries.timeoutSeconds), "the Job outlives every step's own deadline");
    });

    it("names each Job within 63 characters, stable for the same hash", () => {
        const long = { site: "a-very-long-site-name-that-goes-on-and-on-and-on-for-ever-x", index: 12, nodes: ["n"] };
        const name = rollerJobName(long, "0123456789abcdef");
        assert.ok(name.length <= 63, name);
        assert.match(name, /-12-0123456789$/);
        assert.equal(rollerJobName({ site: "kind", index: 0, nodes: [] }, "abcdef0123456789"), "roller-kind-0-abcdef0123");
    });
});

describe("gates and rollers reach other Kubernetes sites' nodes through the health relay (8025), never their 8024", () => {
    it("prod: each Kubernetes site's Jobs see every node of the other, at its private DNS name on the relay's port", () => {
        const t = stack("prod");
        const site = (n: string) => t.sites.find((s) => s.name === n)!;
        assert.deepEqual(healthRelaySourceSites(t, site("gcp-euw4")).map((s) => s.name), ["aws-euw1"]);
        assert.deepEqual(healthRelaySourceSites(t, site("aws-euw1")).map((s) => s.name), ["gcp-euw4"]);
        assert.deepEqual(healthRelaySourceSites(t, site("aws-use1")), [], "a VM site: Jobs ask its 8024");
        assert.deepEqual(sitePortRules(t, site("gcp-euw4")).find((r) => r.port === 8025)!.cidrs, ["10.40.0.0/16"]);
        assert.deepEqual(sitePortRules(t, site("aws-euw1")).find((r) => r.port === 8025)!.cidrs, ["10.30.0.0/16"]);
        assert.equal(sitePortRules(t, site("aws-use1")).find((r) => r.port === 8025), undefined);
        const fromAws = gateEndpoints(t, "aws-euw1");
        assert.deepEqual(Object.keys(fromAws).sort(), t.nodes.map((n) => n.name).sort());
        assert.equal(fromAws["axon-1"], "http://axon-1.prod.axon.internal:8025");
        assert.equal(fromAws["axon-ab-1"], "http://axon-ab-1-http.axonserver.svc.cluster.local:8024");
        assert.equal(fromAws["axon-dr-1"], "http://axon-dr-1.prod.axon.internal:8024");
        assert.ok(!Object.values(fromAws).some((u) => /prod\.axon\.internal:8024/.test(u) && !u.includes("axon-dr-1")), "no Kubernetes node's 8024 across clusters");
    });

    it("a gate does not take a relay name for proof that the next node exists (its load balancer's record exists first)", () => {
        const t = stack("prod");
        const node = (n: string) => t.nodes.find((x) => x.name === n)!;
        // axon-3 -> axon-ab-1 runs on gcp-euw4; axon-ab-1's private name resolves before its pod exists.
        const cfg = gateConfig(t, node("axon-3"), node("axon-ab-1"), "gcp-euw4");
        assert.equal(cfg.endpoints["axon-ab-1"], "http://axon-ab-1.prod.axon.internal:8025");
        assert.equal(cfg.beforeAddress, undefined);
        assert.equal(gateConfig(t, node("axon-1"), node("axon-2"), "gcp-euw4").beforeAddress, "axon-2-http.axonserver.svc.cluster.local");
    });

    it("a site sharing no group, or an existing cluster (no per-node load balancer), gets no relay rule and stays out of view", () => {
        const t = buildTopology({
            sites: ["k8s", "other", { name: "kind", platform: "kubernetes" }],
            nodes: ["a", "b", "c", { name: "o", site: "other" }, { name: "x", site: "kind" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" }, solo: { o: "PRIMARY" }, shared: { a: "PRIMARY", x: "PASSIVE_BACKUP" } },
        });
        const site = (n: string) => t.sites.find((s) => s.name === n)!;
        assert.deepEqual(healthRelaySourceSites(t, site("other")), []);
        assert.equal(sitePortRules(t, site("other")).find((r) => r.port === 8025), undefined, "not peered: no rule");
        assert.deepEqual(Object.keys(gateEndpoints(t, "other")), ["o"]);
        assert.ok(!("o" in gateEndpoints(t, "k8s")));
        // kind shares a group with k8s: k8s's relay admits kind's Jobs, but kind's nodes have no load balancer.
        assert.deepEqual(healthRelaySourceSites(t, site("k8s")).map((s) => s.name), ["kind"]);
        assert.deepEqual(healthRelaySourceSites(t, site("kind")), []);
        assert.ok(!("x" in gateEndpoints(t, "k8s")));
        assert.ok("a" in gateEndpoints(t, "kind"));
    });
});

describe("gates and rollers reach VM nodes on 8024", () => {
    it("a VM site admits 8024 from the admin ranges and the Kubernetes sites sharing a group with it, nothing else", () => {
        const t = stack("prod");
        const vm = t.sites.find((s) => s.platform === "vm")!;
        assert.deepEqual(
            gateSitesOfVmSite(t, vm).map((s) => s.name),
            ["gcp-euw4", "aws-euw1"],
        );
        const http = sitePortRules(t, vm).find((r) => r.port === 8024)!;
        assert.deepEqual(http.cidrs, [...t.adminCidrs, ...gateSitesOfVmSite(t, vm).map((s) => s.cidr)].sort());
        // Kubernetes sites keep 8024 to admins only (the gate reaches their pods inside the cluster).
        for (const s of t.sites.filter((x) => x.platform !== "vm")) {
            assert.deepEqual(sitePortRules(t, s).find((r) => r.port === 8024)!.cidrs, [...t.adminCidrs].sort(), s.name);
        }
    });

    it("a VM site sharing no group with a Kubernetes site is not asked from there", () => {
        const t = buildTopology({
            sites: ["k8s", { name: "vms", platform: "vm" }, "other"],
            nodes: ["a", "b", "c", { name: "v", site: "vms" }, { name: "o", site: "other" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" }, orders: { a: "PRIMARY", v: "PASSIVE_BACKUP" }, solo: { o: "PRIMARY" } },
        });
        assert.deepEqual(Object.keys(gateEndpoints(t, "k8s")).sort(), ["a", "b", "c", "v"]);
        assert.deepEqual(Object.keys(gateEndpoints(t, "other")), ["o"]);
    });

    it("two consecutive VM nodes get a gate on a Kubernetes site that reaches both, if one exists", () => {
        const t = buildTopology({
            sites: ["k8s", { name: "vm1", platform: "vm" }, { name: "vm2", platform: "vm" }, { name: "vm3", platform: "vm" }],
            nodes: ["a", "b", "c", { name: "v1", site: "vm1" }, { name: "v2", site: "vm2" }, { name: "v3", site: "vm3" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" }, orders: { a: "PRIMARY", v1: "PASSIVE_BACKUP", v2: "PASSIVE_BACKUP" }, lone: { v3: "PRIMARY" } },
        });
        const node = (n: string) => t.nodes.find((x) => x.name === n)!;
        assert.equal(gateSite(node("v1"), node("v2"), t), "k8s");
        assert.equal(gateSite(node("v2"), node("v3"), t), undefined, "v3's site shares no group with a Kubernetes site");
        assert.equal(gateSite(node("a"), node("v1"), t), "k8s");
        assert.equal(gateSite(node("v1"), node("b"), t), "k8s");
    });
});
