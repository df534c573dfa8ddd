/**
 * AWS ↔ GCP HA VPN: which links a topology needs (pure), and under mocks the exact resources of each
 * link on both clouds, checked on their actual inputs.
 */
import assert from "node:assert/strict";
import * as gcp from "@pulumi/gcp";
import { CrossCloudVpns } from "../components/connectivity/crossCloudVpn";
import { crossCloudLinks, planTunnels, TUNNEL_SLOT_COUNT, tunnelSlotCidr } from "../components/connectivity/vpnPlan";
import { GcpNetwork } from "../components/gcp/gcpNetwork";
import { cidrContains, cidrsOverlap } from "../components/topology/cidr";
import { loadTopologyOrThrow } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { assertUniqueUrns, ofType, runUnderMocks } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";
import { vpnProgram } from "./support/cloudPrograms";

function prodTopology(): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile("prod"));
    return loadTopologyOrThrow(raw, options).topology;
}

describe("cross-cloud links (pure)", () => {
    it("links every AWS VPC to the GCP regions it shares a group or clients with, once per region", () => {
        const links = crossCloudLinks(prodTopology());
        assert.deepEqual(
            links.map((l) => [l.key, l.awsSite.name, l.gcpRegion, l.gcpSites.map((s) => s.name)]),
            [
                ["aws-euw1-europe-west4", "aws-euw1", "europe-west4", ["gcp-euw4"]],
                ["aws-use1-europe-west4", "aws-use1", "europe-west4", ["gcp-euw4"]],
            ],
        );
        assert.deepEqual(links[0].reasons, ["gcp-euw4: clients in eu-west-1", "gcp-euw4: replication group _admin", "gcp-euw4: replication group orders"]);
    });

    it("creates no link for sites that need no cross-cloud traffic", () => {
        const t = buildTopology({
            sites: [
                { name: "g", cloud: "gcp", region: "europe-west4" },
                { name: "a", cloud: "aws", region: "eu-west-1" },
                { name: "a2", cloud: "aws", region: "us-east-1" },
            ],
            nodes: [{ name: "g1", site: "g" }, { name: "g2", site: "g" }, { name: "a1", site: "a" }, { name: "b1", site: "a2" }],
            groups: { gg: { g1: "PRIMARY", g2: "PRIMARY" }, aa: { a1: "PRIMARY", b1: "PASSIVE_BACKUP" } },
        });
        assert.deepEqual(crossCloudLinks(t), []);
    });

    it("joins two GCP sites of one region into one link, and ignores existing clusters", () => {
        const t = buildTopology({
            sites: [
                { name: "g1", cloud: "gcp", region: "europe-west4", cidr: "10.1.0.0/16" },
                { name: "g2", cloud: "gcp", platform: "vm", region: "europe-west4", cidr: "10.2.0.0/16" },
                { name: "a", cloud: "aws", region: "eu-west-1", cidr: "10.3.0.0/16" },
                { name: "k", cloud: "aws", platform: "kubernetes", region: "eu-west-2", cidr: "10.4.0.0/16" },
            ],
            nodes: [{ name: "n1", site: "g1" }, { name: "n2", site: "g2" }, { name: "n3", site: "a" }, { name: "n4", site: "k" }],
        });
        const links = crossCloudLinks(t);
        assert.deepEqual(links.map((l) => [l.key, l.gcpSites.map((s) => s.name)]), [["a-europe-west4", ["g1", "g2"]]]);
    });

    it("plans four tunnels per link: interfaces 0,0,1,1, peer interfaces 0..3, AWS /30 host convention", () => {
        assert.equal(tunnelSlotCidr(0), "169.254.16.0/28");
        assert.deepEqual(planTunnels(0), [
            { index: 0, connection: 0, awsTunnel: 1, haInterface: 0, peerInterface: 0, insideCidr: "169.254.16.0/30", vgwInsideIp: "169.254.16.1", cgwInsideIp: "169.254.16.2" },
            { index: 1, connection: 0, awsTunnel: 2, haInterface: 0, peerInterface: 1, insideCidr: "169.254.16.4/30", vgwInsideIp: "169.254.16.5", cgwInsideIp: "169.254.16.6" },
            { index: 2, connection: 1, awsTunnel: 1, haInterface: 1, peerInterface: 2, insideCidr: "169.254.16.8/30", vgwInsideIp: "169.254.16.9", cgwInsideIp: "169.254.16.10" },
            { index: 3, connection: 1, awsTunnel: 2, haInterface: 1, peerInterface: 3, insideCidr: "169.254.16.12/30", vgwInsideIp: "169.254.16.13", cgwInsideIp: "169.254.16.14" },
        ]);
        assert.equal(tunnelSlotCidr(TUNNEL_SLOT_COUNT - 1), "169.254.255.240/28");
        assert.throws(() => tunnelSlotCidr(TUNNEL_SLOT_COUNT), /out of range/);
    });

    it("never collides and avoids AWS's reserved inside ranges, however many links", () => {
        const aws = Array.from({ length: 40 }, (_, i) => ({ name: `aws-${i}`, cloud: "aws" as const, region: `r${i}`, zones: [`r${i}a`], cidr: `10.${100 + i}.0.0/16` }));
        const gcpSites = Array.from({ length: 5 }, (_, i) => ({ name: `gcp-${i}`, cloud: "gcp" as const, region: `g${i}`, zones: [`g${i}-a`], cidr: `10.${i}.0.0/16` }));
        const t = buildTopology({
            sites: [...gcpSites, ...aws],
            nodes: [...gcpSites.map((s) => ({ name: `n-${s.name}`, site: s.name })), ...aws.map((s) => ({ name: `n-${s.name}`, site: s.name }))],
        });
        const links = crossCloudLinks(t);
        assert.equal(links.length, 200);
        const cidrs = links.flatMap((l) => l.tunnels.map((x) => x.insideCidr));
        assert.equal(new Set(cidrs).size, cidrs.length);
        const reserved = ["169.254.0.0/30", "169.254.1.0/30", "169.254.2.0/30", "169.254.3.0/30", "169.254.4.0/30", "169.254.5.0/30", "169.254.169.252/30"];
        for (const c of cidrs) {
            assert.ok(cidrContains("169.254.0.0/16", c), c);
            for (const r of reserved) assert.ok(!cidrsOverlap(c, r), `${c} overlaps reserved ${r}`);
        }
    });

    it("keeps a link's addresses when another link is added", () => {
        const base = prodTopology();
        const before = crossCloudLinks(base).map((l) => [l.key, l.slot]);
        const grown: Topology = {
            ...base,
            sites: [...base.sites, { ...base.sites[1], name: "aws-euc1", region: "eu-central-1", cidr: "10.60.0.0/16", index: base.sites.length }],
            nodes: [...base.nodes, { ...base.nodes[5], name: "axon-x", site: "aws-euc1", region: "eu-central-1", index: base.nodes.length }],
            replicationGroups: base.replicationGroups.map((g) =>
                g.name === "orders" ? { ...g, members: [...g.members, { node: "axon-x", role: "PASSIVE_BACKUP" as const }] } : g,
            ),
        };
        const after = crossCloudLinks(grown).map((l) => [l.key, l.slot]);
        assert.equal(after.length, 3);
        for (const [key, slot] of before) assert.deepEqual(after.find(([k]) => k === key), [key, slot]);
    });
});

