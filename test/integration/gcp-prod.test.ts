/**
 * The GCP sites of `Pulumi.prod.yaml` under mocks: the network, the GKE site, firewall rules and the private
 * Cloud DNS zone rendered from the stack file's topology, checked on their actual inputs.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { sitePortRules } from "../../components/topology/connectivity";
import { loadTopologyOrThrow } from "../../components/topology/load";
import { Topology } from "../../components/topology/model";
import { readStackFile, stackConfigFromFile } from "../../tools/config/stackFile";
import { assertUniqueUrns, countByType, MockRun, ofType, outputValue, ResourceRecord, runUnderMocks } from "../../tools/harness/mocks";
import { gcpProgram } from "../support/cloudPrograms";

function prodTopology(): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile("prod"));
    return loadTopologyOrThrow(raw, options).topology;
}

function one(records: ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, got ${found.length}`);
    return found[0];
}

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
