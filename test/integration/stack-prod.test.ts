/**
 * End-to-end test of `Pulumi.prod.yaml`: the real program (`stacks/program.ts`) under mocks with the stack
 * file's config. GKE in europe-west4 (3 PRIMARY + 2 SECONDARY), EKS in eu-west-1 (2 ACTIVE_BACKUP), an EC2
 * VM in us-east-1 (PASSIVE_BACKUP); AWS↔AWS peering, AWS↔GCP HA VPN, Route 53 and Cloud DNS zones.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "../../stacks/deployment";
import { VmAxonServerNode } from "../../components/vm/vmAxonServerNode";
import { assertUniqueUrns, countByType, MockRun, ofType, outputValue, ResourceRecord, providerName } from "../../tools/harness/mocks";
import { runStack } from "../../tools/harness/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type J = any;

const GKE_NODES = ["axon-1", "axon-2", "axon-3", "axon-sec-1", "axon-sec-2"];
const EKS_NODES = ["axon-ab-1", "axon-ab-2"];
const ALL_NODES = [...GKE_NODES, ...EKS_NODES, "axon-dr-1"];
const STS = "kubernetes:apps/v1:StatefulSet";

function one(records: ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, got ${found.length}`);
    return found[0];
}


/** Last segment of a URN: the resource's logical name. */
const nameOf = (urn: string) => urn.split("::").at(-1)!;