describe("cross-cloud VPN with the longest names under mocks", () => {
    it("keeps every GCP name valid and within 63 characters after autonaming", async () => {
        const t = buildTopology({
            environment: "abcdefghijklmnop",
            sites: [
                { name: "gcp-site-name-twenty", cloud: "gcp", region: "northamerica-northeast2", zones: ["northamerica-northeast2-a"], cidr: "10.1.0.0/16" },
                { name: "aws-site-name-twenty", cloud: "aws", region: "ap-southeast-2", zones: ["ap-southeast-2a"], cidr: "10.2.0.0/16" },
            ],
            nodes: [{ name: "n1", site: "gcp-site-name-twenty" }, { name: "n2", site: "aws-site-name-twenty" }],
        });
        const run = await runUnderMocks({ stack: "long" }, () => vpnProgram(t));
        assertUniqueUrns(run.records);
        const gcpRecords = run.records.filter((r) => r.type.startsWith("gcp:"));
        assert.equal(ofType(run.records, "gcp:compute/vPNTunnel:VPNTunnel").length, 4);
        for (const r of gcpRecords) {
            assert.ok(r.name.length <= 55, `${r.type} ${r.name} (${r.name.length})`);
            assert.match(r.name, /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
        }
    });
});

describe("cross-cloud VPN without cross-cloud pairs under mocks", () => {
    it("creates no VPN resource at all", async () => {
        const t = buildTopology({
            environment: "iso",
            sites: [
                { name: "g", cloud: "gcp", region: "europe-west4", zones: ["europe-west4-a"] },
                { name: "a", cloud: "aws", region: "eu-west-1", zones: ["eu-west-1a"] },
            ],
            nodes: [{ name: "g1", site: "g" }, { name: "a1", site: "a" }],
            groups: { gg: { g1: "PRIMARY" }, aa: { a1: "PRIMARY" } },
        });
        const run = await runUnderMocks({ stack: "iso" }, () => vpnProgram(t));
        assertUniqueUrns(run.records);
        const vpnish = run.records.filter((r) => /vpn|VPN|Vpn|customerGateway|randomPassword|routerPeer|routerInterface/.test(r.type));
        assert.deepEqual(vpnish.map((r) => r.type), ["axonserver:connectivity:CrossCloudVpns"]);
    });

    it("refuses a link whose AWS network was not built", async () => {
        const t = prodTopology();
        await assert.rejects(
            runUnderMocks({ stack: "missing" }, () => {
                const gcpProvider = new gcp.Provider("gcp-m", { project: t.gcpProject, region: "europe-west4" });
                const gcpNetwork = new GcpNetwork("m-gcp", { topology: t, provider: gcpProvider });
                return new CrossCloudVpns("m-vpn", { topology: t, gcpNetwork, gcpProvider, awsNetworks: {} });
            }),
            /CrossCloudVpns m-vpn: no AWS network for site aws-euw1 \(needed for aws-euw1-europe-west4\)/,
        );
    });
});
