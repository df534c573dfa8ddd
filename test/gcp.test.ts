/**
 * GCP sites under mocks: the global network and its address plan, GKE sites, firewall rules and the
 * private Cloud DNS zone, checked on their actual inputs.
 */
import assert from "node:assert/strict";
import * as gcp from "@pulumi/gcp";
import { GcpNetwork } from "../components/gcp/gcpNetwork";
import { GkeSite } from "../components/gcp/gkeSite";
import { absoluteDnsName, dnsRecordData } from "../components/gcp/privateDns";
import { gcpAccountId, gcpSiteRanges } from "../components/gcp/ranges";
import { cidrContains, cidrsOverlap } from "../components/topology/cidr";
import { Topology } from "../components/topology/model";
import { assertUniqueUrns, MockRun, ofType, ResourceRecord, runUnderMocks } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";
import { gcpProgram } from "./support/cloudPrograms";

function one(records: ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, got ${found.length}`);
    return found[0];
}

describe("GCP address plan (pure)", () => {
    it("carves nodes, services, control plane and pods from the site CIDR without overlap", () => {
        const plan = gcpSiteRanges({ name: "gcp-euw4", cidr: "10.30.0.0/16", platform: "gke" });
        assert.deepEqual(plan, {
            primary: "10.30.0.0/18",
            secondary: [
                { rangeName: "pods", ipCidrRange: "10.30.128.0/17" },
                { rangeName: "services", ipCidrRange: "10.30.64.0/19" },
            ],
            master: "10.30.96.0/28",
            pods: "10.30.128.0/17",
            services: "10.30.64.0/19",
        });
        const all = [plan.primary, plan.pods!, plan.services!, plan.master!];
        for (const r of all) assert.ok(cidrContains("10.30.0.0/16", r), r);
        for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) assert.ok(!cidrsOverlap(all[i], all[j]), `${all[i]} vs ${all[j]}`);
    });

    it("scales with the prefix and refuses a GKE site smaller than /20", () => {
        assert.deepEqual(gcpSiteRanges({ name: "s", cidr: "10.8.16.0/20", platform: "gke" }), {
            primary: "10.8.16.0/22",
            secondary: [
                { rangeName: "pods", ipCidrRange: "10.8.24.0/21" },
                { rangeName: "services", ipCidrRange: "10.8.20.0/23" },
            ],
            master: "10.8.22.0/28",
            pods: "10.8.24.0/21",
            services: "10.8.20.0/23",
        });
        assert.throws(() => gcpSiteRanges({ name: "tiny", cidr: "10.8.0.0/21", platform: "gke" }), /site tiny: a GKE site needs a CIDR of \/20 or larger.*10\.8\.0\.0\/21/);
        assert.deepEqual(gcpSiteRanges({ name: "vms", cidr: "10.8.0.0/24", platform: "vm" }), { primary: "10.8.0.0/24", secondary: [] });
    });

    it("derives valid service account ids", () => {
        assert.equal(gcpAccountId({ environment: "prod" }, "gcp-euw4", "nodes"), "prod-gcp-euw4-nodes");
        const long = gcpAccountId({ environment: "production-eu-1" }, "gcp-europe-west4-xx", "nodes");
        assert.ok(long.length <= 30 && /^[a-z]([-a-z0-9]*[a-z0-9])$/.test(long), long);
        assert.notEqual(long, gcpAccountId({ environment: "production-eu-1" }, "gcp-europe-west4-yy", "nodes"));
        assert.match(gcpAccountId({ environment: "1st" }, "s", "nodes"), /^ax-1st-s-nodes$/);
    });

    it("maps DNS targets to A and CNAME records", () => {
        assert.equal(absoluteDnsName("a.b."), "a.b.");
        assert.equal(absoluteDnsName("a.b"), "a.b.");
        assert.deepEqual(dnsRecordData({ ip: "10.0.0.1" }), { type: "A", rrdatas: ["10.0.0.1"] });
        assert.deepEqual(dnsRecordData({ hostname: "x.elb.amazonaws.com" }), { type: "CNAME", rrdatas: ["x.elb.amazonaws.com."] });
    });
});

describe("GCP network with several sites and regions under mocks", () => {
    const topology = buildTopology({
        environment: "multi",
        sites: [
            { name: "gke-eu", cloud: "gcp", region: "europe-west4", zones: ["europe-west4-a", "europe-west4-b"], cidr: "10.30.0.0/16" },
            { name: "gke-us", cloud: "gcp", region: "us-east1", zones: ["us-east1-b"], cidr: "10.31.0.0/16" },
            { name: "vm-eu", cloud: "gcp", platform: "vm", region: "europe-west4", zones: ["europe-west4-c"], cidr: "10.32.0.0/20" },
            { name: "aws-eu", cloud: "aws", region: "eu-west-1", cidr: "10.40.0.0/16" },
        ],
        nodes: [
            { name: "a1", site: "gke-eu" },
            { name: "a2", site: "gke-us" },
            { name: "a3", site: "vm-eu" },
        ],
        overrides: { gcpProject: "multi-proj" },
    });
    let run: MockRun<unknown>;

    before(async () => {
        const withVersion: Topology = {
            ...topology,
            sites: topology.sites.map((s) =>
                s.name === "gke-us"
                    ? {
                          ...s,
                          cluster: {
                              ...s.cluster,
                              kubernetesVersion: "1.33",
                              deletionProtection: false,
                              maintenanceWindow: { startTime: "2026-01-05T01:00:00Z", endTime: "2026-01-05T07:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=MO,TU" },
                              maintenanceExclusions: [{ name: "freeze", startTime: "2026-12-20T00:00:00Z", endTime: "2027-01-04T00:00:00Z", scope: "NO_MINOR_UPGRADES" as const }],
                          },
                      }
                    : s,
            ),
        };
        run = await runUnderMocks({ stack: "multi" }, () => gcpProgram(withVersion));
    });

    // The site's config reaches the cluster: deletion protection can be switched off (then `pulumi up`,
    // then `pulumi destroy`), and the maintenance window and exclusions are the configured ones.
    it("takes deletion protection, maintenance window and exclusions from the site's config", () => {
        const us = one(run.records, "gcp:container/cluster:Cluster", "multi-gke-us-gke");
        assert.equal(us.inputs.deletionProtection, false);
        assert.deepEqual(us.inputs.maintenancePolicy, {
            recurringWindow: { startTime: "2026-01-05T01:00:00Z", endTime: "2026-01-05T07:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=MO,TU" },
            maintenanceExclusions: [
                { exclusionName: "freeze", startTime: "2026-12-20T00:00:00Z", endTime: "2027-01-04T00:00:00Z", exclusionOptions: { scope: "NO_MINOR_UPGRADES" } },
            ],
        });
        assert.equal(one(run.records, "gcp:container/cluster:Cluster", "multi-gke-eu-gke").inputs.deletionProtection, true);
    });

    it("shares one VPC: a subnet per GCP site, a router and NAT per region, no peering", () => {
        assertUniqueUrns(run.records);
        assert.equal(ofType(run.records, "gcp:compute/network:Network").length, 1);
        assert.equal(ofType(run.records, "gcp:compute/networkPeering:NetworkPeering").length, 0);
        const subnets = Object.fromEntries(ofType(run.records, "gcp:compute/subnetwork:Subnetwork").map((r) => [r.name, [r.inputs.region, r.inputs.ipCidrRange, r.inputs.secondaryIpRanges]]));
        assert.deepEqual(subnets, {
            "multi-gcp-gke-eu-subnet": ["europe-west4", "10.30.0.0/18", [{ rangeName: "pods", ipCidrRange: "10.30.128.0/17" }, { rangeName: "services", ipCidrRange: "10.30.64.0/19" }]],
            "multi-gcp-gke-us-subnet": ["us-east1", "10.31.0.0/18", [{ rangeName: "pods", ipCidrRange: "10.31.128.0/17" }, { rangeName: "services", ipCidrRange: "10.31.64.0/19" }]],
            "multi-gcp-vm-eu-subnet": ["europe-west4", "10.32.0.0/20", []],
        });
        assert.deepEqual(ofType(run.records, "gcp:compute/router:Router").map((r) => r.inputs.region).sort(), ["europe-west4", "us-east1"]);
        assert.deepEqual(ofType(run.records, "gcp:compute/routerNat:RouterNat").map((r) => r.inputs.region).sort(), ["europe-west4", "us-east1"]);
    });

    it("gives every GKE cluster its own control-plane range, and pins the configured version", () => {
        const clusters = Object.fromEntries(ofType(run.records, "gcp:container/cluster:Cluster").map((r) => [r.name, r.inputs]));
        assert.equal((clusters["multi-gke-eu-gke"].privateClusterConfig as Record<string, unknown>).masterIpv4CidrBlock, "10.30.96.0/28");
        assert.equal((clusters["multi-gke-us-gke"].privateClusterConfig as Record<string, unknown>).masterIpv4CidrBlock, "10.31.96.0/28");
        assert.equal(clusters["multi-gke-us-gke"].minMasterVersion, "1.33");
        assert.equal(clusters["multi-gke-eu-gke"].minMasterVersion, undefined);
        assert.deepEqual(clusters["multi-gke-us-gke"].nodeLocations, ["us-east1-b"]);
        assert.equal(ofType(run.records, "gcp:serviceaccount/account:Account").length, 2);
        assert.equal(ofType(run.records, "kubernetes:storage.k8s.io/v1:StorageClass").length, 6);
    });

    it("tags the firewall rules of each site with that site's tag", () => {
        const tags = new Set(ofType(run.records, "gcp:compute/firewall:Firewall").map((r) => (r.inputs.targetTags as string[]).join()));
        assert.deepEqual([...tags].sort(), ["multi-gke-eu-axon", "multi-gke-us-axon", "multi-vm-eu-axon"]);
    });

    it("keeps names within GCP's limits for the longest environment and site names", async () => {
        const t = buildTopology({
            environment: "abcdefghijklmnop",
            sites: [{ name: "gcp-site-name-twenty", cloud: "gcp", region: "northamerica-northeast2", zones: ["northamerica-northeast2-a"], cidr: "10.1.0.0/16" }],
            nodes: ["n1"],
        });
        const long = await runUnderMocks({ stack: "long" }, () => gcpProgram(t));
        assertUniqueUrns(long.records);
        // Types whose GCP name Pulumi derives from the logical name (the others get explicit names or none).
        const autonamed = /^gcp:(compute\/(network|subnetwork|router|routerNat|firewall)|dns\/managedZone):/;
        const named = long.records.filter((x) => autonamed.test(x.type));
        assert.equal(named.length, 7);
        for (const r of named) assert.ok(r.name.length <= 55, `${r.type} ${r.name}`);
        const cluster = ofType(long.records, "gcp:container/cluster:Cluster")[0];
        assert.equal(cluster.inputs.name, "abcdefghijklmnop-gcp-site-name-twenty");
        assert.ok(String(cluster.inputs.name).length <= 40);
        const account = String(ofType(long.records, "gcp:serviceaccount/account:Account")[0].inputs.accountId);
        assert.ok(account.length <= 30 && /^[a-z]([-a-z0-9]*[a-z0-9])$/.test(account), account);
        const tag = (ofType(long.records, "gcp:compute/firewall:Firewall")[0].inputs.targetTags as string[])[0];
        assert.ok(tag.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(tag), tag);
    });

    it("refuses a GKE site on a network without its subnet", async () => {
        const aws = buildTopology({ sites: [{ name: "g", cloud: "gcp" }], nodes: ["n"] });
        await assert.rejects(
            runUnderMocks({ stack: "bad" }, () => {
                const provider = new gcp.Provider("gcp-bad", { project: "p", region: "g" });
                const network = new GcpNetwork("bad-net", { topology: { ...aws, sites: [] }, provider });
                return new GkeSite("bad-site", { topology: aws, site: aws.sites[0], network, provider });
            }),
            /GkeSite bad-site: network test-project has no subnet for site g/,
        );
    });
});