describe("stack prod (Pulumi.prod.yaml, end to end under mocks)", () => {
    let run: MockRun<Deployment>;
    before(async () => {
        run = await runStack("prod");
    });

    it("creates exactly the expected resources per type", () => {
        assert.deepEqual(countByType(run.records), EXPECTED_COUNTS);
    });

    it("registers every URN once, in stack prod", () => {
        assertUniqueUrns(run.records);
        assert.ok(run.records.every((r) => r.urn.startsWith("urn:pulumi:prod::axonserver-multiregion::")));
    });

    it("puts every cloud resource on an explicit provider: AWS per region, one GCP provider for the project", () => {
        const aws = Object.fromEntries(ofType(run.records, "pulumi:providers:aws").map((r) => [r.name, r.inputs.region]));
        assert.deepEqual(aws, { "aws-eu-west-1": "eu-west-1", "aws-us-east-1": "us-east-1" });
        const gcp = ofType(run.records, "pulumi:providers:gcp").find((p) => p.name === "prod-gcp")!;
        assert.deepEqual([gcp.name, gcp.inputs.project, gcp.inputs.region], ["prod-gcp", "acme-axon-prod", "europe-west4"]);
        for (const r of run.records.filter((x) => x.custom && x.type.startsWith("aws:"))) assert.match(providerName(r), /^aws-(eu-west|us-east)-1$/, `${r.type} ${r.name}`);
        for (const r of run.records.filter((x) => x.custom && x.type.startsWith("gcp:"))) {
            // The project's APIs are enabled through their own provider, which the others wait for.
            assert.equal(providerName(r), r.type === "gcp:projects/service:Service" ? "prod-gcp-apis" : "prod-gcp", `${r.type} ${r.name}`);
            if ("project" in r.inputs) assert.equal(r.inputs.project, "acme-axon-prod", `${r.type} ${r.name}`);
        }
    });

    it("builds the GKE site in europe-west4 on the global VPC, with the Axon port firewall on its node tag", () => {
        const cluster = one(run.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke");
        const c = cluster.inputs as J;
        assert.deepEqual([c.name, c.location, c.nodeLocations], ["prod-gcp-euw4", "europe-west4", ["europe-west4-a", "europe-west4-b", "europe-west4-c"]]);
        assert.equal(c.privateClusterConfig.enablePrivateNodes, true);
        const net = one(run.records, "gcp:compute/network:Network", "prod-gcp-net-vpc");
        assert.equal(net.inputs.routingMode, "GLOBAL");
        const rules = Object.fromEntries(
            ofType(run.records, "gcp:compute/firewall:Firewall").map((r) => [(r.inputs as J).allows[0].ports[0], [(r.inputs as J).sourceRanges, (r.inputs as J).targetTags]]),
        );
        assert.deepEqual(rules, {
            "8224": [["10.30.0.0/16", "10.40.0.0/16", "10.50.0.0/16"], ["prod-gcp-euw4-axon"]],
            "8124": [["10.30.0.0/16", "10.40.0.0/16"], ["prod-gcp-euw4-axon"]],
            "8024": [["10.99.0.0/24"], ["prod-gcp-euw4-axon"]],
            // The health relay: from aws-euw1 only (its Jobs ask these nodes), never the VM site or the clients.
            "8025": [["10.40.0.0/16"], ["prod-gcp-euw4-axon"]],
        });
    });

    it("builds the EKS site on eu-west-1's provider", () => {
        const cluster = one(run.records, "aws:eks/cluster:Cluster", "prod-aws-euw1-eks");
        assert.equal(cluster.inputs.name, "prod-aws-euw1");
        assert.equal(providerName(cluster), "aws-eu-west-1");
        assert.equal(ofType(run.records, "aws:eks/nodeGroup:NodeGroup").length, 2);
    });

    it("runs axon-dr-1 on an EC2 instance in us-east-1 with a retained data volume and no public IP", () => {
        const vm = one(run.records, "aws:ec2/instance:Instance", "prod-aws-use1-axon-dr-1-vm");
        const i = vm.inputs as J;
        assert.equal(providerName(vm), "aws-us-east-1");
        assert.equal(i.associatePublicIpAddress, false);
        assert.equal(i.subnetId, "prod-aws-use1-net-private-us-east-1a-id");
        assert.deepEqual(i.vpcSecurityGroupIds, ["prod-aws-use1-vm-sg-id"]);
        assert.equal(i.instanceType, "m7i.xlarge");
        const volume = one(run.records, "aws:ebs/volume:Volume", "prod-aws-use1-axon-dr-1-data");
        assert.equal(volume.inputs.availabilityZone, "us-east-1a");
        assert.equal(volume.inputs.encrypted, true);
        assert.equal(volume.retainOnDelete, true, "the data volume survives destroy and replacement");
        const attachment = one(run.records, "aws:ec2/volumeAttachment:VolumeAttachment", "prod-aws-use1-axon-dr-1-data");
        assert.deepEqual([attachment.inputs.instanceId, attachment.inputs.volumeId], ["prod-aws-use1-axon-dr-1-vm-id", "prod-aws-use1-axon-dr-1-data-id"]);
        // Its secrets (tokens, TLS) are in Secrets Manager, never in the user data.
        const userData = String(i.userData);
        assert.ok(!/BEGIN (RSA |EC )?PRIVATE KEY|BEGIN CERTIFICATE/.test(userData), "TLS material in user data");
        assert.ok(ofType(run.records, "aws:secretsmanager/secret:Secret").every((r) => String(r.inputs.name).startsWith("axonserver/prod/axon-dr-1/")));
    });

    it("peers eu-west-1 with us-east-1: requester and accepter on their providers, routes on both sides", () => {
        const pcx = one(run.records, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "prod-aws-euw1-aws-use1-pcx");
        assert.equal(providerName(pcx), "aws-eu-west-1");
        assert.deepEqual([pcx.inputs.vpcId, pcx.inputs.peerVpcId, pcx.inputs.peerRegion], ["prod-aws-euw1-net-vpc-id", "prod-aws-use1-net-vpc-id", "us-east-1"]);
        const accepter = one(run.records, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "prod-aws-euw1-aws-use1-accepter");
        assert.equal(providerName(accepter), "aws-us-east-1");
        const routes = ofType(run.records, "aws:ec2/route:Route")
            .filter((r) => r.inputs.vpcPeeringConnectionId !== undefined)
            .map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock, providerName(r)])
            .sort();
        assert.deepEqual(routes, [
            ["prod-aws-euw1-net-private-rt-eu-west-1a-id", "10.50.0.0/16", "aws-eu-west-1"],
            ["prod-aws-euw1-net-private-rt-eu-west-1b-id", "10.50.0.0/16", "aws-eu-west-1"],
            ["prod-aws-use1-net-private-rt-us-east-1a-id", "10.40.0.0/16", "aws-us-east-1"],
        ]);
    });

    // Google Cloud, "Enabling an API in your Google Cloud project": create calls fail with SERVICE_DISABLED
    // otherwise. @pulumi/gcp projects/service: `disableOnDestroy: false` keeps the API on after a destroy.
    it("enables the project's APIs before any other GCP resource, and never disables them on destroy", () => {
        const services = ofType(run.records, "gcp:projects/service:Service");
        assert.deepEqual(services.map((r) => r.inputs.service).sort(), [
            "cloudresourcemanager.googleapis.com",
            "compute.googleapis.com",
            "container.googleapis.com",
            "dns.googleapis.com",
            "gkebackup.googleapis.com",
            "iam.googleapis.com",
            "iamcredentials.googleapis.com",
            "secretmanager.googleapis.com",
            "storage.googleapis.com",
        ]);
        for (const svc of services) {
            assert.equal(String(svc.inputs.disableOnDestroy), "false", svc.name);
            assert.equal(svc.inputs.project, "acme-axon-prod");
        }
        // Every other GCP resource uses `prod-gcp`, which waits for all of them.
        const provider = ofType(run.records, "pulumi:providers:gcp").find((p) => p.name === "prod-gcp")!;
        for (const svc of services) assert.ok(provider.dependencies.includes(svc.urn), svc.name);
    });

    // Google Cloud, "Connect HA VPN to AWS peer gateways", known issue: with every AWS transform set the
    // SA payload is fragmented, which Cloud VPN does not support, and rekeying can fail; pin one proposal
    // per phase on both sides. AWS CreateCustomerGateway returns the existing gateway for an identical
    // request: `deviceName` keeps each link's gateways its own.
    it("pins one IKEv2 proposal per phase on both ends of every tunnel, and names each customer gateway", () => {
        for (const conn of ofType(run.records, "aws:ec2/vpnConnection:VpnConnection")) {
            const i = conn.inputs as J;
            for (const n of [1, 2]) {
                assert.deepEqual(i[`tunnel${n}IkeVersions`], ["ikev2"], conn.name);
                assert.deepEqual(i[`tunnel${n}Phase1EncryptionAlgorithms`], ["AES256"], conn.name);
                assert.deepEqual(i[`tunnel${n}Phase1IntegrityAlgorithms`], ["SHA2-256"], conn.name);
                assert.deepEqual(i[`tunnel${n}Phase1DhGroupNumbers`], [14], conn.name);
                assert.deepEqual(i[`tunnel${n}Phase2EncryptionAlgorithms`], ["AES256"], conn.name);
                assert.deepEqual(i[`tunnel${n}Phase2IntegrityAlgorithms`], ["SHA2-256"], conn.name);
                assert.deepEqual(i[`tunnel${n}Phase2DhGroupNumbers`], [14], conn.name);
            }
        }
        for (const t of ofType(run.records, "gcp:compute/vPNTunnel:VPNTunnel")) {
            assert.deepEqual((t.inputs as J).cipherSuite, {
                phase1: { encryptions: ["AES-CBC-256"], integrities: ["HMAC-SHA2-256-128"], prves: ["PRF-HMAC-SHA2-256"], dhs: ["Group-14"] },
                phase2: { encryptions: ["AES-CBC-256"], integrities: ["HMAC-SHA2-256-128"], pfs: ["Group-14"] },
            }, t.name);
        }
        const cgws = ofType(run.records, "aws:ec2/customerGateway:CustomerGateway");
        const names = cgws.map((r) => (r.inputs as J).deviceName);
        assert.ok(names.every((n) => typeof n === "string" && n.length > 0));
        assert.equal(new Set(names).size, cgws.length);
    });

    it("joins both AWS VPCs to europe-west4 by HA VPN: 4 tunnels and BGP sessions per link", () => {
        const vpns = run.result.connectivity.vpns;
        assert.ok(vpns);
        assert.deepEqual(vpns.links.map((l) => l.key), ["aws-euw1-europe-west4", "aws-use1-europe-west4"]);
        const hub = one(run.records, "gcp:compute/haVpnGateway:HaVpnGateway", "prod-vpn-gcp-europe-west4-gw");
        assert.deepEqual([hub.inputs.region, hub.inputs.network], ["europe-west4", "prod-gcp-net-vpc-id"]);
        for (const [site, region, vpc] of [
            ["aws-euw1", "eu-west-1", "prod-aws-euw1-net-vpc-id"],
            ["aws-use1", "us-east-1", "prod-aws-use1-net-vpc-id"],
        ]) {
            const link = `prod-vpn-${site}-europe-west4`;
            const vgw = one(run.records, "aws:ec2/vpnGateway:VpnGateway", `prod-vpn-aws-${site}-vgw`);
            assert.deepEqual([vgw.inputs.vpcId, providerName(vgw)], [vpc, `aws-${region}`]);
            const conns = ofType(run.records, "aws:ec2/vpnConnection:VpnConnection").filter((r) => r.name.startsWith(`${link}-`));
            assert.equal(conns.length, 2, link);
            for (const c of conns) {
                assert.equal(providerName(c), `aws-${region}`);
                assert.equal(c.inputs.staticRoutesOnly, false, "BGP");
                assert.equal(c.inputs.vpnGatewayId, `prod-vpn-aws-${site}-vgw-id`);
            }
            const tunnels = ofType(run.records, "gcp:compute/vPNTunnel:VPNTunnel").filter((r) => r.name.startsWith(`${link}-`));
            assert.deepEqual(tunnels.map((t) => t.inputs.vpnGatewayInterface).sort(), [0, 0, 1, 1], link);
            assert.ok(tunnels.every((t) => t.inputs.vpnGateway === "prod-vpn-gcp-europe-west4-gw-id" && t.inputs.region === "europe-west4"));
            assert.equal(ofType(run.records, "gcp:compute/routerPeer:RouterPeer").filter((r) => r.name.startsWith(`${link}-`)).length, 4, link);
        }
        // Every private route table of both VPCs learns the GCP ranges.
        const propagated = ofType(run.records, "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation").map((r) => r.inputs.routeTableId).sort();
        assert.deepEqual(propagated, ["prod-aws-euw1-net-private-rt-eu-west-1a-id", "prod-aws-euw1-net-private-rt-eu-west-1b-id", "prod-aws-use1-net-private-rt-us-east-1a-id"]);
    });

    it("serves prod.axon.internal from Route 53 (both VPCs) and Cloud DNS (the GCP network), the same record per node", async () => {
        const zone = one(run.records, "aws:route53/zone:Zone", "prod-aws-dns-zone");
        assert.equal(zone.inputs.name, "prod.axon.internal");
        assert.deepEqual(zone.inputs.vpcs, [
            { vpcId: "prod-aws-euw1-net-vpc-id", vpcRegion: "eu-west-1" },
            { vpcId: "prod-aws-use1-net-vpc-id", vpcRegion: "us-east-1" },
        ]);
        const managed = one(run.records, "gcp:dns/managedZone:ManagedZone", "prod-gcp-dns-zone");
        assert.deepEqual([managed.inputs.dnsName, managed.inputs.visibility], ["prod.axon.internal.", "private"]);
        assert.deepEqual((managed.inputs as J).privateVisibilityConfig.networks, [{ networkUrl: "prod-gcp-net-vpc-id" }]);

        const endpoints = await outputValue(run.result.cluster.nodeEndpoints);
        const vmIp = await outputValue((run.result.cluster.nodes["axon-dr-1"].component as VmAxonServerNode).privateIp);
        const expected = Object.fromEntries(
            ALL_NODES.map((n) => {
                const fqdn = `${n}.prod.axon.internal`;
                if (n === "axon-dr-1") return [fqdn, ["A", vmIp]];
                const lb = endpoints[n].loadBalancer!;
                return [fqdn, lb.hostname ? ["CNAME", lb.hostname] : ["A", lb.ip]];
            }),
        );
        // GKE nodes: A to the internal passthrough LB; EKS nodes: CNAME to the internal NLB; the VM: its private IP.
        for (const n of GKE_NODES) assert.equal(expected[`${n}.prod.axon.internal`][0], "A", n);
        for (const n of EKS_NODES) {
            const nlb = one(run.records, "aws:lb/loadBalancer:LoadBalancer", `prod-aws-euw1-nlb-${n}`);
            assert.equal(expected[`${n}.prod.axon.internal`][0], "CNAME");
            assert.match(String(expected[`${n}.prod.axon.internal`][1]), new RegExp(`^${(nlb.inputs as J).name}-[0-9a-f]+\\.elb\\.`));
        }
        assert.match(vmIp, /^10\./);

        const route53 = Object.fromEntries(
            ofType(run.records, "aws:route53/record:Record").map((r) => [r.inputs.name, [r.inputs.type, (r.inputs.records as string[]).join(",")]]),
        );
        const cloudDns = Object.fromEntries(
            ofType(run.records, "gcp:dns/recordSet:RecordSet").map((r) => [
                String(r.inputs.name).replace(/\.$/, ""),
                [r.inputs.type, (r.inputs.rrdatas as string[]).map((v) => v.replace(/\.$/, "")).join(",")],
            ]),
        );
        assert.deepEqual(route53, expected);
        assert.deepEqual(cloudDns, expected);
    });

    it("gives each GKE node an 8124 and an 8224 internal LB with the firewall's sources, on one reserved address named by its DNS record", async () => {
        // GKE turns a LoadBalancer Service's `loadBalancerSourceRanges` into VPC firewall rules for all its
        // ports (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters,
        // "Firewall rules and source IP address allowlist"): per-port Services keep each port to its own
        // sources, the same as the site's Axon firewall rules. Both Services name the node's
        // SHARED_LOADBALANCER_VIP address by its resource name in `networking.gke.io/load-balancer-ip-addresses`
        // (kubernetes/ingress-gce pkg/l4/annotations/l4_static_address.go), not in the deprecated
        // `spec.loadBalancerIP`; the Cloud DNS and Route 53 A records point at its IP.
        const firewall = Object.fromEntries(
            ofType(run.records, "gcp:compute/firewall:Firewall").map((r) => [(r.inputs as J).allows[0].ports[0], (r.inputs as J).sourceRanges as string[]]),
        );
        const cloudDns = Object.fromEntries(ofType(run.records, "gcp:dns/recordSet:RecordSet").map((r) => [String(r.inputs.name), r.inputs]));
        const route53 = Object.fromEntries(ofType(run.records, "aws:route53/record:Record").map((r) => [String(r.inputs.name), r.inputs]));
        for (const node of GKE_NODES) {
            const address = one(run.records, "gcp:compute/address:Address", `prod-gcp-euw4-${node}-ilb`);
            assert.deepEqual([address.inputs.addressType, address.inputs.purpose], ["INTERNAL", "SHARED_LOADBALANCER_VIP"], node);
            const ip = await outputValue(run.result.sites.gkeSites["gcp-euw4"].loadBalancerAddresses[node].address);
            const client = one(run.records, "kubernetes:core/v1:Service", `prod-${node}-internal-lb`).inputs as J;
            const peer = one(run.records, "kubernetes:core/v1:Service", `prod-${node}-internal-peer-lb`).inputs as J;
            const health = one(run.records, "kubernetes:core/v1:Service", `prod-${node}-internal-health-lb`).inputs as J;
            assert.deepEqual(client.spec.ports.map((p: J) => p.port), [8124], node);
            assert.deepEqual(peer.spec.ports.map((p: J) => p.port), [8224], node);
            assert.deepEqual(health.spec.ports.map((p: J) => [p.port, p.targetPort]), [[8025, "health-relay"]], node);
            assert.deepEqual(client.spec.loadBalancerSourceRanges, firewall["8124"], node);
            assert.deepEqual(peer.spec.loadBalancerSourceRanges, firewall["8224"], node);
            // The health relay: only aws-euw1, whose gate and roller Jobs ask these nodes.
            assert.deepEqual(health.spec.loadBalancerSourceRanges, firewall["8025"], node);
            assert.deepEqual(firewall["8025"], ["10.40.0.0/16"]);
            const name = await outputValue(run.result.sites.gkeSites["gcp-euw4"].loadBalancerAddresses[node].name);
            for (const svc of [client, peer, health]) {
                assert.equal(svc.metadata.annotations["networking.gke.io/load-balancer-ip-addresses"], name, node);
                assert.equal(svc.spec.loadBalancerIP, undefined, node);
            }
            for (const svc of [client, peer]) assert.equal(svc.metadata.annotations["networking.gke.io/internal-load-balancer-allow-global-access"], "true", node);
            const fqdn = `${node}.prod.axon.internal`;
            assert.deepEqual([cloudDns[`${fqdn}.`].type, cloudDns[`${fqdn}.`].rrdatas], ["A", [ip]], node);
            assert.deepEqual([route53[fqdn].type, route53[fqdn].records], ["A", [ip]], node);
        }
        // The peer-only range of the GKE site never reaches 8124.
        assert.ok(firewall["8224"].some((c: string) => !firewall["8124"].includes(c)), "the prod config has a peer-only range");
    });

    it("places each Kubernetes node on its site's provider, after the site's ready resources", () => {
        const ready: Record<string, string[]> = {
            "gcp-euw4": [
                one(run.records, "gcp:container/nodePool:NodePool", "prod-gcp-euw4-pool").urn,
                ...["fast", "standard", "cold"].map((t) => one(run.records, "kubernetes:storage.k8s.io/v1:StorageClass", `prod-gcp-euw4-sc-${t}`).urn),
            ],
            "aws-euw1": [
                one(run.records, "aws:eks/addon:Addon", "prod-aws-euw1-ebs-csi").urn,
                ...["fast", "standard", "cold"].map((t) => one(run.records, "kubernetes:storage.k8s.io/v1:StorageClass", `prod-aws-euw1-sc-${t}`).urn),
            ],
        };
        for (const node of [...GKE_NODES, ...EKS_NODES]) {
            const site = GKE_NODES.includes(node) ? "gcp-euw4" : "aws-euw1";
            const sts = one(run.records, STS, `prod-${node}-sts`);
            assert.equal(providerName(sts), `prod-${site}-k8s`, node);
            for (const urn of ready[site]) assert.ok(sts.dependencies.includes(urn), `${node} waits for ${nameOf(urn)}`);
        }
        for (const r of run.records.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
            assert.match(providerName(r), /^prod-(gcp-euw4|aws-euw1)-k8s$/, `${r.type} ${r.name}`);
        }
    });

    it("creates one node at a time in creation order, a gate Job between every two nodes, the VM node last", () => {
        const order = run.result.creationOrder;
        assert.deepEqual(order, ["axon-1", "axon-2", "axon-3", "axon-ab-1", "axon-ab-2", "axon-sec-1", "axon-sec-2", "axon-dr-1"]);
        // Restarts: the VM (replaced in the chain), then least critical first through the roller Jobs.
        assert.deepEqual(run.result.updateOrder, ["axon-dr-1", "axon-sec-1", "axon-sec-2", "axon-ab-1", "axon-ab-2", "axon-2", "axon-3", "axon-1"]);
        assert.deepEqual(run.result.rollingOrder, run.result.updateOrder);
        const vmNode = one(run.records, "axonserver:vm:VmAxonServerNode", "prod-aws-use1-axon-dr-1");
        const instance = one(run.records, "aws:ec2/instance:Instance", "prod-aws-use1-axon-dr-1-vm");
        const chainUrns = (n: string): string[] => (n === "axon-dr-1" ? [vmNode.urn, instance.urn] : [one(run.records, STS, `prod-${n}-sts`).urn]);
        const deps = (n: string): string[] => (n === "axon-dr-1" ? [...vmNode.dependencies, ...instance.dependencies] : one(run.records, STS, `prod-${n}-sts`).dependencies);
        for (let i = 1; i < order.length; i++) {
            const gate = one(run.records, "kubernetes:batch/v1:Job", `prod-gate-${order[i]}`);
            assert.ok(chainUrns(order[i - 1]).some((u) => gate.dependencies.includes(u)), `the gate before ${order[i]} waits for ${order[i - 1]}`);
            assert.ok(deps(order[i]).includes(gate.urn), `${order[i]} waits for its gate`);
        }
    });

    it("issues a TLS certificate per node: a Kubernetes Secret for pods, Secrets Manager for the VM", () => {
        const csrs = ofType(run.records, "tls:index/certRequest:CertRequest").map((r) => (r.inputs as J).dnsNames[0]).sort();
        assert.deepEqual(csrs, ALL_NODES.map((n) => `${n}.prod.axon.internal`).sort());
        const tlsSecrets = ofType(run.records, "kubernetes:core/v1:Secret").filter((r) => (r.inputs as J).type === "kubernetes.io/tls");
        assert.deepEqual(tlsSecrets.map((r) => r.name).sort(), [...GKE_NODES, ...EKS_NODES].map((n) => `prod-${n}-tls`).sort());
        const vmSecrets = ofType(run.records, "aws:secretsmanager/secret:Secret").map((r) => String(r.inputs.name).split("/").at(-1)).sort();
        assert.deepEqual(vmSecrets, ["internal-token", "system-token", "tls-ca", "tls-cert", "tls-key"]);
    });

    it("exports client configs for europe-west4 and eu-west-1: the three GCP primaries, nearest first, TLS on", async () => {
        const cfg = await outputValue(run.result.clientConfig);
        assert.deepEqual(Object.keys(cfg), ["europe-west4", "eu-west-1"]);
        const primaries = ["axon-1", "axon-2", "axon-3"].map((n) => `${n}.prod.axon.internal:8124`);
        for (const region of ["europe-west4", "eu-west-1"]) {
            assert.equal(cfg[region].defaultContext, "orders");
            assert.deepEqual(Object.keys(cfg[region].contexts), ["orders", "payments"]);
            for (const ctx of Object.values(cfg[region].contexts)) {
                assert.deepEqual(ctx.servers, primaries, `${region}/${ctx.context}`);
                assert.equal(ctx.tls.enabled, true);
            }
        }
        assert.deepEqual(cfg["europe-west4"].contexts.orders.tags, { cloud: "gcp", region: "europe-west4" });
        assert.deepEqual(cfg["eu-west-1"].contexts.orders.tags, { cloud: "aws", region: "eu-west-1" });
        assert.equal(await pulumi.isSecret(run.result.clientConfig), false);
    });

    it("exports node endpoints per site, the VM node included", async () => {
        const endpoints = await outputValue(run.result.nodeEndpoints);
        assert.deepEqual(Object.keys(endpoints), ["gcp-euw4", "aws-euw1", "aws-use1"]);
        assert.deepEqual(Object.keys(endpoints["gcp-euw4"]), GKE_NODES);
        assert.equal(endpoints["aws-use1"]["axon-dr-1"].internalGrpc, "axon-dr-1.prod.axon.internal:8224");
        assert.equal(await pulumi.isSecret(run.result.adminToken), true);
    });
});

