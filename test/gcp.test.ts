/**
 * GCP sites under mocks: the global network and its address plan, GKE sites, firewall rules and the
 * private Cloud DNS zone, checked on their actual inputs.
 */
import assert from "node:assert/strict";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GcpFirewall } from "../components/gcp/firewall";
import { GcpNetwork } from "../components/gcp/gcpNetwork";
import { GkeSite } from "../components/gcp/gkeSite";
import { absoluteDnsName, dnsRecordData, GcpPrivateDns } from "../components/gcp/privateDns";
import { gcpAccountId, gcpSiteRanges } from "../components/gcp/ranges";
import { cidrContains, cidrsOverlap } from "../components/topology/cidr";
import { sitePortRules } from "../components/topology/connectivity";
import { loadTopologyOrThrow } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { nodeAddress, privateZoneName } from "../components/topology/naming";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { assertUniqueUrns, countByType, MockRun, ofType, outputValue, ResourceRecord, runUnderMocks } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

function prodTopology(): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile("prod"));
    return loadTopologyOrThrow(raw, options).topology;
}

function one(records: ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, got ${found.length}`);
    return found[0];
}

/** Everything GCP of an environment, as the stack wires it. */
function gcpProgram(topology: Topology) {
    const provider = new gcp.Provider("gcp", { project: topology.gcpProject, region: "europe-west4" });
    const network = new GcpNetwork(`${topology.environment}-gcp`, { topology, provider });
    const sites = topology.sites.filter((s) => s.cloud === "gcp");
    const gke = Object.fromEntries(
        sites.filter((s) => s.platform === "gke").map((site) => [site.name, new GkeSite(`${topology.environment}-${site.name}`, { topology, site, network, provider })]),
    );
    const firewalls = sites.map((site) => new GcpFirewall(`${topology.environment}-${site.name}-fw`, { topology, site, network, provider }));
    const dns = new GcpPrivateDns(`${topology.environment}-dns`, {
        zoneName: privateZoneName(topology),
        network,
        provider,
        records: topology.nodes
            .filter((n) => n.cloud === "gcp")
            .map((n, i) => ({ name: nodeAddress(topology, n).fqdn, target: i % 2 === 0 ? { ip: `10.30.0.${10 + i}` } : { hostname: `lb-${n.name}.example.internal` } })),
    });
    return { network, gke, firewalls, dns };
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

describe("GCP sites of Pulumi.prod.yaml under mocks", () => {
    let topology: Topology;
    let run: MockRun<ReturnType<typeof gcpProgram>>;

    before(async () => {
        topology = prodTopology();
        run = await runUnderMocks({ stack: "prod" }, () => gcpProgram(topology));
    });

    it("creates exactly the expected resources per type, each URN once", () => {
        assertUniqueUrns(run.records);
        assert.ok(run.records.every((r) => r.urn !== ""), "every registration completed");
        assert.deepEqual(countByType(run.records), {
            "axonserver:gcp:GcpFirewall": 1,
            "axonserver:gcp:GcpNetwork": 1,
            "axonserver:gcp:GcpPrivateDns": 1,
            "axonserver:gcp:GkeSite": 1,
            "gcp:compute/address:Address": 5, // one reserved internal LB address per Axon node of the GKE site
            "gcp:compute/firewall:Firewall": 4,
            "gcp:compute/network:Network": 1,
            "gcp:compute/router:Router": 1,
            "gcp:compute/routerNat:RouterNat": 1,
            "gcp:compute/subnetwork:Subnetwork": 1,
            "gcp:container/cluster:Cluster": 1,
            "gcp:container/nodePool:NodePool": 1,
            "gcp:dns/managedZone:ManagedZone": 1,
            "gcp:dns/recordSet:RecordSet": 5,
            "gcp:projects/iAMMember:IAMMember": 5,
            "gcp:serviceaccount/account:Account": 1,
            "kubernetes:storage.k8s.io/v1:StorageClass": 3,
            "pulumi:providers:gcp": 1,
            "pulumi:providers:kubernetes": 1,
        });
    });

    it("builds one custom-mode global VPC and the site's subnet with secondary ranges", () => {
        const vpc = one(run.records, "gcp:compute/network:Network", "prod-gcp-vpc");
        assert.equal(vpc.inputs.autoCreateSubnetworks, false);
        assert.equal(vpc.inputs.routingMode, "GLOBAL");
        assert.equal(vpc.inputs.project, "acme-axon-prod");
        const subnet = one(run.records, "gcp:compute/subnetwork:Subnetwork", "prod-gcp-gcp-euw4-subnet");
        assert.equal(subnet.inputs.region, "europe-west4");
        assert.equal(subnet.inputs.ipCidrRange, "10.30.0.0/18");
        assert.deepEqual(subnet.inputs.secondaryIpRanges, [
            { rangeName: "pods", ipCidrRange: "10.30.128.0/17" },
            { rangeName: "services", ipCidrRange: "10.30.64.0/19" },
        ]);
        assert.equal(subnet.inputs.privateIpGoogleAccess, true);
        assert.equal(subnet.inputs.network, "prod-gcp-vpc-id");
    });

    it("gives the region a Cloud Router with Cloud NAT for all subnets", () => {
        const router = one(run.records, "gcp:compute/router:Router", "prod-gcp-europe-west4-router");
        assert.equal(router.inputs.region, "europe-west4");
        const nat = one(run.records, "gcp:compute/routerNat:RouterNat", "prod-gcp-europe-west4-nat");
        assert.equal(nat.inputs.natIpAllocateOption, "AUTO_ONLY");
        assert.equal(nat.inputs.sourceSubnetworkIpRangesToNat, "ALL_SUBNETWORKS_ALL_IP_RANGES");
        assert.equal(nat.inputs.region, "europe-west4");
        assert.equal(nat.inputs.router, "prod-gcp-europe-west4-router");
    });

    it("creates a private regional GKE cluster over the site's zones", () => {
        const c = one(run.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke");
        assert.equal(c.inputs.name, "prod-gcp-euw4");
        assert.equal(c.inputs.location, "europe-west4");
        assert.deepEqual(c.inputs.nodeLocations, ["europe-west4-a", "europe-west4-b", "europe-west4-c"]);
        assert.deepEqual(c.inputs.privateClusterConfig, {
            enablePrivateNodes: true,
            // Fixed: the IP endpoint stays private whatever adminCidrs hold (the kubeconfig uses the DNS endpoint).
            enablePrivateEndpoint: true,
            masterIpv4CidrBlock: "10.30.96.0/28",
            masterGlobalAccessConfig: { enabled: true },
        });
        assert.deepEqual(c.inputs.masterAuthorizedNetworksConfig, {
            cidrBlocks: [{ cidrBlock: "10.99.0.0/24", displayName: "admin 10.99.0.0/24" }],
            gcpPublicCidrsAccessEnabled: false,
        });
        assert.deepEqual(c.inputs.workloadIdentityConfig, { workloadPool: "acme-axon-prod.svc.id.goog" });
        assert.deepEqual(c.inputs.addonsConfig, { gcePersistentDiskCsiDriverConfig: { enabled: true }, httpLoadBalancing: { disabled: false } });
        assert.deepEqual(c.inputs.ipAllocationPolicy, { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
        assert.equal(c.inputs.networkingMode, "VPC_NATIVE");
        assert.equal(c.inputs.removeDefaultNodePool, true);
        assert.equal(c.inputs.initialNodeCount, 1);
        assert.equal(c.inputs.deletionProtection, true);
        assert.deepEqual(c.inputs.releaseChannel, { channel: "REGULAR" });
        assert.equal(c.inputs.minMasterVersion, undefined, "no version configured: the channel's default");
        assert.equal(c.inputs.enableShieldedNodes, true);
        assert.match(String(c.inputs.network), /\/global\/networks\/prod-gcp-vpc$/);
        assert.match(String(c.inputs.subnetwork), /\/regions\/europe-west4\/subnetworks\/prod-gcp-gcp-euw4-subnet$/);
    });

    it("runs the node pool per zone with a minimal service account, GKE metadata and shielded nodes", () => {
        const pool = one(run.records, "gcp:container/nodePool:NodePool", "prod-gcp-euw4-pool");
        const site = topology.sites.find((s) => s.name === "gcp-euw4")!;
        assert.equal(pool.inputs.cluster, "prod-gcp-euw4");
        assert.equal(pool.inputs.namePrefix, "axon-");
        assert.equal(pool.inputs.location, "europe-west4");
        assert.equal(pool.inputs.nodeCount, site.cluster.nodesPerZone);
        const cfg = pool.inputs.nodeConfig as Record<string, unknown>;
        assert.equal(cfg.machineType, site.cluster.machineType);
        assert.deepEqual(cfg.workloadMetadataConfig, { mode: "GKE_METADATA" });
        assert.deepEqual(cfg.shieldedInstanceConfig, { enableSecureBoot: true, enableIntegrityMonitoring: true });
        assert.deepEqual(cfg.tags, ["prod-gcp-euw4-axon"]);
        assert.equal(cfg.serviceAccount, "prod-gcp-euw4-nodes@acme-axon-prod.iam.gserviceaccount.com");
        const roles = ofType(run.records, "gcp:projects/iAMMember:IAMMember").map((r) => [r.inputs.role, r.inputs.member, r.inputs.project]);
        const member = "serviceAccount:prod-gcp-euw4-nodes@acme-axon-prod.iam.gserviceaccount.com";
        assert.deepEqual(roles.sort(), [
            ["roles/artifactregistry.reader", member, "acme-axon-prod"],
            ["roles/container.defaultNodeServiceAccount", member, "acme-axon-prod"],
            ["roles/logging.logWriter", member, "acme-axon-prod"],
            ["roles/monitoring.metricWriter", member, "acme-axon-prod"],
            ["roles/monitoring.viewer", member, "acme-axon-prod"],
        ]);
        // The pool waits for its roles (nodes without logging rights fail their health reporting).
        const iamUrns = ofType(run.records, "gcp:projects/iAMMember:IAMMember").map((r) => r.urn);
        for (const u of iamUrns) assert.ok(pool.dependencies.includes(u));
    });

    // kubernetes/cloud-provider-gcp cmd/gke-gcloud-auth-plugin/cred.go: without
    // --use_application_default_credentials the plugin runs `gcloud config config-helper`, which a runner
    // with only Application Default Credentials (what the README sets up, and what the Pulumi GCP provider
    // uses) does not have.
    it("connects the Kubernetes provider to the DNS-based endpoint through gke-gcloud-auth-plugin with ADC", () => {
        const p = one(run.records, "pulumi:providers:kubernetes", "prod-gcp-euw4-k8s");
        const kc = JSON.parse(String(p.inputs.kubeconfig));
        assert.equal(kc.kind, "Config");
        assert.equal(kc.users[0].user.exec.command, "gke-gcloud-auth-plugin");
        assert.deepEqual(kc.users[0].user.exec.args, ["--use_application_default_credentials"]);
        assert.equal(kc.users[0].user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.equal(kc.users[0].user.exec.provideClusterInfo, true);
        // GKE docs, "About network isolation": the DNS-based endpoint needs no network path from the runner
        // (IAM decides), and serves a publicly trusted certificate: no cluster CA in the kubeconfig.
        assert.match(kc.clusters[0].cluster.server, /^https:\/\/gke-[0-9a-f]{32}-\d+\.europe-west4\.gke\.goog$/);
        assert.equal(kc.clusters[0].cluster["certificate-authority-data"], undefined);
        assert.equal(kc["current-context"], kc.contexts[0].name);
        const c = one(run.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke");
        assert.deepEqual(c.inputs.controlPlaneEndpointsConfig, { dnsEndpointConfig: { allowExternalTraffic: true } });
    });

    // pulumi-kubernetes replaces the provider, and with it every object of the site, when the kubeconfig
    // `server` changes (pulumi/pulumi-kubernetes#2598): it must not depend on a list users edit.
    it("keeps the kubeconfig server and the endpoint settings when only adminCidrs change", async () => {
        const t = topology;
        const other: Topology = { ...t, adminCidrs: ["10.99.0.0/24", "198.51.100.0/24"] };
        const second = await runUnderMocks({ stack: "gcp-prod" }, () => gcpProgram(other));
        const server = (records: ResourceRecord[]) => JSON.parse(String(one(records, "pulumi:providers:kubernetes", "prod-gcp-euw4-k8s").inputs.kubeconfig)).clusters[0].cluster.server;
        assert.equal(server(second.records), server(run.records));
        const pcc = (records: ResourceRecord[]) => one(records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke").inputs.privateClusterConfig;
        assert.deepEqual(pcc(second.records), pcc(run.records));
    });

    // GKE docs, "Maintenance windows and exclusions": without a window, auto-upgrades may start at any time.
    it("sets a recurring maintenance window by default, and deletion protection from config", () => {
        const c = one(run.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke");
        assert.deepEqual(c.inputs.maintenancePolicy, {
            recurringWindow: { startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T10:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" },
            maintenanceExclusions: [],
        });
        assert.equal(c.inputs.deletionProtection, true);
    });

    it("runs the temporary default pool as the node service account, not the Compute Engine default", () => {
        const c = one(run.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke");
        const cfg = c.inputs.nodeConfig as Record<string, unknown>;
        assert.equal(cfg.serviceAccount, "prod-gcp-euw4-nodes@acme-axon-prod.iam.gserviceaccount.com");
        assert.deepEqual(cfg.oauthScopes, ["https://www.googleapis.com/auth/cloud-platform"]);
    });

    it("creates a retained StorageClass per tier with the PD type of the tier", () => {
        const byName = Object.fromEntries(
            ofType(run.records, "kubernetes:storage.k8s.io/v1:StorageClass").map((r) => [(r.inputs.metadata as { name: string }).name, r.inputs]),
        );
        const expected = { fast: "pd-ssd", standard: "pd-balanced", cold: "pd-standard" };
        for (const [tier, type] of Object.entries(expected)) {
            const sc = byName[`axonserver-prod-${tier}`];
            assert.ok(sc, tier);
            assert.equal(sc.provisioner, "pd.csi.storage.gke.io");
            assert.deepEqual(sc.parameters, { type });
            assert.equal(sc.reclaimPolicy, "Retain");
            assert.equal(sc.allowVolumeExpansion, true);
            assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
        }
        const k8sProvider = one(run.records, "pulumi:providers:kubernetes", "prod-gcp-euw4-k8s");
        for (const r of ofType(run.records, "kubernetes:storage.k8s.io/v1:StorageClass")) assert.ok(r.provider.startsWith(k8sProvider.urn));
    });

    it("hands the Axon components a host with the storage classes and readiness gates", async () => {
        const site = run.result.gke["gcp-euw4"];
        assert.equal(site.host.site, "gcp-euw4");
        assert.equal(site.host.internalLoadBalancer, "gcp-internal");
        assert.equal(site.host.provider, site.kubeProvider);
        assert.deepEqual(site.host.readyResources, [site.nodePool, site.storageClasses.fast, site.storageClasses.standard, site.storageClasses.cold]);
        assert.equal(await outputValue(site.storageClasses.cold.metadata.name), "axonserver-prod-cold");
    });

    it("turns GKE subsetting on, so the L4 controller that reads networking.gke.io/load-balancer-ip-addresses owns the node ILBs", () => {
        // GKE, "Create an internal load balancer" (cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing),
        // requirements: GKE subsetting can be enabled "in new and existing Standard clusters in GKE versions
        // 1.18.19-gke.1400 and later", "cannot be disabled once it has been enabled", and "requires that the
        // HttpLoadBalancing add-on is enabled". With it, internal LoadBalancer Services get GCE_VM_IP NEG
        // backends ("LoadBalancer Service parameters", Internal passthrough Network Load Balancer row), i.e. the
        // ingress-gce L4 controller, whose pkg/l4/address/to_use.go `IPv4ToUse` reads the annotation first.
        // Without it the instance-group controller (kubernetes/cloud-provider-gcp
        // providers/gce/gce_loadbalancer_internal.go `ilbIPToUse`) reads only `spec.loadBalancerIP`.
        const c = one(run.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke");
        assert.equal(c.inputs.enableL4IlbSubsetting, true);
        assert.deepEqual((c.inputs.addonsConfig as Record<string, unknown>).httpLoadBalancing, { disabled: false });
    });

    it("reserves one shared internal load balancer address per node of the site, in the site's subnet", async () => {
        // Several internal forwarding rules (here: a node's two per-port ILBs) share one internal address only
        // when its purpose is SHARED_LOADBALANCER_VIP, up to ten rules (cloud.google.com/load-balancing/docs/
        // internal/multiple-forwarding-rules-same-ip). The GKE L4 controller looks a named address up in the
        // cluster's region (ingress-gce pkg/l4/annotations/l4_static_address.go `GetRegionAddress`) and
        // requires an INTERNAL address for an ILB (pkg/l4/address/manager.go `validateAddress`).
        const site = run.result.gke["gcp-euw4"];
        const nodes = topology.nodes.filter((n) => n.site === "gcp-euw4").map((n) => n.name);
        assert.deepEqual(Object.keys(site.loadBalancerAddresses).sort(), [...nodes].sort());
        const siteUrn = one(run.records, "axonserver:gcp:GkeSite", "prod-gcp-euw4").urn;
        for (const node of nodes) {
            const r = one(run.records, "gcp:compute/address:Address", `prod-gcp-euw4-${node}-ilb`);
            assert.deepEqual([r.inputs.addressType, r.inputs.purpose, r.inputs.region], ["INTERNAL", "SHARED_LOADBALANCER_VIP", "europe-west4"], node);
            assert.equal(r.inputs.subnetwork, await outputValue(run.result.network.subnets["gcp-euw4"].selfLink), node);
            assert.equal(r.parent, siteUrn, node);
            // The host hands over the address and its name: the Services name it, the DNS record holds the IP.
            const handed = site.host.loadBalancerAddresses![node];
            assert.equal(await outputValue(pulumi.output(handed.address)), await outputValue(site.loadBalancerAddresses[node].address), node);
            assert.equal(await outputValue(pulumi.output(handed.name)), await outputValue(site.loadBalancerAddresses[node].name), node);
        }
    });

    // An internal passthrough Network Load Balancer delivers packets with the client's source address, so
    // the backends' VPC firewall must admit the client ranges on the port ("Internal passthrough Network
    // Load Balancer overview", firewall rules, https://cloud.google.com/load-balancing/docs/internal#firewall_rules).
    // The health relay's 8025: only aws-euw1, the other Kubernetes site sharing a group (its Jobs ask these
    // nodes); not the site itself, not the VM site (its Jobs never run), not the clients.
    it("opens each Axon port (and the health relay's) to exactly its sources, on the site's node tag, never to the world", () => {
        const rules = ofType(run.records, "gcp:compute/firewall:Firewall");
        const byPort = Object.fromEntries(rules.map((r) => [(r.inputs.allows as { ports: string[] }[])[0].ports[0], r.inputs]));
        assert.deepEqual(Object.keys(byPort).sort(), ["8024", "8025", "8124", "8224"]);
        assert.deepEqual(byPort["8025"].sourceRanges, ["10.40.0.0/16"]);
        assert.deepEqual(byPort["8224"].sourceRanges, ["10.30.0.0/16", "10.40.0.0/16", "10.50.0.0/16"]);
        assert.deepEqual(byPort["8124"].sourceRanges, ["10.30.0.0/16", "10.40.0.0/16"]);
        assert.deepEqual(byPort["8024"].sourceRanges, ["10.99.0.0/24"]);
        for (const r of rules) {
            assert.equal(r.inputs.direction, "INGRESS");
            assert.deepEqual(r.inputs.targetTags, ["prod-gcp-euw4-axon"]);
            assert.deepEqual(r.inputs.allows, [{ protocol: "tcp", ports: [(r.inputs.allows as { ports: string[] }[])[0].ports[0]] }]);
            assert.ok(!(r.inputs.sourceRanges as string[]).includes("0.0.0.0/0"));
            assert.match(String(r.inputs.network), /\/global\/networks\/prod-gcp-vpc$/);
        }
        // Same as the topology's port model (one rule per PortRule).
        const site = topology.sites.find((s) => s.name === "gcp-euw4")!;
        assert.equal(rules.length, sitePortRules(topology, site).length);
    });

    it("creates a private Cloud DNS zone on the network with a record per node", () => {
        const zone = one(run.records, "gcp:dns/managedZone:ManagedZone", "prod-dns-zone");
        assert.equal(zone.inputs.dnsName, "prod.axon.internal.");
        assert.equal(zone.inputs.visibility, "private");
        assert.ok(zone.dependencies.includes(one(run.records, "gcp:compute/network:Network", "prod-gcp-vpc").urn));
        assert.deepEqual(zone.inputs.privateVisibilityConfig, { networks: [{ networkUrl: "prod-gcp-vpc-id" }] });
        const records = ofType(run.records, "gcp:dns/recordSet:RecordSet").map((r) => r.inputs);
        assert.deepEqual(
            records.map((r) => [r.name, r.type, r.rrdatas, r.ttl, r.managedZone]),
            [
                ["axon-1.prod.axon.internal.", "A", ["10.30.0.10"], 60, "prod-dns-zone"],
                ["axon-2.prod.axon.internal.", "CNAME", ["lb-axon-2.example.internal."], 60, "prod-dns-zone"],
                ["axon-3.prod.axon.internal.", "A", ["10.30.0.12"], 60, "prod-dns-zone"],
                ["axon-sec-1.prod.axon.internal.", "CNAME", ["lb-axon-sec-1.example.internal."], 60, "prod-dns-zone"],
                ["axon-sec-2.prod.axon.internal.", "A", ["10.30.0.14"], 60, "prod-dns-zone"],
            ],
        );
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
