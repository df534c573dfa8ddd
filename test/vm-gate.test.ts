/**
 * Who gates and checks VM nodes (components/topology/connectivity.ts `gateSitesOfVmSite`, `vmGateSite`,
 * `sitesRouted`; components/kubernetes/rollingGate.ts `gateSite`): a Job reaches a VM's 8024 only over a
 * network path the program builds (or, for an existing cluster, one it tells the user to provide), and only
 * when the VM's firewall admits the Job's site. One function decides which sites those are; the firewall,
 * the gate and roller configurations and the gate's site all follow it.
 *
 * Network facts behind the expectations:
 * - AWS VPC peering is not transitive: "Transitive peering relationships are not supported"
 *   (docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html); the program peers exactly the pairs
 *   of `connectedSitePairs` (stacks/connectivity.ts).
 * - One global GCP VPC routes between all its subnets in every region ("VPC networks … are global
 *   resources … subnet routes", cloud.google.com/vpc/docs/vpc); only firewall rules decide what passes.
 * - An AWS site with an HA VPN link learns every GCP site CIDR: the Cloud Router advertises all of them
 *   (components/connectivity/crossCloudVpn.ts `advertisedIpRanges`), and the GCP network routes globally
 *   (`routingMode: GLOBAL`, components/gcp/gcpNetwork.ts), so the AWS VPC range is learnt in every region.
 */
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { NodePlacer } from "../components/axonserver/placement";
import { AxonServerCluster } from "../components/axonserver/cluster";
import { kubernetesPlacer } from "../components/kubernetes/kubernetesPlacer";
import { rollerConfig } from "../components/kubernetes/roller";
import { gateConfig, gateSite } from "../components/kubernetes/rollingGate";
import { KubernetesHost } from "../components/platform/host";
import { retainedStorageClassArgs } from "../components/platform/storageClass";
import * as connectivity from "../components/topology/connectivity";
import { gateSitesOfVmSite, nodesVisibleFromSite, sitePortRules } from "../components/topology/connectivity";
import { loadTopology } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { buildReport, renderReportText } from "../components/topology/report";
import { creationOrder, rollerSegments } from "../components/topology/rolling";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { MockRun, ofType, providerName, ResourceRecord, runUnderMocks, unwrapSecrets } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep assertions on plain JSON
type J = any;
const JOB = "kubernetes:batch/v1:Job";
const PET = "random:index/randomPet:RandomPet";
const inputs = (r: ResourceRecord): J => unwrapSecrets(r.inputs);
const envOf = (job: ResourceRecord, name: string): J => JSON.parse(inputs(job).spec.template.spec.containers[0].env.find((e: J) => e.name === name).value);
const http8024 = (t: Topology, site: string) => sitePortRules(t, t.sites.find((s) => s.name === site)!).find((r) => r.port === 8024)?.cidrs ?? [];
// The exports this file adds to connectivity.ts, read through the module so the file still loads (and
// these tests fail, rather than the whole file) on code without them.
const routed = (t: Topology, x: string, y: string): boolean => {
    const fn = (connectivity as unknown as Record<string, (t: Topology, a: unknown, b: unknown) => boolean>).sitesRouted;
    assert.equal(typeof fn, "function", "connectivity.ts exports sitesRouted");
    return fn(t, t.sites.find((s) => s.name === x)!, t.sites.find((s) => s.name === y)!);
};

/**
 * Two AWS VM sites whose replication group (`ledger`) has no Kubernetes member. Clients in eu-west-1 (site
 * `k`) and us-east-1 (site `k2`) use `ledger`, so both Kubernetes sites are connected (peered) to both VM
 * sites for 8124, but neither shares a group with them. Chain: a, d, b, c, v1, v2, e; update order v1, v2,
 * then e (k), d (k2), b, c, a: the first roller runs on `k`, after v2. `k2` runs no Job that asks a VM.
 */