/**
 * GKE site gcp-euw4 (3 zones), EKS site aws-euw1 (2 zones, NAT per zone), VM site aws-use1 (1 zone); 8
 * nodes with TLS; 1 peering, 2 HA VPN links, 2 private zones. The README cites these as prod's cost drivers.
 */
const EXPECTED_COUNTS: Record<string, number> = {
    // --- providers ---
    "axonserver:aws:AwsProviders": 1,
    "pulumi:providers:aws": 2,
    "pulumi:providers:gcp": 2, // + the one enabling the project's APIs
    "gcp:projects/service:Service": 9,
    "pulumi:providers:kubernetes": 2,
    // --- AWS networks: euw1 (2 zones, NAT per zone), use1 (1 zone) ---
    "axonserver:aws:AwsNetwork": 2,
    "aws:ec2/vpc:Vpc": 2,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 2, // S3 gateway endpoint per VPC
    "aws:ec2/subnet:Subnet": 2 * 2 + 2 + 2, // + the EKS site's load balancer subnet per zone
    "aws:ec2/internetGateway:InternetGateway": 2,
    "aws:ec2/eip:Eip": 2 + 1,
    "aws:ec2/natGateway:NatGateway": 2 + 1,
    "aws:ec2/routeTable:RouteTable": 3 + 2,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 4 + 2 + 2,
    // default routes (3 + 2) + peering routes (2 + 1)
    "aws:ec2/route:Route": 5 + 3,
    // --- peering euw1 <-> use1 ---
    "axonserver:aws:AwsVpcPeering": 1,
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": 1,
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": 1,
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": 2,
    // --- EKS site aws-euw1 ---
    "axonserver:aws:EksSite": 1,
    "aws:eks/cluster:Cluster": 1,
    "aws:eks/nodeGroup:NodeGroup": 2,
    "aws:eks/addon:Addon": 4, // ebs-csi, vpc-cni, coredns, kube-proxy
    "aws:kms/key:Key": 1 + 1 + 1, // EBS; the backup bucket's key; eu-west-1's snapshot copies in us-east-1
    "aws:kms/alias:Alias": 1,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1 + 1, // EKS; GKE's issuer for the backup agent's S3 role
    // EKS cluster, nodes, EBS CSI; the VM node; the backup agents' IRSA roles (GKE web identity, EKS); DLM per AWS region
    "aws:iam/role:Role": 3 + 1 + 2 + 2,
    // EBS CSI KMS; the VM node's secrets; the agents' bucket policies (GKE, EKS, the VM's role); DLM's KMS grants for the EKS key (eu-west-1)
    "aws:iam/rolePolicy:RolePolicy": 1 + 1 + 3 + 1,
    // EKS managed policies; SSM for the VM; the DLM managed policy per AWS region
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 5 + 1 + 2,
    "axonserver:aws:AwsIngressRules": 3, // EKS cluster, EKS NLBs, VM
    // EKS cluster: 8024, 443, the NodePort block from the NLBs' group; NLBs: 8224 x3 peers, 8025 from
    // gcp-euw4; VM: 8224 x3, 8024 from the admins and from the two Kubernetes sites whose gate and roller
    // Jobs ask it
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3 + 3 + 1 + 4 + 2,
    // --- an internal NLB per EKS node: a listener, target group and node group attachment per Axon port ---
    "axonserver:aws:NodeLoadBalancers": 1,
    "aws:lb/loadBalancer:LoadBalancer": 2,
    "aws:lb/listener:Listener": 2 * 3, // 8124, 8224 and the health relay's 8025
    "aws:lb/targetGroup:TargetGroup": 2 * 3,
    "aws:autoscaling/attachment:Attachment": 2 * 3,
    // --- VM site aws-use1 and node axon-dr-1 ---
    "axonserver:vm:VmSite": 1,
    "axonserver:vm:VmAxonServerNode": 1,
    "aws:ec2/securityGroup:SecurityGroup": 1 + 1, // the VM's; the EKS NLBs'
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1 + 1,
    "aws:ec2/instance:Instance": 1,
    "aws:ebs/volume:Volume": 1,
    "aws:ec2/volumeAttachment:VolumeAttachment": 1,
    "aws:iam/instanceProfile:InstanceProfile": 1,
    "aws:secretsmanager/secret:Secret": 5, // system and internal tokens, TLS cert, key, CA
    "aws:secretsmanager/secretVersion:SecretVersion": 5,
    // --- GCP: one global VPC, GKE site gcp-euw4 and its firewall ---
    "axonserver:gcp:GcpNetwork": 1,
    "gcp:compute/network:Network": 1,
    "gcp:compute/subnetwork:Subnetwork": 1,
    "gcp:compute/router:Router": 1 + 1, // Cloud NAT router; VPN hub router
    "gcp:compute/routerNat:RouterNat": 1,
    "axonserver:gcp:GkeSite": 1,
    "gcp:compute/address:Address": 5, // the reserved internal LB address of each GKE node
    "gcp:container/cluster:Cluster": 1,
    "gcp:container/nodePool:NodePool": 1,
    "gcp:serviceaccount/account:Account": 1,
    "gcp:projects/iAMMember:IAMMember": 5,
    "axonserver:gcp:GcpFirewall": 1,
    "gcp:compute/firewall:Firewall": 4, // 8024, 8124, 8224, 8025 (health relay)
    "kubernetes:storage.k8s.io/v1:StorageClass": 2 * 3,
    // --- HA VPN: hubs per GCP region and AWS VPC, 2 links x (2 CGW, 2 connections, 1 peer gateway, 4 tunnels) ---
    "axonserver:connectivity:CrossCloudVpns": 1,
    "axonserver:connectivity:GcpVpnHub": 1,
    "axonserver:connectivity:AwsVpnHub": 2,
    "axonserver:connectivity:CrossCloudVpn": 2,
    "gcp:compute/haVpnGateway:HaVpnGateway": 1,
    "aws:ec2/vpnGateway:VpnGateway": 2,
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": 2 + 1,
    "aws:ec2/customerGateway:CustomerGateway": 2 * 2,
    "aws:ec2/vpnConnection:VpnConnection": 2 * 2,
    "gcp:compute/externalVpnGateway:ExternalVpnGateway": 2,
    "gcp:compute/vPNTunnel:VPNTunnel": 2 * 4,
    "gcp:compute/routerInterface:RouterInterface": 2 * 4,
    "gcp:compute/routerPeer:RouterPeer": 2 * 4,
    // --- private DNS: a record per node in each zone ---
    "axonserver:aws:AwsPrivateDns": 1,
    "aws:route53/zone:Zone": 1,
    "aws:route53/record:Record": 8,
    "axonserver:gcp:GcpPrivateDns": 1,
    "gcp:dns/managedZone:ManagedZone": 1,
    "gcp:dns/recordSet:RecordSet": 8,
    // --- Axon Server: 7 Kubernetes nodes + 1 VM node, TLS ---
    "axonserver:index:AxonServerCluster": 1,
    "axonserver:index:AxonServerNode": 7,
    "axonserver:index:AxonServerTls": 1,
    "kubernetes:apps/v1:StatefulSet": 7,
    // headless, gRPC, HTTP, internal LB; a GKE node has one internal LB per port (8124, 8224, 8025)
    "kubernetes:core/v1:Service": 7 * 4 + 2 * 5,
    "kubernetes:core/v1:ConfigMap": 7 + 2 + 7 + 2 + 7, // + client configs in europe-west4 and eu-west-1, each Kubernetes node's backup agent script, the gate script per site, each Kubernetes node's health relay script
    "kubernetes:batch/v1:Job": 7 + 3, // a rolling gate between every two consecutive nodes of eight; a roller per visit of a site in update order
    "kubernetes:core/v1:Secret": 7 + 2, // TLS per node, tokens per site
    "kubernetes:core/v1:Namespace": 2,
    "kubernetes:core/v1:ServiceAccount": 2 + 3, // per site the Axon pods'; per roller (three segments) its own
    "kubernetes:rbac.authorization.k8s.io/v1:Role": 3, // per roller: its own segment's pods and StatefulSets
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 3,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 3, // per roller: list the workers (a Ready one must take the new pod)
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 3,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2 + 2, // per site, and per EKS node for what its NLB forwards
    "kubernetes:policy/v1:PodDisruptionBudget": 3, // gcp-euw4: PRIMARY and non-voting classes; aws-euw1: ACTIVE_BACKUP
    "random:index/randomPassword:RandomPassword": 2 + 2 * 4, // tokens; a pre-shared key per tunnel
    "tls:index/privateKey:PrivateKey": 1 + 8,
    "tls:index/selfSignedCert:SelfSignedCert": 1,
    "tls:index/certRequest:CertRequest": 8,
    "tls:index/locallySignedCert:LocallySignedCert": 8,
    // --- backups: S3 bucket with Object Lock in us-east-1, axon-1's agent, DLM per AWS region, Backup for GKE ---
    "axonserver:backup:BackupBucket": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1, // TLS only
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": 1,
    "axonserver:backup:AwsBackupIrsaRole": 2,
    "axonserver:backup:AwsBackupRolePolicy": 1, // axon-dr-1's agent on the VM's instance role
    "axonserver:backup:AwsSnapshotPolicy": 2,
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": 2,
    "axonserver:backup:GkeBackup": 1,
    "gcp:gkebackup/backupPlan:BackupPlan": 1,
    "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass": 1,
};