function vmPairTopology(environment = "vg"): Topology {
    return buildTopology({
        environment,
        sites: [
            { name: "k", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], cidr: "10.0.0.0/16" },
            { name: "k2", region: "us-east-1", zones: ["us-east-1a"], cidr: "10.1.0.0/16" },
            { name: "vm1", platform: "vm", region: "eu-central-1", zones: ["eu-central-1a"], cidr: "10.2.0.0/16" },
            { name: "vm2", platform: "vm", region: "eu-north-1", zones: ["eu-north-1a"], cidr: "10.3.0.0/16" },
        ],
        nodes: ["a", { name: "d", site: "k2" }, "b", "c", "e", { name: "v1", site: "vm1" }, { name: "v2", site: "vm2" }],
        groups: {
            _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" },
            orders: { a: "PRIMARY", e: "SECONDARY" },
            solo: { d: "PRIMARY" },
            ledger: { v1: "PRIMARY", v2: "PRIMARY" },
        },
        clients: [
            { region: "eu-west-1", cidrs: ["10.0.0.0/16"], namespaces: [], contexts: ["ledger"] },
            { region: "us-east-1", cidrs: ["10.1.0.0/16"], namespaces: [], contexts: ["ledger"] },
        ],
    });
}

const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name);

describe("VM nodes: which Kubernetes site gates and checks them (network path, not group membership)", () => {
    it("the fixture is what it claims: no Kubernetes member in ledger, both Kubernetes sites connected to both VM sites", () => {
        const t = vmPairTopology();
        assert.deepEqual(names(creationOrder(t)), ["a", "d", "b", "c", "v1", "v2", "e"]);
        assert.deepEqual(
            rollerSegments(t).map((s) => [s.site, s.after]),
            [
                ["k", "v2"],
                ["k2", "e"],
                ["k", "d"],
            ],
        );
        const pairs = connectivity.connectedSitePairs(t).map((p) => `${p.a.name}|${p.b.name}`);
        for (const p of ["k|vm1", "k|vm2", "k2|vm1", "k2|vm2"]) assert.ok(pairs.includes(p), p);
    });

    it("two consecutive VM nodes: the gate runs on the first Kubernetes site routed to both VM sites", () => {
        const t = vmPairTopology();
        const node = (n: string) => t.nodes.find((x) => x.name === n)!;
        assert.equal(gateSite(node("v1"), node("v2"), t), "k");
        // Unchanged: a Kubernetes node's own site, whichever side it is on.
        assert.equal(gateSite(node("c"), node("v1"), t), "k");
        assert.equal(gateSite(node("v2"), node("e"), t), "k");
        assert.equal(gateSite(node("d"), node("b"), t), "k2");
    });

    it("opens the VM sites' 8024 to the admin ranges and the one Kubernetes site whose Jobs ask them, not to k2", () => {
        const t = vmPairTopology();
        for (const vm of ["vm1", "vm2"]) {
            assert.deepEqual(names(gateSitesOfVmSite(t, t.sites.find((s) => s.name === vm)!)), ["k"], vm);
            assert.deepEqual(http8024(t, vm), ["10.0.0.0/16", "10.99.0.0/24"], `${vm}: admins and k only; k2 (10.1.0.0/16) is routed too but asks nothing`);
        }
        // Kubernetes sites keep 8024 to the admin ranges (their own Jobs reach their pods in-cluster).
        for (const k of ["k", "k2"]) assert.deepEqual(http8024(t, k), ["10.99.0.0/24"], k);
    });

    it("the firewall and the Jobs agree: what a site's Jobs are configured to ask is exactly what admits it", () => {
        const t = vmPairTopology();
        const node = (n: string) => t.nodes.find((x) => x.name === n)!;
        assert.deepEqual(names(nodesVisibleFromSite(t, "k")), ["a", "b", "c", "e", "v1", "v2"]);
        assert.deepEqual(names(nodesVisibleFromSite(t, "k2")), ["d"]);
        const gate = gateConfig(t, node("v1"), node("v2"), "k");
        assert.equal(gate.endpoints.v1, "http://v1.vg.axon.internal:8024");
        assert.equal(gate.endpoints.v2, "http://v2.vg.axon.internal:8024");
        assert.equal(gate.beforeAddress, "v2.vg.axon.internal", "a new v2 (no DNS name yet) has nothing to lose");
        const first = rollerConfig(t, rollerSegments(t)[0]);
        assert.equal(first.after, "v2", "the roller after the last VM checks it is back");
        assert.equal(first.endpoints.v2, "http://v2.vg.axon.internal:8024");
        // Every VM endpoint a Job of a site is given is on a VM site whose 8024 rule admits that site.
        for (const site of ["k", "k2"]) {
            const cidr = t.sites.find((s) => s.name === site)!.cidr;
            for (const n of nodesVisibleFromSite(t, site).filter((x) => x.platform === "vm")) {
                assert.ok(http8024(t, n.site).includes(cidr), `${n.name}'s firewall admits ${site}`);
            }
        }
    });

    it("knows which sites are routed: peering per pair only, one global GCP VPC, AWS to every GCP site over its VPN", () => {
        const aws = vmPairTopology();
        assert.equal(routed(aws, "k", "vm1"), true, "peered (clients in eu-west-1)");
        assert.equal(routed(aws, "vm1", "vm2"), true, "peered (ledger)");
        const lone = buildTopology({
            sites: ["k", { name: "vm1", platform: "vm" }, { name: "vm2", platform: "vm" }],
            nodes: ["a", { name: "v1", site: "vm1" }, { name: "v2", site: "vm2" }],
            groups: { _admin: { a: "PRIMARY" }, left: { a: "PRIMARY", v1: "PASSIVE_BACKUP" }, right: { v2: "PRIMARY" } },
        });
        assert.equal(routed(lone, "k", "vm1"), true);
        assert.equal(routed(lone, "k", "vm2"), false, "no pair: no peering");
        assert.equal(routed(lone, "vm1", "vm2"), false, "peering is not transitive");

        const mixed = buildTopology({
            sites: [
                { name: "e", cloud: "aws", region: "eu-west-1" },
                { name: "g", cloud: "gcp", platform: "gke", region: "europe-west4" },
                { name: "gvm", cloud: "gcp", platform: "vm", region: "us-central1" },
                { name: "avm", cloud: "aws", platform: "vm", region: "us-east-1" },
                { name: "kind", cloud: "none", platform: "kubernetes", region: "local" },
            ],
            nodes: ["a", { name: "b", site: "g" }, { name: "gv", site: "gvm" }, { name: "av", site: "avm" }, { name: "x", site: "kind" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY" }, dr: { gv: "PRIMARY" }, ar: { av: "PRIMARY" }, local: { x: "PRIMARY" } },
        });
        assert.equal(routed(mixed, "g", "gvm"), true, "same GCP network, no pair needed");
        assert.equal(routed(mixed, "e", "gvm"), true, "e has a VPN link (pair with g): the Cloud Router advertises every GCP site");
        assert.equal(routed(mixed, "e", "avm"), false, "two AWS VPCs without a pair");
        assert.equal(routed(mixed, "g", "avm"), false, "no VPN link from avm");
        assert.equal(routed(mixed, "kind", "gvm"), false, "an existing cluster is routed only where a pair tells the user to");
    });

    it("a GKE site gates two GCP VM nodes on the same network, with no group or client in common", () => {
        const t = buildTopology({
            environment: "gg",
            sites: [
                { name: "g", cloud: "gcp", platform: "gke", region: "europe-west4", cidr: "10.30.0.0/16" },
                { name: "gvm1", cloud: "gcp", platform: "vm", region: "us-central1", cidr: "10.31.0.0/16" },
                { name: "gvm2", cloud: "gcp", platform: "vm", region: "us-east4", cidr: "10.32.0.0/16" },
            ],
            nodes: ["a", "b", "c", { name: "v1", site: "gvm1" }, { name: "v2", site: "gvm2" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" }, ledger: { v1: "PRIMARY", v2: "PASSIVE_BACKUP" } },
        });
        const node = (n: string) => t.nodes.find((x) => x.name === n)!;
        assert.equal(gateSite(node("v1"), node("v2"), t), "g");
        assert.deepEqual(http8024(t, "gvm1"), ["10.30.0.0/16", "10.99.0.0/24"]);
        assert.deepEqual(http8024(t, "gvm2"), ["10.30.0.0/16", "10.99.0.0/24"]);
    });

    it("no Kubernetes site routed to both: no gate, and 8024 stays closed to sites that cannot use it", () => {
        const t = buildTopology({
            sites: ["k", { name: "vm1", platform: "vm" }, { name: "vm2", platform: "vm" }],
            nodes: ["a", "b", "c", { name: "v1", site: "vm1" }, { name: "v2", site: "vm2" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" }, left: { a: "PRIMARY", v1: "PRIMARY" }, right: { v2: "PRIMARY" } },
        });
        const node = (n: string) => t.nodes.find((x) => x.name === n)!;
        assert.equal(gateSite(node("v1"), node("v2"), t), undefined);
        assert.deepEqual(http8024(t, "vm1"), ["10.0.0.0/16", "10.99.0.0/24"], "k shares left with vm1");
        assert.deepEqual(http8024(t, "vm2"), ["10.99.0.0/24"], "k has no path to vm2");
    });
});

/** A Kubernetes host on a stand-in provider (as test/roller-graph.test.ts). */
function host(prefix: string, site: string): KubernetesHost {
    const provider = new k8s.Provider(`${prefix}-${site}-k8s`, {});
    const sc = new k8s.storage.v1.StorageClass(`${prefix}-${site}-sc`, retainedStorageClassArgs({ name: "axon", provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } }), { provider });
    return { site, provider, storageClassNames: { fast: sc.metadata.name, standard: sc.metadata.name, cold: sc.metadata.name }, readyResources: [sc], internalLoadBalancer: "none" };
}

/** A stand-in VM placer: one RandomPet per VM node (its instance), no gates of its own. */
function petPlacer(prefix: string): NodePlacer {
    return {
        name: "test-vm",
        handles: (n) => n.platform === "vm",
        attach: (c) => ({
            place: (node, step) => {
                const pet = new random.RandomPet(`${prefix}-${node.name}-vm`, {}, { parent: c.parent, dependsOn: [...step.dependsOn] });
                return { node, component: c.parent, ready: [pet], endpoint: pulumi.output({ site: node.site, fqdn: `${node.name}.${prefix}.axon.internal`, grpc: "", http: "", internalGrpc: "" }) };
            },
        }),
    };
}

describe("the gate between two VM nodes in the resource graph (mocks)", () => {
    let run: MockRun<AxonServerCluster>;
    let t: Topology;
    before(async () => {
        t = vmPairTopology();
        run = await runUnderMocks({ stack: "vg" }, () => new AxonServerCluster("vg", { topology: t, secrets: { license: "LICENSE" }, placers: [kubernetesPlacer({ hosts: { k: host("vg", "k"), k2: host("vg", "k2") } }), petPlacer("vg")] }));
    });
    const job = (name: string) => {
        const js = ofType(run.records, JOB).filter((r) => r.name === name);
        assert.equal(js.length, 1, `one Job ${name}`);
        return js[0];
    };
    const pet = (node: string) => ofType(run.records, PET).find((r) => r.name === `vg-${node}-vm`)!;

    it("creates a gate Job v1 -> v2 on site k: after v1's instance, before v2's", () => {
        assert.deepEqual(Object.keys(run.result.gates), ["a->d", "d->b", "b->c", "c->v1", "v1->v2", "v2->e"]);
        // The report says where each gate runs, as the graph does.
        const report = buildReport({ topology: t, errors: [], warnings: [] });
        assert.deepEqual(
            report.gates.map((g) => `${g.after}->${g.before}@${g.site}`),
            ["a->d@k", "d->b@k2", "b->c@k", "c->v1@k", "v1->v2@k", "v2->e@k"],
        );
        const gate = job("vg-gate-v2");
        assert.equal(providerName(gate), "vg-k-k8s", "runs on k's cluster");
        assert.ok(gate.dependencies.includes(pet("v1").urn), "waits for v1's replacement");
        assert.ok(pet("v2").dependencies.includes(gate.urn), "v2 is replaced only after the gate passed");
        assert.ok(!pet("v2").dependencies.includes(pet("v1").urn), "through the gate only");
        const cfg = envOf(gate, "GATE_CONFIG");
        assert.equal(cfg.after, "v1");
        assert.equal(cfg.before, "v2");
        assert.deepEqual(Object.keys(cfg.endpoints).sort(), ["a", "b", "c", "e", "v1", "v2"]);
        assert.deepEqual(
            cfg.groups.map((g: J) => g.name),
            ["ledger"],
        );
    });

    it("the gate after v2 and the first roller (both on k) ask v2 too; nothing on k2 asks a VM", () => {
        assert.equal(envOf(job("vg-gate-e"), "GATE_CONFIG").endpoints.v2, "http://v2.vg.axon.internal:8024");
        const roller = job("vg-roller-k-0");
        assert.equal(providerName(roller), "vg-k-k8s");
        assert.equal(envOf(roller, "ROLLER_CONFIG").after, "v2");
        for (const j of ofType(run.records, JOB).filter((r) => providerName(r) === "vg-k2-k8s")) {
            const cfg = envOf(j, j.name.includes("roller") ? "ROLLER_CONFIG" : "GATE_CONFIG");
            assert.deepEqual(Object.keys(cfg.endpoints), ["d"], j.name);
        }
    });
});

describe("no Kubernetes site can gate or check a VM node: a load-time warning, pulumi up still deploys", () => {
    /** VM sites only: the platform engineer's case. */
    const vmOnly = () => ({
        environment: "vmonly",
        axonServer: { version: "2024.2.4", download: { url: "https://artifacts.example.com/axonserver-2024.2.4.jar", sha256: "a".repeat(64) } },
        adminCidrs: ["10.99.0.0/24"],
        clusterAccess: { runnerCidrs: ["203.0.113.10/32"] },
        sites: [
            { name: "vm-a", cloud: "aws", platform: "vm", region: "eu-west-1", zones: ["eu-west-1a"], cidr: "10.50.0.0/16" },
            { name: "vm-b", cloud: "aws", platform: "vm", region: "eu-central-1", zones: ["eu-central-1a"], cidr: "10.51.0.0/16" },
        ],
        nodes: [
            { name: "v1", site: "vm-a", zone: "eu-west-1a" },
            { name: "v2", site: "vm-a", zone: "eu-west-1a" },
            { name: "v3", site: "vm-b", zone: "eu-central-1a" },
        ],
        replicationGroups: [{ name: "default", members: { v1: "PRIMARY", v2: "PRIMARY", v3: "PRIMARY" } }],
    });
    const ungated = (ws: readonly { path: string; message: string }[]) => ws.filter((w) => /no rolling gate/.test(w.message));

    it("warns once per ungated pair of the creation chain, naming it, its sites and what to change; no error", () => {
        const r = loadTopology(vmOnly());
        assert.deepEqual(r.errors, []);
        assert.ok(r.topology, "the topology loads: pulumi up deploys it");
        const ws = ungated(r.warnings);
        assert.deepEqual(
            ws.map((w) => w.path),
            ["nodes[1]", "nodes[2]"],
        );
        assert.match(ws[0].message, /^no rolling gate between VM nodes "v1" \(site "vm-a"\) and "v2" \(site "vm-a"\)/);
        assert.match(ws[1].message, /^no rolling gate between VM nodes "v2" \(site "vm-a"\) and "v3" \(site "vm-b"\)/);
        for (const w of ws) {
            assert.match(w.message, /no Kubernetes site with Axon nodes has a network path to both/);
            assert.match(w.message, /connect a Kubernetes site that runs Axon nodes to (both "vm-a" and "vm-b"|"vm-a"): a replication group or clients linking them/);
            assert.match(w.message, /Checking a node's groups by hand/);
        }
    });

    it("shows the warning in the topology report, JSON and text (what npm run topology prints)", () => {
        const report = buildReport(loadTopology(vmOnly()), "vmonly");
        assert.equal(report.valid, true);
        assert.equal(ungated(report.warnings).length, 2);
        assert.deepEqual(Object.keys(report.warnings[0]), ["path", "message"], "the Issue shape of schema 3");
        assert.deepEqual(report.gates, [
            { after: "v1", before: "v2" },
            { after: "v2", before: "v3" },
        ], "no site: no gate");
        const text = renderReportText(report);
        assert.match(text, /nodes\[1\]: no rolling gate between VM nodes "v1" \(site "vm-a"\) and "v2"/);
        assert.match(text, /No gate between v1 -> v2, v2 -> v3: no Kubernetes site has a network path to both VM nodes/);
    });

    it("warns when a Job's site cannot reach the VM it must check (a VM next to a node of an unrouted site)", () => {
        const t = buildTopology({
            sites: ["k", { name: "vm1", platform: "vm" }],
            nodes: ["a", "b", "c", { name: "v", site: "vm1" }],
            groups: { _admin: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" }, lone: { v: "PRIMARY" } },
        });
        const warnings = (connectivity as unknown as Record<string, (t: Topology) => { path: string; message: string }[]>).vmGateWarnings;
        assert.equal(typeof warnings, "function", "connectivity.ts exports vmGateWarnings");
        const ws = warnings(t);
        assert.deepEqual(
            ws.map((w) => w.path),
            ["nodes[3]", "nodes[3]"],
        );
        assert.match(ws[0].message, /^the rolling gate "c" -> "v" runs on site "k", which has no network path to "v"'s site "vm1"\. .*where "v" votes the gate stops for the audited override/);
        assert.match(ws[1].message, /^the roller on site "k" does not check that "v" \(site "vm1"\) is back/);
    });

    it("the example stacks get no such warning, and their gates and 8024 rules are those of before", () => {
        for (const stack of ["local", "dev", "prod"]) {
            const { raw, options } = stackConfigFromFile(readStackFile(stack));
            const r = loadTopology(raw, options);
            assert.deepEqual(r.errors, [], stack);
            assert.deepEqual(
                r.warnings.filter((w) => /rolling gate|roller on site/.test(w.message)),
                [],
                stack,
            );
        }
        const { raw, options } = stackConfigFromFile(readStackFile("prod"));
        const prod = loadTopology(raw, options).topology!;
        const chain = creationOrder(prod);
        assert.deepEqual(
            chain.slice(1).map((n, i) => `${chain[i].name}->${n.name}@${gateSite(chain[i], n, prod)}`),
            [
                "axon-1->axon-2@gcp-euw4",
                "axon-2->axon-3@gcp-euw4",
                "axon-3->axon-ab-1@gcp-euw4",
                "axon-ab-1->axon-ab-2@aws-euw1",
                "axon-ab-2->axon-sec-1@aws-euw1",
                "axon-sec-1->axon-sec-2@gcp-euw4",
                "axon-sec-2->axon-dr-1@gcp-euw4",
            ],
        );
        assert.deepEqual(http8024(prod, "aws-use1"), ["10.30.0.0/16", "10.40.0.0/16", "10.99.0.0/24"]);
        // The VM as before; the gcp-euw4 nodes through their health relay (8025), not their 8024.
        assert.deepEqual(names(nodesVisibleFromSite(prod, "aws-euw1")), ["axon-1", "axon-2", "axon-3", "axon-sec-1", "axon-sec-2", "axon-ab-1", "axon-ab-2", "axon-dr-1"]);
    });
});
