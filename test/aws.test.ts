import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AWS_VPN_ASN, AwsNetwork, awsSubnetLayout } from "../components/aws/awsNetwork";
import { EBS_CSI, EksSite, eksEndpointAccess } from "../components/aws/eksSite";
import { isNonPublicCidr } from "../components/topology/cidr";
import { accountRootKeyPolicy, ebsCsiKmsPolicy, irsaTrustPolicy } from "../components/aws/iam";
import { dlmDescription } from "../components/backup/snapshots";
import { DLM_DESCRIPTION, dlmDescriptionIssue, platformIssues } from "../components/topology/platform/limits";
import {
    loadBalancerSubnetCidrs,
    maxNodesPerNlbSite,
    NODE_PORT_RANGE,
    NODE_PORT_SLOTS,
    slotNodePorts,
    nodeLoadBalancerName,
    nodePortBlock,
    nodePortSlotIssues,
    nodeTargetGroupName,
    siteNodePorts,
} from "../components/topology/loadBalancers";
import { AwsPrivateDns, dnsRecordFor } from "../components/aws/privateDns";
import { AwsProviders } from "../components/aws/providers";
import { ingressRuleSpecs } from "../components/aws/securityGroups";
import { AwsVpcPeering, awsPeeringName } from "../components/aws/vpcPeering";
import { connectedSitePairs, sitePortRules } from "../components/topology/connectivity";
import { Site, Topology } from "../components/topology/model";
import { nodeAddress, privateZoneName, siteResourcePrefix } from "../components/topology/naming";
import { assertUniqueUrns, countByType, MockRun, ofType, outputValue, ResourceRecord, runUnderMocks } from "../tools/harness/mocks";
import { STATE as AWS_STATE } from "../tools/harness/state/aws";
import { buildTopology } from "./fixtures/topologies";

const T = {
    provider: "pulumi:providers:aws",
    k8sProvider: "pulumi:providers:kubernetes",
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    igw: "aws:ec2/internetGateway:InternetGateway",
    eip: "aws:ec2/eip:Eip",
    nat: "aws:ec2/natGateway:NatGateway",
    routeTable: "aws:ec2/routeTable:RouteTable",
    route: "aws:ec2/route:Route",
    rta: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    kmsKey: "aws:kms/key:Key",
    kmsAlias: "aws:kms/alias:Alias",
    role: "aws:iam/role:Role",
    attach: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    addon: "aws:eks/addon:Addon",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    tgwAttachment: "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    sgRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    pcx: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    accepter: "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
    options: "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions",
    zone: "aws:route53/zone:Zone",
    record: "aws:route53/record:Record",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    sgEgress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    nlb: "aws:lb/loadBalancer:LoadBalancer",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    asgAttachment: "aws:autoscaling/attachment:Attachment",
} as const;

function withSite(t: Topology, name: string, patch: (s: Site) => Site): Topology {
    return { ...t, sites: t.sites.map((s) => (s.name === name ? patch(s) : s)) };
}

/**
 * Two EKS sites in two regions sharing a replication group: `euw1` (3 zones, NAT per zone) and
 * `use1` (2 zones, one node in us-east-1a, a single NAT for both zones). One admin range is private,
 * one public. Built without the loader, so a test below checks it passes the loader's platform checks.
 */
function twoRegionTopology(): Topology {
    let t = buildTopology({
        environment: "test",
        sites: [
            { name: "euw1", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], cidr: "10.10.0.0/16" },
            { name: "use1", region: "us-east-1", zones: ["us-east-1a", "us-east-1b"], cidr: "10.20.0.0/16" },
        ],
        nodes: ["axon-1", "axon-2", "axon-3", { name: "axon-dr-1", site: "use1", zone: "us-east-1a" }],
        groups: { orders: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY", "axon-dr-1": "PASSIVE_BACKUP" } },
        clients: [{ region: "eu-west-1", cidrs: ["10.10.0.0/16", "10.60.0.0/16"], namespaces: ["default"], contexts: ["orders"] }],
        overrides: {
            adminCidrs: ["10.99.0.0/24", "203.0.113.0/24"],
            clusterAccess: {
                runnerCidrs: ["198.51.100.7/32"],
                privateOnly: false,
                runnerRoutes: [],
                eksAdminPrincipals: ["arn:aws:iam::123456789012:role/platform-admin"],
                eksRoleArn: "arn:aws:iam::123456789012:role/deployer",
            },
        },
    });
    t = withSite(t, "euw1", (s) => ({ ...s, cluster: { ...s.cluster, natGateways: "perZone", machineType: "m7i.xlarge", nodesPerZone: 2 } }));
    t = withSite(t, "use1", (s) => ({ ...s, cluster: { ...s.cluster, natGateways: "single" } }));
    return t;
}

interface Deployed {
    providers: AwsProviders;
    networks: Record<string, AwsNetwork>;
    sites: Record<string, EksSite>;
    peerings: AwsVpcPeering[];
    dns: AwsPrivateDns;
}

/** What `stacks/` will do for AWS sites: providers, network + EKS per site, peering per pair, private DNS. */
function deployAws(topology: Topology): Deployed {
    const providers = new AwsProviders("aws-providers");
    const networks: Record<string, AwsNetwork> = {};
    const sites: Record<string, EksSite> = {};
    for (const site of topology.sites) {
        const provider = providers.forRegion(site.region);
        const prefix = siteResourcePrefix(topology, site.name);
        networks[site.name] = new AwsNetwork(`${prefix}-net`, { topology, site, provider });
        sites[site.name] = new EksSite(prefix, { topology, site, network: networks[site.name], provider });
    }
    const peerings = connectedSitePairs(topology).map(
        (p) => new AwsVpcPeering(awsPeeringName(topology, p.a.name, p.b.name), { a: networks[p.a.name], b: networks[p.b.name], environment: topology.environment }),
    );
    const dns = new AwsPrivateDns(`${topology.environment}-dns`, {
        zoneName: privateZoneName(topology),
        vpcs: topology.sites.map((s) => ({ vpcId: networks[s.name].vpc.id, region: s.region })),
        records: topology.nodes.map((n) => ({ name: nodeAddress(topology, n).fqdn, target: { hostname: `${n.name}-nlb.elb.${n.region}.amazonaws.com` } })),
        provider: providers.forRegion(topology.sites[0].region),
    });
    return { providers, networks, sites, peerings, dns };
}

const one = (records: ResourceRecord[], type: string, name: string): ResourceRecord => {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected exactly one ${type} named ${name}, got ${found.length}`);
    return found[0];
};
const providerRef = (records: ResourceRecord[], name: string): string => {
    const p = one(records, T.provider, name);
    return `${p.urn}::${name}-id`;
};
/** The mock gives every custom resource the id `<name>-id`. */
const idOf = (name: string) => `${name}-id`;

describe("components/aws (pure parts)", () => {
    it("lays subnets out in fixed /p+3 private blocks and /p+6 public subnets in the last block", () => {
        assert.deepEqual(awsSubnetLayout("10.10.0.0/16", ["a", "b", "c"]), [
            { zone: "a", privateCidr: "10.10.0.0/19", publicCidr: "10.10.224.0/22" },
            { zone: "b", privateCidr: "10.10.32.0/19", publicCidr: "10.10.228.0/22" },
            { zone: "c", privateCidr: "10.10.64.0/19", publicCidr: "10.10.232.0/22" },
        ]);
        // Adding a zone keeps the existing subnets where they are.
        assert.deepEqual(awsSubnetLayout("10.10.0.0/16", ["a", "b", "c", "d"]).slice(0, 3), awsSubnetLayout("10.10.0.0/16", ["a", "b", "c"]));
        assert.deepEqual(awsSubnetLayout("10.0.0.0/22", ["a"]), [{ zone: "a", privateCidr: "10.0.0.0/25", publicCidr: "10.0.3.128/28" }]);
        assert.throws(() => awsSubnetLayout("10.0.0.0/23", ["a"]), /too small: the prefix must be \/22 or shorter/);
        assert.throws(() => awsSubnetLayout("10.0.0.0/16", ["a", "b", "c", "d", "e", "f", "g", "h"]), /1 to 7 zones, got 8/);
        assert.throws(() => awsSubnetLayout("10.0.0.0/16", []), /1 to 7 zones, got 0/);
    });

    // EKS user guide, "Cluster API server endpoint": with only the private endpoint, API traffic must come
    // from the VPC or a connected network, which does not exist before the first run; `publicAccessCidrs`
    // restricts the public endpoint to the listed ranges.
    it("opens the public endpoint to the runner's ranges only; private-only keeps it closed", () => {
        assert.deepEqual(eksEndpointAccess({ runnerCidrs: ["203.0.113.10/32", "198.51.100.0/24"], privateOnly: false }), {
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            publicAccessCidrs: ["198.51.100.0/24", "203.0.113.10/32"],
        });
        assert.deepEqual(eksEndpointAccess({ runnerCidrs: [], privateOnly: true }), { endpointPrivateAccess: true, endpointPublicAccess: false });
        assert.equal(isNonPublicCidr("172.20.0.0/16"), true);
        assert.equal(isNonPublicCidr("172.32.0.0/16"), false);
        assert.equal(isNonPublicCidr("100.64.1.0/24"), true);
    });

    it("builds IAM/KMS documents as JSON", () => {
        const trust = JSON.parse(
            irsaTrustPolicy({
                oidcProviderArn: "arn:aws:iam::1:oidc-provider/oidc.eks.x.amazonaws.com/id/AB",
                issuerUrl: "https://oidc.eks.x.amazonaws.com/id/AB",
                namespace: "kube-system",
                serviceAccount: "sa",
            }),
        );
        assert.deepEqual(trust.Statement[0].Condition.StringEquals, {
            "oidc.eks.x.amazonaws.com/id/AB:sub": "system:serviceaccount:kube-system:sa",
            "oidc.eks.x.amazonaws.com/id/AB:aud": "sts.amazonaws.com",
        });
        assert.equal(JSON.parse(accountRootKeyPolicy("42", "aws-cn")).Statement[0].Principal.AWS, "arn:aws-cn:iam::42:root");
        const kms = JSON.parse(ebsCsiKmsPolicy("arn:k"));
        assert.deepEqual(kms.Statement[0].Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
        assert.deepEqual(kms.Statement.map((s: { Resource: string[] }) => s.Resource), [["arn:k"], ["arn:k"]]);
    });

    it("refuses open-world ranges in security group rules", () => {
        assert.throws(() => ingressRuleSpecs([{ port: 8124, cidrs: ["0.0.0.0/0"], description: "x" }]), /never public/);
        assert.throws(() => ingressRuleSpecs([{ port: 8124, cidrs: ["::/0"], description: "x" }]), /never public/);
        assert.throws(() => ingressRuleSpecs([{ port: 8124, cidrs: ["10.0.0.1/16"], description: "x" }]), /not a canonical IPv4 CIDR/);
        assert.equal(ingressRuleSpecs([{ port: 1, cidrs: ["10.0.0.0/8", "10.0.0.0/8"], description: "x" }]).length, 1);
    });

    it("maps DNS targets to CNAME or A records", () => {
        assert.deepEqual(dnsRecordFor({ hostname: "lb.example" }, "n"), { type: "CNAME", value: "lb.example" });
        assert.deepEqual(dnsRecordFor({ ip: "10.0.0.5" }, "n"), { type: "A", value: "10.0.0.5" });
        assert.throws(() => dnsRecordFor({}, "axon-1.x"), /axon-1.x: the target has neither/);
        assert.equal(AWS_VPN_ASN, 64512);
    });

    it("mocks the VPN connection outputs the GCP side reads, keeping given preshared keys", () => {
        const vpn = AWS_STATE["aws:ec2/vpnConnection:VpnConnection"];
        const a = vpn({ tunnel1InsideCidr: "169.254.10.0/30", tunnel1PresharedKey: "given" }, "vpn-a");
        assert.equal(a.tunnel1VgwInsideAddress, "169.254.10.1");
        assert.equal(a.tunnel1CgwInsideAddress, "169.254.10.2");
        assert.equal(a.tunnel1PresharedKey, undefined, "the harness keeps the input's key");
        assert.equal(typeof a.tunnel2PresharedKey, "string");
        for (const k of ["tunnel1Address", "tunnel2Address", "tunnel2CgwInsideAddress", "tunnel2VgwInsideAddress", "tunnel1BgpAsn", "tunnel2BgpAsn"]) {
            assert.equal(typeof a[k], "string", k);
        }
        assert.deepEqual(vpn({}, "vpn-b"), vpn({}, "vpn-b"), "deterministic per name");
        assert.notEqual(vpn({}, "vpn-b").tunnel1Address, vpn({}, "vpn-c").tunnel1Address);
    });
});

let twoRegion: Promise<MockRun<Deployed>> | undefined;
/**
 * `twoRegionTopology()` under mocks, rendered once for the suites below that assert on it (a render takes
 * seconds). The records are shared: tests read them, never change them.
 */
function twoRegionRun(): Promise<MockRun<Deployed>> {
    twoRegion ??= runUnderMocks({ stack: "aws-test" }, () => deployAws(twoRegionTopology()));
    return twoRegion;
}

describe("components/aws under mocks: two EKS sites in two regions", () => {
    const topology = twoRegionTopology();
    let run: MockRun<Deployed>;
    let records: ResourceRecord[];

    before(async () => {
        run = await twoRegionRun();
        records = run.records;
    });

    // EKS user guide, "View Amazon EKS networking requirements for VPC and subnets": "When you create a
    // cluster, you specify a VPC and at least two subnets that are in different Availability Zones", so a
    // one-zone site would render a cluster EKS rejects (docs.aws.amazon.com/eks/latest/userguide/network-reqs.html).
    it("renders a topology the loader's platform checks accept (every EKS site in two zones or more)", () => {
        assert.deepEqual(platformIssues(topology, { backupAgent: false }).errors, []);
        for (const site of topology.sites) assert.ok(site.zones.length >= 2, site.name);
    });

    it("creates one provider per region with the region set explicitly", () => {
        const providers = ofType(records, T.provider);
        assert.deepEqual(providers.map((p) => [p.name, p.inputs.region]).sort(), [
            ["aws-eu-west-1", "eu-west-1"],
            ["aws-us-east-1", "us-east-1"],
        ]);
        assert.deepEqual(run.result.providers.regions, ["eu-west-1", "us-east-1"]);
        assert.equal(run.result.providers.forRegion("eu-west-1"), run.result.providers.forRegion("eu-west-1"));
    });

    it("registers every resource once with unique URNs, and the expected counts per type", () => {
        assertUniqueUrns(records);
        const counts = countByType(records);
        const expected: Record<string, number> = {
            [T.provider]: 2,
            [T.k8sProvider]: 2,
            [T.vpc]: 2,
            [T.subnet]: 15, // (3 + 2 zones) x (private + public + load balancer)
            [T.igw]: 2,
            [T.eip]: 4, // 3 (per zone) + 1 (single)
            [T.nat]: 4,
            [T.routeTable]: 7, // per site 1 public + 1 private per zone
            // defaults: 2 public + 5 private; peering: 3 (euw1) + 2 (use1)
            [T.route]: 12,
            [T.rta]: 15, // per zone: public, private, load balancer
            [T.kmsKey]: 2,
            [T.kmsAlias]: 2,
            [T.role]: 6,
            [T.attach]: 10, // per site: cluster 1 + node 3 + csi 1
            [T.rolePolicy]: 2,
            [T.cluster]: 2,
            [T.nodeGroup]: 5,
            [T.oidc]: 2,
            [T.addon]: 8, // per site: ebs-csi, vpc-cni, coredns, kube-proxy
            [T.accessEntry]: 2,
            [T.accessPolicy]: 2,
            [T.vpcEndpoint]: 2,
            [T.storageClass]: 6,
            [T.pcx]: 1,
            [T.accepter]: 1,
            [T.options]: 2,
            [T.zone]: 1,
            [T.record]: 4,
            // One NLB per node (3 + 1), a listener and target group per forwarded port (8124, 8224 and the
            // health relay's 8025: the sites share a group), attached to the node group of the node's zone;
            // one security group per site.
            [T.nlb]: 4,
            [T.listener]: 12,
            [T.targetGroup]: 12,
            [T.asgAttachment]: 12,
            [T.sg]: 2,
            [T.sgEgress]: 2,
        };
        for (const [type, n] of Object.entries(expected)) assert.equal(counts[type] ?? 0, n, `count of ${type}`);
        // Cluster security groups: 8024 x2, 443 x2 per site, and the NodePort block from the NLBs' group;
        // NLBs' groups: euw1 8224 x2, 8124 x2, 8025 x1 (use1); use1 8224 x2 (no clients connect to it), 8025 x1 (euw1).
        assert.equal(counts[T.sgRule], 2 * (4 + 1) + 5 + 3);
        for (const component of ["AwsNetwork", "EksSite", "AwsVpcPeering", "AwsPrivateDns", "AwsProviders", "AwsIngressRules", "NodeLoadBalancers"]) {
            assert.ok(counts[`axonserver:aws:${component}`] > 0, component);
        }
    });

    it("puts every AWS resource of a site on that site's regional provider", () => {
        const euw1 = providerRef(records, "aws-eu-west-1");
        const use1 = providerRef(records, "aws-us-east-1");
        for (const r of records.filter((x) => x.type.startsWith("aws:"))) {
            if (r.name.startsWith("test-euw1-") && !r.name.startsWith("test-euw1-use1")) assert.equal(r.provider, euw1, r.name);
            if (r.name.startsWith("test-use1-")) assert.equal(r.provider, use1, r.name);
        }
    });

    it("builds the VPC with DNS support and a private and public subnet per zone with the exact CIDRs", () => {
        const vpc = one(records, T.vpc, "test-euw1-net-vpc");
        assert.equal(vpc.inputs.cidrBlock, "10.10.0.0/16");
        assert.equal(vpc.inputs.enableDnsSupport, true);
        assert.equal(vpc.inputs.enableDnsHostnames, true);
        const expected: [string, string, string][] = [
            ["eu-west-1a", "10.10.0.0/19", "10.10.224.0/22"],
            ["eu-west-1b", "10.10.32.0/19", "10.10.228.0/22"],
            ["eu-west-1c", "10.10.64.0/19", "10.10.232.0/22"],
        ];
        for (const [zone, priv, pub] of expected) {
            const p = one(records, T.subnet, `test-euw1-net-private-${zone}`);
            assert.deepEqual([p.inputs.availabilityZone, p.inputs.cidrBlock, p.inputs.vpcId], [zone, priv, idOf("test-euw1-net-vpc")]);
            const tags = p.inputs.tags as Record<string, string>;
            assert.equal(tags["kubernetes.io/role/internal-elb"], "1");
            assert.equal(tags["kubernetes.io/cluster/test-euw1"], "shared");
            assert.equal(tags["axonserver-environment"], "test");
            const q = one(records, T.subnet, `test-euw1-net-public-${zone}`);
            assert.deepEqual([q.inputs.availabilityZone, q.inputs.cidrBlock], [zone, pub]);
            assert.equal((q.inputs.tags as Record<string, string>)["kubernetes.io/role/elb"], "1");
            assert.equal(q.inputs.mapPublicIpOnLaunch, false);
        }
        assert.equal(one(records, T.subnet, "test-use1-net-private-us-east-1a").inputs.cidrBlock, "10.20.0.0/19");
        assert.equal(one(records, T.subnet, "test-use1-net-public-us-east-1a").inputs.cidrBlock, "10.20.224.0/22");
        assert.equal(one(records, T.subnet, "test-use1-net-private-us-east-1b").inputs.cidrBlock, "10.20.32.0/19");
        assert.equal(one(records, T.subnet, "test-use1-net-public-us-east-1b").inputs.cidrBlock, "10.20.228.0/22");
    });

    it("creates a NAT gateway per zone (perZone) or one (single), each with an EIP in a public subnet", () => {
        const nats = ofType(records, T.nat);
        assert.deepEqual(nats.map((n) => n.name).sort(), [
            "test-euw1-net-nat-eu-west-1a",
            "test-euw1-net-nat-eu-west-1b",
            "test-euw1-net-nat-eu-west-1c",
            "test-use1-net-nat-us-east-1a",
        ]);
        for (const nat of nats) {
            const zone = nat.name.replace(/^test-\w+-net-nat-/, "");
            const site = nat.name.split("-")[1];
            assert.equal(nat.inputs.subnetId, idOf(`test-${site}-net-public-${zone}`));
            assert.match(String(nat.inputs.allocationId), /^eipalloc-/);
            assert.ok(nat.dependencies.includes(one(records, T.igw, `test-${site}-net-igw`).urn), "NAT depends on the IGW");
        }
        for (const eip of ofType(records, T.eip)) assert.equal(eip.inputs.domain, "vpc");
    });

    it("routes public subnets to the IGW and each private route table to its zone's NAT (or the single one)", () => {
        assert.deepEqual(
            [one(records, T.route, "test-euw1-net-public-default").inputs.gatewayId, one(records, T.route, "test-euw1-net-public-default").inputs.destinationCidrBlock],
            [idOf("test-euw1-net-igw"), "0.0.0.0/0"],
        );
        for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
            const r = one(records, T.route, `test-euw1-net-private-default-${zone}`);
            assert.equal(r.inputs.routeTableId, idOf(`test-euw1-net-private-rt-${zone}`));
            assert.equal(r.inputs.natGatewayId, idOf(`test-euw1-net-nat-${zone}`));
            const a = one(records, T.rta, `test-euw1-net-private-rta-${zone}`);
            assert.deepEqual([a.inputs.routeTableId, a.inputs.subnetId], [idOf(`test-euw1-net-private-rt-${zone}`), idOf(`test-euw1-net-private-${zone}`)]);
            const pa = one(records, T.rta, `test-euw1-net-public-rta-${zone}`);
            assert.deepEqual([pa.inputs.routeTableId, pa.inputs.subnetId], [idOf("test-euw1-net-public-rt"), idOf(`test-euw1-net-public-${zone}`)]);
        }
        // single: the one NAT gateway (in the first zone) serves the private route table of every zone.
        for (const zone of ["us-east-1a", "us-east-1b"]) {
            assert.equal(one(records, T.route, `test-use1-net-private-default-${zone}`).inputs.natGatewayId, idOf("test-use1-net-nat-us-east-1a"), zone);
        }
        for (const rt of ofType(records, T.routeTable)) assert.equal(rt.inputs.routes, undefined, `${rt.name} has no inline routes`);
        assert.equal(run.result.networks.euw1.privateRouteTables.length, 3);
    });

    it("creates the EKS cluster in the private subnets, the public endpoint open to the runner's ranges only", () => {
        const c = one(records, T.cluster, "test-euw1-eks");
        assert.equal(c.inputs.name, "test-euw1");
        assert.equal(c.inputs.roleArn, "arn:aws:iam::123456789012:role/test-euw1-cluster-role");
        const vpc = c.inputs.vpcConfig as Record<string, unknown>;
        assert.deepEqual(vpc.subnetIds, ["a", "b", "c"].map((z) => idOf(`test-euw1-net-private-eu-west-1${z}`)));
        assert.equal(vpc.endpointPrivateAccess, true);
        assert.equal(vpc.endpointPublicAccess, true);
        assert.deepEqual(vpc.publicAccessCidrs, ["198.51.100.7/32"]);
        assert.deepEqual(c.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
        assert.ok(c.dependencies.includes(one(records, T.attach, "test-euw1-cluster-policy").urn));
    });

    // EKS user guide, "Kubernetes version lifecycle": extended support bills per cluster hour; with
    // upgradePolicy STANDARD EKS upgrades at the end of standard support instead. Control-plane logs:
    // "Send control plane logs to CloudWatch Logs" (api, audit, authenticator, controllerManager, scheduler).
    it("pins the Kubernetes version (node groups follow the cluster), standard support only, control-plane logs on", () => {
        for (const site of ["euw1", "use1"]) {
            const c = one(records, T.cluster, `test-${site}-eks`);
            assert.equal(c.inputs.version, "1.35");
            assert.deepEqual(c.inputs.upgradePolicy, { supportType: "STANDARD" });
            assert.deepEqual(c.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
        }
        for (const ng of ofType(records, T.nodeGroup)) assert.equal(ng.inputs.version, "1.35", ng.name);
    });

    // The nodes' fixed NodePorts sit in the static band of the default range 30000-32767; EKS lets a
    // cluster change the range (node_modules/@pulumi/aws/types/input.d.ts
    // `ClusterKubeApiServerConfigServiceNodePortRange`), which would move that band.
    it("keeps the default NodePort range on every cluster (the nodes' fixed ports depend on it)", () => {
        for (const c of ofType(records, T.cluster)) assert.equal(c.inputs.kubeApiServerConfig, undefined, c.name);
    });

    // pulumi-eks / terraform-aws-eks manage coredns and kube-proxy as EKS add-ons so EKS upgrades them.
    it("manages coredns and kube-proxy as EKS add-ons, coredns after the workers; StatefulSets wait for them", () => {
        for (const addonName of ["coredns", "kube-proxy"]) {
            const a = one(records, T.addon, `test-euw1-${addonName}`);
            assert.equal(a.inputs.addonName, addonName);
            assert.equal(a.inputs.resolveConflictsOnCreate, "OVERWRITE");
            for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
                assert.ok(a.dependencies.includes(one(records, T.nodeGroup, `test-euw1-ng-${zone}`).urn), `${addonName} ${zone}`);
            }
        }
    });

    // EKS user guide, "Grant IAM users access to Kubernetes with EKS access entries"; access policy ARN
    // from "Review access policy permissions" (arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy).
    it("gives clusterAccess.eksAdminPrincipals an access entry with the cluster-admin policy on every cluster", () => {
        for (const site of ["euw1", "use1"]) {
            const entry = one(records, T.accessEntry, `test-${site}-admin-0`);
            assert.equal(entry.inputs.principalArn, "arn:aws:iam::123456789012:role/platform-admin");
            assert.equal(entry.inputs.clusterName, `test-${site}`);
            assert.equal(entry.inputs.type, "STANDARD");
            const policy = one(records, T.accessPolicy, `test-${site}-admin-0-policy`);
            assert.equal(policy.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
            assert.deepEqual(policy.inputs.accessScope, { type: "cluster" });
            assert.equal(policy.inputs.principalArn, "arn:aws:iam::123456789012:role/platform-admin");
            // Kubernetes objects are created only once the admin entries exist.
            const provider = one(records, T.k8sProvider, `test-${site}-k8s`);
            assert.ok(provider.dependencies.includes(entry.urn), site);
        }
    });

    it("kubeconfig: aws eks get-token assumes clusterAccess.eksRoleArn", () => {
        const kubeconfig = JSON.parse(String(one(records, T.k8sProvider, "test-euw1-k8s").inputs.kubeconfig));
        const args = kubeconfig.users[0].user.exec.args as string[];
        assert.deepEqual(args.slice(args.indexOf("--role-arn"), args.indexOf("--role-arn") + 2), ["--role-arn", "arn:aws:iam::123456789012:role/deployer"]);
        assert.equal(kubeconfig.users[0].user.exec.command, "aws");
    });

    // VPC user guide, "Gateway endpoints for Amazon S3" (no hourly or data charge; routes added to the
    // associated route tables): backups and ECR layers stay off the NAT gateways.
    it("adds an S3 gateway endpoint on the private route tables of every VPC", () => {
        const ep = one(records, T.vpcEndpoint, "test-euw1-net-s3");
        assert.equal(ep.inputs.serviceName, "com.amazonaws.eu-west-1.s3");
        assert.equal(ep.inputs.vpcEndpointType, "Gateway");
        assert.deepEqual(ep.inputs.routeTableIds, ["a", "b", "c"].map((z) => idOf(`test-euw1-net-private-rt-eu-west-1${z}`)));
    });

    it("gives the roles the exact AWS managed policies", () => {
        const attached = (prefix: string) =>
            ofType(records, T.attach)
                .filter((r) => r.name.startsWith(prefix))
                .map((r) => r.inputs.policyArn)
                .sort();
        assert.deepEqual(attached("test-euw1-"), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        ]);
        assert.equal(JSON.parse(String(one(records, T.role, "test-euw1-cluster-role").inputs.assumeRolePolicy)).Statement[0].Principal.Service, "eks.amazonaws.com");
        assert.equal(JSON.parse(String(one(records, T.role, "test-euw1-node-role").inputs.assumeRolePolicy)).Statement[0].Principal.Service, "ec2.amazonaws.com");
    });

    it("creates one managed node group per zone, in that zone's private subnet", () => {
        const groups = ofType(records, T.nodeGroup).filter((r) => r.name.startsWith("test-euw1-"));
        assert.equal(groups.length, 3);
        for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
            const g = one(records, T.nodeGroup, `test-euw1-ng-${zone}`);
            assert.deepEqual(g.inputs.subnetIds, [idOf(`test-euw1-net-private-${zone}`)]);
            assert.deepEqual(g.inputs.instanceTypes, ["m7i.xlarge"]);
            assert.deepEqual(g.inputs.scalingConfig, { desiredSize: 2, minSize: 2, maxSize: 2 });
            assert.equal(g.inputs.clusterName, "test-euw1");
            assert.equal(g.inputs.nodeRoleArn, "arn:aws:iam::123456789012:role/test-euw1-node-role");
        }
        assert.deepEqual(one(records, T.nodeGroup, "test-use1-ng-us-east-1a").inputs.scalingConfig, { desiredSize: 1, minSize: 1, maxSize: 1 });
    });

    it("trusts the cluster's OIDC provider for the EBS CSI controller service account only", async () => {
        const issuer = await outputValue(run.result.sites.euw1.oidcIssuer);
        assert.match(issuer, /^https:\/\/oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[0-9A-F]+$/);
        const oidc = one(records, T.oidc, "test-euw1-oidc");
        assert.equal(oidc.inputs.url, issuer);
        assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
        const trust = JSON.parse(String(one(records, T.role, "test-euw1-ebs-csi-role").inputs.assumeRolePolicy));
        const st = trust.Statement[0];
        assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
        assert.equal(st.Principal.Federated, `arn:aws:iam::123456789012:oidc-provider/${issuer.replace("https://", "")}`);
        const host = issuer.replace("https://", "");
        assert.equal(st.Condition.StringEquals[`${host}:sub`], "system:serviceaccount:kube-system:ebs-csi-controller-sa");
        assert.equal(st.Condition.StringEquals[`${host}:aud`], "sts.amazonaws.com");
    });

    it("takes over the VPC CNI as a managed add-on with NetworkPolicy enforcement on", () => {
        const cni = one(records, T.addon, "test-euw1-vpc-cni");
        assert.equal(cni.inputs.addonName, "vpc-cni");
        assert.equal(cni.inputs.clusterName, "test-euw1");
        assert.deepEqual(JSON.parse(String(cni.inputs.configurationValues)), { enableNetworkPolicy: "true" });
        assert.equal(cni.inputs.resolveConflictsOnCreate, "OVERWRITE");
    });

    it("installs the EBS CSI add-on with the IRSA role, after the node groups and the role's policies", async () => {
        const addon = one(records, T.addon, "test-euw1-ebs-csi");
        assert.equal(addon.inputs.addonName, EBS_CSI.addonName);
        assert.equal(addon.inputs.clusterName, "test-euw1");
        assert.equal(addon.inputs.serviceAccountRoleArn, "arn:aws:iam::123456789012:role/test-euw1-ebs-csi-role");
        for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
            assert.ok(addon.dependencies.includes(one(records, T.nodeGroup, `test-euw1-ng-${zone}`).urn), zone);
        }
        assert.ok(addon.dependencies.includes(one(records, T.rolePolicy, "test-euw1-ebs-csi-kms").urn));
        const keyArn = await outputValue(run.result.sites.euw1.kmsKeyArn);
        const kms = JSON.parse(String(one(records, T.rolePolicy, "test-euw1-ebs-csi-kms").inputs.policy));
        assert.deepEqual(kms.Statement[1].Resource, [keyArn]);
        assert.equal(one(records, T.rolePolicy, "test-euw1-ebs-csi-kms").inputs.role, "test-euw1-ebs-csi-role");
    });

    it("encrypts volumes with a rotating, retained KMS key that delegates to the account's IAM", async () => {
        const key = one(records, T.kmsKey, "test-euw1-ebs-key");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(key.retainOnDelete, true);
        const policy = JSON.parse(String(key.inputs.policy));
        assert.equal(policy.Statement[0].Principal.AWS, "arn:aws:iam::123456789012:root");
        assert.equal(policy.Statement[0].Action, "kms:*");
        const keyArn = await outputValue(run.result.sites.euw1.kmsKeyArn);
        for (const sc of ofType(records, T.storageClass).filter((r) => r.name.startsWith("test-euw1-"))) {
            assert.equal((sc.inputs.parameters as Record<string, string>).kmsKeyId, keyArn, sc.name);
        }
        assert.notEqual(keyArn, await outputValue(run.result.sites.use1.kmsKeyArn));
    });

    it("creates retained, expandable, zone-aware StorageClasses per tier on the site's cluster", () => {
        const k8sRef = `${one(records, T.k8sProvider, "test-euw1-k8s").urn}::test-euw1-k8s-id`;
        const byTier = (tier: string) => one(records, T.storageClass, `test-euw1-sc-${tier}`);
        for (const tier of ["fast", "standard", "cold"]) {
            const sc = byTier(tier);
            assert.equal(sc.provider, k8sRef);
            assert.equal((sc.inputs.metadata as Record<string, unknown>).name, `axonserver-test-${tier}`);
            assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
            assert.equal(sc.inputs.reclaimPolicy, "Retain");
            assert.equal(sc.inputs.allowVolumeExpansion, true);
            assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
            const p = sc.inputs.parameters as Record<string, string>;
            assert.equal(p.encrypted, "true");
            assert.equal(p.tagSpecification_1, "axonserver-environment=test");
            assert.equal(p.tagSpecification_2, "axonserver-site=euw1");
        }
        const params = (tier: string) => {
            const { kmsKeyId: _k, encrypted: _e, tagSpecification_1: _1, tagSpecification_2: _2, tagSpecification_3: _3, ...rest } = byTier(tier).inputs.parameters as Record<string, string>;
            return rest;
        };
        assert.deepEqual(params("fast"), { type: "gp3", iopsPerGB: "50", allowAutoIOPSPerGBIncrease: "true", throughput: "250" });
        assert.deepEqual(params("standard"), { type: "gp3" });
        assert.deepEqual(params("cold"), { type: "sc1" });
    });

    it("exposes a KubernetesHost with NLBs and the resources StatefulSets must wait for", async () => {
        const host = run.result.sites.euw1.host;
        assert.equal(host.site, "euw1");
        assert.equal(host.internalLoadBalancer, "aws-nlb");
        assert.equal(host.provider, run.result.sites.euw1.kubeProvider);
        assert.equal(await outputValue(pulumi.output(host.storageClassNames.cold)), "axonserver-test-cold");
        assert.equal(host.readyResources.length, 2 + 2 + 3 + 3); // ebs-csi, vpc-cni, coredns, kube-proxy, 3 classes, 3 node groups
        assert.ok(host.readyResources.includes(run.result.sites.euw1.ebsCsiAddon));
        assert.ok(host.readyResources.includes(run.result.sites.euw1.vpcCniAddon));
    });

    it("gives each site a Kubernetes provider whose kubeconfig runs `aws eks get-token` for its cluster", () => {
        for (const [site, region] of [
            ["euw1", "eu-west-1"],
            ["use1", "us-east-1"],
        ]) {
            const p = one(records, T.k8sProvider, `test-${site}-k8s`);
            // Provider inputs reach the engine as strings.
            assert.equal(String(p.inputs.enableServerSideApply), "true");
            const kc = JSON.parse(String(p.inputs.kubeconfig));
            assert.match(kc.clusters[0].cluster.server, /^https:\/\/.*\.eks\.amazonaws\.com$/);
            assert.equal(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), `mock CA of test-${site}`);
            const exec = kc.users[0].user.exec;
            assert.equal(exec.command, "aws");
            assert.equal(exec.apiVersion, "client.authentication.k8s.io/v1beta1");
            assert.deepEqual(exec.args, [
                "--region",
                region,
                "eks",
                "get-token",
                "--cluster-name",
                `test-${site}`,
                "--role-arn",
                "arn:aws:iam::123456789012:role/deployer",
                "--output",
                "json",
            ]);
            assert.equal(kc["current-context"], "aws");
        }
    });

    it("opens only the admin ports by range on the cluster security group; 8124/8224 arrive through the NLBs", () => {
        const rules = ofType(records, T.sgRule);
        for (const r of rules) {
            assert.notEqual(r.inputs.cidrIpv4, "0.0.0.0/0", r.name);
            assert.equal(r.inputs.cidrIpv6, undefined, r.name);
            assert.equal(r.inputs.ipProtocol, "tcp");
        }
        const euw1 = rules.filter((r) => r.name.startsWith("test-euw1-cluster-sg-"));
        const sg = euw1.map((r) => r.inputs.securityGroupId);
        assert.ok(sg.every((id) => typeof id === "string" && id.startsWith("sg-") && id === sg[0]), "all on the cluster security group");
        const pairs = (rs: ResourceRecord[]) => rs.map((r) => `${r.inputs.fromPort} ${r.inputs.cidrIpv4}`).sort();
        assert.deepEqual(pairs(euw1), ["443 10.99.0.0/24", "443 203.0.113.0/24", "8024 10.99.0.0/24", "8024 203.0.113.0/24"]);
        for (const r of euw1) assert.equal(r.inputs.fromPort, r.inputs.toPort);
        // The Axon ports' sources are the NLBs' security group's rules (same model as the firewall).
        const nlbRules = rules.filter((r) => r.name.startsWith("test-euw1-nlb-sg-in-"));
        const model = sitePortRules(topology, topology.sites[0])
            .filter((r) => r.port !== 8024)
            .flatMap((r) => r.cidrs.map((c) => `${r.port} ${c}`))
            .sort();
        assert.deepEqual(pairs(nlbRules), model);
        const use1 = rules.filter((r) => r.name.startsWith("test-use1-nlb-sg-in-"));
        assert.ok(!pairs(use1).some((p) => p.startsWith("8124 ")), "no client connects to the passive backup site");
    });

    it("peers the two VPCs across regions: request on A's provider, accept on B's, DNS options both sides", () => {
        const euw1 = providerRef(records, "aws-eu-west-1");
        const use1 = providerRef(records, "aws-us-east-1");
        const pcx = one(records, T.pcx, "test-euw1-use1-pcx");
        assert.equal(pcx.provider, euw1);
        assert.deepEqual([pcx.inputs.vpcId, pcx.inputs.peerVpcId, pcx.inputs.peerRegion, pcx.inputs.autoAccept], [
            idOf("test-euw1-net-vpc"),
            idOf("test-use1-net-vpc"),
            "us-east-1",
            false,
        ]);
        const acc = one(records, T.accepter, "test-euw1-use1-accepter");
        assert.equal(acc.provider, use1);
        assert.deepEqual([acc.inputs.vpcPeeringConnectionId, acc.inputs.autoAccept], [idOf("test-euw1-use1-pcx"), true]);
        const req = one(records, T.options, "test-euw1-use1-requester-options");
        assert.equal(req.provider, euw1);
        assert.deepEqual(req.inputs.requester, { allowRemoteVpcDnsResolution: true });
        assert.equal(req.inputs.vpcPeeringConnectionId, idOf("test-euw1-use1-accepter"));
        const accOpt = one(records, T.options, "test-euw1-use1-accepter-options");
        assert.equal(accOpt.provider, use1);
        assert.deepEqual(accOpt.inputs.accepter, { allowRemoteVpcDnsResolution: true });
        assert.equal(accOpt.inputs.vpcPeeringConnectionId, idOf("test-euw1-use1-accepter"));
    });

    it("routes to the peer CIDR from every private route table on both sides", () => {
        const euw1 = providerRef(records, "aws-eu-west-1");
        const use1 = providerRef(records, "aws-us-east-1");
        const peeringRoutes = ofType(records, T.route).filter((r) => r.inputs.vpcPeeringConnectionId !== undefined);
        const seen = peeringRoutes.map((r) => `${r.inputs.routeTableId} -> ${r.inputs.destinationCidrBlock} via ${r.inputs.vpcPeeringConnectionId}`).sort();
        assert.deepEqual(seen, [
            `${idOf("test-euw1-net-private-rt-eu-west-1a")} -> 10.20.0.0/16 via ${idOf("test-euw1-use1-accepter")}`,
            `${idOf("test-euw1-net-private-rt-eu-west-1b")} -> 10.20.0.0/16 via ${idOf("test-euw1-use1-accepter")}`,
            `${idOf("test-euw1-net-private-rt-eu-west-1c")} -> 10.20.0.0/16 via ${idOf("test-euw1-use1-accepter")}`,
            `${idOf("test-use1-net-private-rt-us-east-1a")} -> 10.10.0.0/16 via ${idOf("test-euw1-use1-accepter")}`,
            `${idOf("test-use1-net-private-rt-us-east-1b")} -> 10.10.0.0/16 via ${idOf("test-euw1-use1-accepter")}`,
        ]);
        for (const r of peeringRoutes) assert.equal(r.provider, String(r.inputs.destinationCidrBlock) === "10.20.0.0/16" ? euw1 : use1, r.name);
    });

    it("creates one private hosted zone for every VPC and a record per node", () => {
        const zone = one(records, T.zone, "test-dns-zone");
        assert.equal(zone.inputs.name, "test.axon.internal");
        assert.deepEqual(zone.inputs.vpcs, [
            { vpcId: idOf("test-euw1-net-vpc"), vpcRegion: "eu-west-1" },
            { vpcId: idOf("test-use1-net-vpc"), vpcRegion: "us-east-1" },
        ]);
        const recs = ofType(records, T.record);
        assert.deepEqual(recs.map((r) => r.inputs.name).sort(), topology.nodes.map((n) => `${n.name}.test.axon.internal`).sort());
        for (const r of recs) {
            assert.equal(r.inputs.type, "CNAME");
            assert.equal(r.inputs.ttl, 60);
            assert.match(String((r.inputs.records as string[])[0]), /-nlb\.elb\..*\.amazonaws\.com$/);
            assert.match(String(r.inputs.zoneId), /^Z[0-9A-F]+$/);
        }
    });
});

describe("topology: fixed NodePorts and load balancer subnets of EKS sites (pure)", () => {
    const manyNodes = (n: number, cidr = "10.10.0.0/16", environment = "test") =>
        buildTopology({
            environment,
            sites: [
                { name: "euw1", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"], cidr },
                { name: "use1", region: "us-east-1", zones: ["us-east-1a", "us-east-1b"], cidr: "10.20.0.0/16" },
            ],
            nodes: [...Array.from({ length: n }, (_, i) => `axon-${i + 1}`), { name: "axon-dr-1", site: "use1" }],
            groups: { orders: Object.fromEntries([...Array.from({ length: n }, (_, i) => [`axon-${i + 1}`, "PRIMARY"]), ["axon-dr-1", "PASSIVE_BACKUP"]]) },
        });

    // Kubernetes: a fixed nodePort must be unique in the cluster and inside --service-node-port-range
    // (30000-32767 on EKS); fixed ports in the static band (30000-30085 for that range) do not collide with
    // the ports Kubernetes allocates to other Services
    // (kubernetes.io/docs/concepts/services-networking/service/#avoid-nodeport-collisions).
    it("gives every node of a site four distinct ports of the static band (the health relay's included), per cluster", () => {
        assert.deepEqual(NODE_PORT_RANGE.value, { min: 30000, max: 32767, staticBandEnd: 30085 });
        const t = manyNodes(maxNodesPerNlbSite("10.10.0.0/16"));
        const ports = Object.values(siteNodePorts(t, "euw1")).flatMap((p) => [p.grpc, p.internalGrpc, p.healthCheck, p.healthRelay]);
        assert.equal(ports.length, 4 * 21);
        assert.equal(new Set(ports).size, ports.length, "unique in the cluster");
        for (const p of ports) assert.ok(p >= 30000 && p <= 30085, String(p));
        assert.deepEqual(siteNodePorts(t, "use1"), { "axon-dr-1": { grpc: 30000, internalGrpc: 30001, healthCheck: 30002, healthRelay: 30063 } });
        assert.deepEqual(NODE_PORT_SLOTS.value, { count: 21, portsPerSlot: 4 });
        // The block the workers admit from the NLBs is the same as with three ports per slot.
        assert.deepEqual(nodePortBlock(), { from: 30000, to: 30083 });
        for (const p of ports) assert.ok(p >= nodePortBlock().from && p <= nodePortBlock().to, String(p));
    });

    // A node's first three ports must not move when the relay's port is added: the API server refuses to
    // change a `healthCheckNodePort` in place ("field is immutable", k8s.io/kubernetes
    // pkg/apis/core/validation/validation.go `validateServiceExternalTrafficFieldsUpdate`), so a moved port
    // would replace the node's Service and its target groups.
    it("keeps every slot's first three ports where they were with three ports per slot (30000 + 3s, +1, +2)", () => {
        for (let s = 0; s < NODE_PORT_SLOTS.value.count; s++) {
            const p = slotNodePorts(s);
            assert.deepEqual([p.grpc, p.internalGrpc, p.healthCheck], [30000 + 3 * s, 30001 + 3 * s, 30002 + 3 * s], `slot ${s}`);
            assert.equal(p.healthRelay, 30063 + s, `slot ${s}`);
        }
    });

    // Same rule: a node's ports are its slot's, whatever the other nodes (a changed healthCheckNodePort
    // would replace its Service: k8s.io/kubernetes pkg/apis/core/validation/validation.go
    // `validateServiceExternalTrafficFieldsUpdate`, "field is immutable").
    it("takes a node's NodePorts from its nodePortSlot, not from its position in the list", () => {
        const t = buildTopology({
            sites: [{ name: "euw1", region: "eu-west-1" }],
            nodes: [
                { name: "axon-1", nodePortSlot: 7 },
                { name: "axon-2", nodePortSlot: 0 },
            ],
        });
        assert.deepEqual(siteNodePorts(t, "euw1"), {
            "axon-1": { grpc: 30021, internalGrpc: 30022, healthCheck: 30023, healthRelay: 30070 },
            "axon-2": { grpc: 30000, internalGrpc: 30001, healthCheck: 30002, healthRelay: 30063 },
        });
        const without = { ...t, nodes: t.nodes.filter((n) => n.name !== "axon-1") };
        assert.deepEqual(siteNodePorts(without, "euw1"), { "axon-2": siteNodePorts(t, "euw1")["axon-2"] });
    });

    it("requires a nodePortSlot on every EKS node, unique per site and only there, suggesting a free slot; all errors at once", () => {
        const t = buildTopology({
            sites: [{ name: "euw1", region: "eu-west-1" }, { name: "gcp", cloud: "gcp", region: "europe-west4" }],
            nodes: [
                { name: "axon-1", nodePortSlot: 1 },
                { name: "axon-2", nodePortSlot: null },
                { name: "axon-3", nodePortSlot: 1 },
                { name: "axon-g", site: "gcp" },
            ],
        });
        const withGcpSlot = { ...t, nodes: t.nodes.map((n) => (n.name === "axon-g" ? { ...n, nodePortSlot: 3 } : n)) };
        const errors = nodePortSlotIssues(withGcpSlot);
        assert.deepEqual(
            errors.map((e) => e.path),
            ["nodes[1].nodePortSlot", "nodes[2].nodePortSlot", "nodes[3].nodePortSlot"],
        );
        // axon-2 is the site's second node: slot 1 would keep its old ports, but axon-1 holds it.
        assert.match(errors[0].message, /is required on node axon-2 of EKS site euw1: .*an integer from 0 to 20 .*health relay's 30063 \+ s.*30000-30085.*avoid-nodeport-collisions.*e\.g\. nodePortSlot: 0 \(free on site euw1\)/);
        assert.match(errors[1].message, /^1 is also the nodePortSlot of node axon-1 \(nodes\[0\]\) on EKS site euw1: .*0 to 20.*give node axon-3 another slot, e\.g\. nodePortSlot: 2 \(free/);
        assert.match(errors[2].message, /^3 is set on node axon-g of site gcp \(gcp\/gke\): only nodes of EKS sites/);
        // The loader applies them with the other platform limits.
        assert.deepEqual(
            platformIssues(withGcpSlot, { backupAgent: false }).errors.filter((e) => e.path.endsWith("nodePortSlot")).map((e) => e.path),
            errors.map((e) => e.path),
        );
        const full = buildTopology({ sites: [{ name: "euw1", region: "eu-west-1" }], nodes: Array.from({ length: 22 }, (_, i) => ({ name: `axon-${i}`, nodePortSlot: i === 21 ? null : i })) });
        assert.match(nodePortSlotIssues(full)[0].message, /no slot of site euw1 is free: move a node to another site/);
    });

    it("carves per-zone load balancer subnets out of the one block no other subnet uses", () => {
        assert.deepEqual(loadBalancerSubnetCidrs("10.10.0.0/16", ["a", "b", "c"]), ["10.10.252.0/25", "10.10.252.128/25", "10.10.253.0/25"]);
        assert.deepEqual(loadBalancerSubnetCidrs("10.0.0.0/19", ["a"]), ["10.0.31.128/28"]);
        assert.equal(loadBalancerSubnetCidrs("10.0.0.0/20", ["a"]), undefined);
        const layout = awsSubnetLayout("10.10.0.0/16", ["a", "b", "c", "d", "e", "f", "g"]);
        const lb = loadBalancerSubnetCidrs("10.10.0.0/16", ["a", "b", "c", "d", "e", "f", "g"])!;
        for (const l of layout) for (const c of lb) assert.ok(![l.privateCidr, l.publicCidr].includes(c));
        assert.ok(lb.every((c) => c.startsWith("10.10.25")), "inside the 8th public /22 (10.10.252.0/22)");
    });

    // ELB user guide ("Availability Zones for your Network Load Balancer"): an internal NLB whose address
    // Amazon picks needs 8 free addresses in the subnet; AWS keeps 5 per subnet; subnets are /28 or larger.
    it("rejects at load time an EKS site too small for its load balancer subnets or with too many nodes", () => {
        const issues = (t: Topology) => platformIssues(t, { backupAgent: false }).errors.filter((e) => /load balancer|NodePort/.test(e.message));
        assert.deepEqual(issues(manyNodes(3)), []);
        const small = issues(manyNodes(3, "10.10.0.0/20"));
        assert.deepEqual(small.map((e) => e.path), ["sites[0].cidr"]);
        assert.match(small[0].message, /\/29, AWS subnets are at least \/28/);
        // A /19 gives /28 load balancer subnets: 11 usable addresses, 4 NLBs.
        assert.equal(maxNodesPerNlbSite("10.10.0.0/19"), 4);
        assert.deepEqual(issues(manyNodes(4, "10.10.0.0/19")), []);
        assert.deepEqual(issues(manyNodes(5, "10.10.0.0/19")).map((e) => e.path), ["sites[0]"]);
        const many = issues(manyNodes(22));
        assert.deepEqual(many.map((e) => e.path), ["sites[0]"]);
        assert.match(many[0].message, /22 nodes on EKS site euw1, at most 21 fit: each node takes 4 fixed NodePorts of the static band 30000-30085/);
    });

    it("names NLBs and target groups within 32 characters, never starting with internal-", () => {
        const t = manyNodes(2, "10.10.0.0/16", "internal");
        const errors = platformIssues(t, { backupAgent: false }).errors.filter((e) => /load balancer name|target group name/.test(e.message));
        // Three NLBs named internal-…; target groups may start with it.
        assert.deepEqual(
            errors.map((e) => [e.path, e.message.split(" ")[1]]),
            [
                ["environment", "load"],
                ["environment", "load"],
                ["environment", "load"],
            ],
        );
        const long = { ...manyNodes(1), environment: "a-very-long-environment" };
        const node = { name: "axon-with-a-rather-long-node-name-1" };
        assert.ok(nodeLoadBalancerName(long, node).length <= 32);
        assert.notEqual(nodeTargetGroupName(long, node, 30000), nodeTargetGroupName(long, node, 30001));
        assert.ok(nodeTargetGroupName(long, node, 30000).length <= 32);
    });
});

/**
 * The nodes' NLBs are Pulumi resources, not the in-tree controller's: each platform rule of the in-tree
 * setup that hurt is asserted against the provider's inputs here (the stack-dev integration test checks the
 * Kubernetes side and that no Service asks a controller for a load balancer).
 */
describe("components/aws under mocks: per-node internal NLBs (no load balancer controller)", () => {
    const topology = twoRegionTopology();
    let records: ResourceRecord[];
    let run: MockRun<Deployed>;
    before(async () => {
        run = await twoRegionRun();
        records = run.records;
    });
    const nodes = topology.nodes.map((n) => n.name);

    it("makes one internal network load balancer per node, in the site's load balancer subnets", () => {
        const nlbs = ofType(records, T.nlb);
        assert.deepEqual(nlbs.map((r) => r.inputs.name).sort(), nodes.map((n) => `test-${n}`).sort());
        for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) one(records, T.subnet, `test-euw1-net-lb-${zone}`);
        const nlb = one(records, T.nlb, "test-euw1-nlb-axon-1");
        assert.equal(nlb.inputs.loadBalancerType, "network");
        assert.equal(nlb.inputs.internal, true);
        assert.deepEqual(nlb.inputs.subnets, ["eu-west-1a", "eu-west-1b", "eu-west-1c"].map((z) => idOf(`test-euw1-net-lb-${z}`)));
        // ELB API reference (CreateLoadBalancer, Name): at most 32 characters, no "internal-" prefix.
        for (const r of [...nlbs, ...ofType(records, T.targetGroup)]) {
            assert.ok(String(r.inputs.name).length <= 32, String(r.inputs.name));
            assert.match(String(r.inputs.name), /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
        }
    });

    // node_modules/@pulumi/aws/lb/loadBalancer.d.ts `enableCrossZoneLoadBalancing`: "For `network` ... load
    // balancers, this feature is disabled by default". The in-tree controller leaves it off.
    it("turns cross-zone load balancing on for every NLB", () => {
        for (const r of ofType(records, T.nlb)) assert.equal(r.inputs.enableCrossZoneLoadBalancing, true, r.name);
    });

    // ELB user guide, Network Load Balancer troubleshooting ("Requests from a target to its load balancer
    // time out"): with instance targets the client address is kept, so a client on the target's own
    // instance times out; disabling client IP preservation is the fix. Provider:
    // node_modules/@pulumi/aws/lb/targetGroup.d.ts `preserveClientIp` (a string, "true" | "false").
    it("disables client IP preservation on every instance target group (no hairpin timeouts)", () => {
        const tgs = ofType(records, T.targetGroup);
        // 8124, 8224 and the health relay's 8025 (both sites share a group: each asks the other's nodes).
        assert.equal(tgs.length, 3 * nodes.length);
        for (const tg of tgs) {
            assert.equal(tg.inputs.preserveClientIp, "false", tg.name);
            assert.equal(tg.inputs.targetType, "instance", tg.name);
            assert.equal(tg.inputs.protocol, "TCP", tg.name);
        }
    });

    // NLB security groups can only be given at creation (node_modules/@pulumi/aws/lb/loadBalancer.d.ts
    // `securityGroups`: "cannot be added if none are currently present"); the in-tree controller makes NLBs
    // without one and merges the sources of both ports. An NLB's inbound rule admits "client IP address
    // range" on the "listener port" (ELB user guide, "Update the security groups for your Network Load
    // Balancer", https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html).
    // Here: 8124 only from clients, 8224 only from peers, the health relay's 8025 only from the other
    // Kubernetes site sharing a group (its gate/roller Jobs), never 8024.
    it("filters sources per port in the NLBs' own security group", () => {
        const sg = one(records, T.sg, "test-euw1-nlb-sg");
        assert.equal(sg.inputs.vpcId, idOf("test-euw1-net-vpc"));
        assert.equal(sg.inputs.ingress, undefined, "no inline rules next to the rule resources");
        for (const nlb of ofType(records, T.nlb).filter((r) => r.name.startsWith("test-euw1-"))) assert.deepEqual(nlb.inputs.securityGroups, [idOf("test-euw1-nlb-sg")]);
        const rules = ofType(records, T.sgRule).filter((r) => r.inputs.securityGroupId === idOf("test-euw1-nlb-sg"));
        const byPort = (port: number) => rules.filter((r) => r.inputs.fromPort === port).map((r) => r.inputs.cidrIpv4).sort();
        const model = (port: number) => [...(sitePortRules(topology, topology.sites[0]).find((r) => r.port === port)?.cidrs ?? [])].sort();
        assert.deepEqual(byPort(8124), model(8124));
        assert.deepEqual(byPort(8224), model(8224));
        assert.deepEqual(byPort(8124), ["10.10.0.0/16", "10.60.0.0/16"]);
        assert.deepEqual(byPort(8224), ["10.10.0.0/16", "10.20.0.0/16"]);
        assert.deepEqual(byPort(8025), model(8025));
        assert.deepEqual(byPort(8025), ["10.20.0.0/16"], "the other site only: not its own range, not the clients'");
        assert.deepEqual([...new Set(rules.map((r) => r.inputs.fromPort))].sort(), [8025, 8124, 8224], "no other port, never 8024");
        const use1 = ofType(records, T.sgRule).filter((r) => r.inputs.securityGroupId === idOf("test-use1-nlb-sg") && r.inputs.fromPort === 8025);
        assert.deepEqual(use1.map((r) => r.inputs.cidrIpv4), ["10.10.0.0/16"]);
        for (const r of rules) assert.equal(r.inputs.toPort, r.inputs.fromPort);
    });

    // The in-tree controller adds one rule per port and client range (plus health checks) to the shared
    // cluster security group (60 rules by default: VPC user guide, "Amazon VPC quotas"). Here the workers
    // admit the site's NodePort block from the NLBs' group only: one rule per site, whatever the ranges.
    it("admits the NodePorts on the workers from the NLBs' security group only, in one rule", () => {
        const fromNlb = ofType(records, T.sgRule).filter((r) => r.inputs.referencedSecurityGroupId === idOf("test-euw1-nlb-sg"));
        assert.equal(fromNlb.length, 1);
        const [rule] = fromNlb;
        assert.match(String(rule.inputs.securityGroupId), /^sg-/, "the cluster security group EKS puts on managed nodes");
        // The ports of every slot (30000-30083), not of today's nodes: adding or removing a node leaves the rule alone.
        assert.deepEqual([rule.inputs.fromPort, rule.inputs.toPort, rule.inputs.cidrIpv4], [30000, 30083, undefined]);
        const egress = one(records, T.sgEgress, "test-euw1-nlb-sg-to-workers");
        assert.deepEqual([egress.inputs.securityGroupId, egress.inputs.referencedSecurityGroupId, egress.inputs.fromPort, egress.inputs.toPort], [
            idOf("test-euw1-nlb-sg"),
            rule.inputs.securityGroupId,
            30000,
            30083,
        ]);
        const clusterSgCidrRules = ofType(records, T.sgRule).filter((r) => r.inputs.securityGroupId === rule.inputs.securityGroupId && r.inputs.cidrIpv4 !== undefined);
        assert.ok(!clusterSgCidrRules.some((r) => r.inputs.fromPort === 8124 || r.inputs.fromPort === 8224), "no per-range Axon rules on the cluster group");
    });

    // A listener "checks for connection requests from clients, using the protocol and port that you
    // configure, and forwards requests to a target group" (ELB user guide, "Listeners for your Network Load
    // Balancers", https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html);
    // an instance target group sends to the port it is given on each registered instance (CreateTargetGroup
    // `Port`, https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html),
    // here the Service's NodePort, which kube-proxy opens on every worker
    // (https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport).
    it("forwards 8124, 8224 and the health relay's 8025 to the node's fixed NodePorts, health-checking kube-proxy on its healthCheckNodePort", () => {
        for (const [node, base, relay] of [
            ["axon-1", 30000, 30063],
            ["axon-2", 30003, 30064],
            ["axon-3", 30006, 30065],
        ] as const) {
            for (const [port, nodePort] of [
                [8124, base],
                [8224, base + 1],
                [8025, relay],
            ]) {
                const tg = one(records, T.targetGroup, `test-euw1-nlb-${node}-${port}`);
                assert.equal(tg.inputs.port, nodePort);
                assert.equal(tg.inputs.name, `test-${node}-${nodePort}`);
                assert.equal(tg.inputs.vpcId, idOf("test-euw1-net-vpc"));
                // kube-proxy's health server answers /healthz with 200 only where a local endpoint runs.
                assert.deepEqual(tg.inputs.healthCheck, { enabled: true, protocol: "HTTP", path: "/healthz", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2, port: String(base + 2) });
                const listener = one(records, T.listener, `test-euw1-nlb-${node}-${port}`);
                assert.deepEqual([listener.inputs.port, listener.inputs.protocol], [port, "TCP"]);
                assert.deepEqual(listener.inputs.defaultActions, [{ type: "forward", targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/test-${node}-${nodePort}/${(AWS_STATE["aws:lb/targetGroup:TargetGroup"]({}, `test-euw1-nlb-${node}-${port}`) as { arn: string }).arn.split("/").at(-1)}` }]);
                assert.match(String(listener.inputs.loadBalancerArn), new RegExp(`loadbalancer/net/test-${node}/`));
            }
        }
        assert.equal(one(records, T.targetGroup, "test-use1-nlb-axon-dr-1-8224").inputs.port, 30001, "ports are per cluster: use1 starts again");
        assert.equal(one(records, T.targetGroup, "test-use1-nlb-axon-dr-1-8025").inputs.port, 30063);
    });

    // EKS exposes a managed node group's Auto Scaling group (node_modules/@pulumi/aws/eks/nodeGroup.d.ts
    // `resources[].autoscalingGroups[].name`); attaching target groups to it (autoscaling/attachment.d.ts
    // `lbTargetGroupArn`) registers every worker the group launches. Only the node's zone can host its pod.
    it("registers the workers of the node's zone through its node group's Auto Scaling group", () => {
        for (const node of topology.nodes.filter((n) => n.site === "euw1")) {
            for (const port of [8124, 8224, 8025]) {
                const a = one(records, T.asgAttachment, `test-euw1-nlb-${node.name}-${port}`);
                const ngName = (AWS_STATE["aws:eks/nodeGroup:NodeGroup"]({}, `test-euw1-ng-${node.zone}`) as { resources: { autoscalingGroups: { name: string }[] }[] }).resources[0]
                    .autoscalingGroups[0].name;
                assert.equal(a.inputs.autoscalingGroupName, ngName);
                assert.match(String(a.inputs.lbTargetGroupArn), new RegExp(`targetgroup/test-${node.name}-\\d+/`));
            }
        }
    });

    it("hands the host each node's NLB name, its subnets' ranges and what the Service must wait for", async () => {
        const host = run.result.sites.euw1.host;
        assert.deepEqual(Object.keys(host.nodeLoadBalancers ?? {}).sort(), ["axon-1", "axon-2", "axon-3"]);
        const lb = host.nodeLoadBalancers!["axon-1"];
        assert.match(await outputValue(pulumi.output(lb.hostname)), /^test-axon-1-[0-9a-f]+\.elb\.eu-west-1\.amazonaws\.com$/);
        const lbSubnets = ["eu-west-1a", "eu-west-1b", "eu-west-1c"].map((z) => String(one(records, T.subnet, `test-euw1-net-lb-${z}`).inputs.cidrBlock));
        assert.deepEqual(lb.sourceCidrs, lbSubnets);
        assert.deepEqual(lbSubnets, ["10.10.252.0/25", "10.10.252.128/25", "10.10.253.0/25"]);
        // 1 NLB + 3 listeners (8124, 8224, 8025) + 3 attachments.
        assert.equal(lb.resources.length, 7);
    });

    // The NetworkPolicy admits the load balancer subnets: pods get VPC addresses from the private subnets
    // (VPC CNI), so those subnets must not overlap, or every pod could bypass the NLBs' security group.
    it("keeps the load balancer subnets apart from every other subnet, routed like the private ones", () => {
        const cidrs = ofType(records, T.subnet).filter((r) => r.name.startsWith("test-euw1-")).map((r) => String(r.inputs.cidrBlock));
        const range = (c: string) => {
            const [ip, p] = c.split("/");
            const n = ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
            return [n, n + 2 ** (32 - Number(p)) - 1];
        };
        for (let i = 0; i < cidrs.length; i++) {
            for (let j = i + 1; j < cidrs.length; j++) {
                const [a, b] = [range(cidrs[i]), range(cidrs[j])];
                assert.ok(a[1] < b[0] || b[1] < a[0], `${cidrs[i]} overlaps ${cidrs[j]}`);
            }
        }
        for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
            const a = one(records, T.rta, `test-euw1-net-lb-rta-${zone}`);
            assert.deepEqual([a.inputs.routeTableId, a.inputs.subnetId], [idOf(`test-euw1-net-private-rt-${zone}`), idOf(`test-euw1-net-lb-${zone}`)]);
        }
    });
});

describe("components/aws under mocks: EKS sites that share no replication group", () => {
    // Neither site's Jobs ask the other's nodes: no health relay, so no 8025 listener, target group or
    // security group rule (a port without sources stays closed, `sitePortRules`).
    it("give no NLB a health relay listener and admit 8025 nowhere", async () => {
        const t = buildTopology({
            environment: "test",
            sites: [
                { name: "euw1", region: "eu-west-1", zones: ["eu-west-1a"], cidr: "10.10.0.0/16" },
                { name: "use1", region: "us-east-1", zones: ["us-east-1a"], cidr: "10.20.0.0/16" },
            ],
            nodes: ["axon-1", { name: "axon-us", site: "use1" }],
            groups: { _admin: { "axon-1": "PRIMARY" }, audit: { "axon-us": "PRIMARY" } },
        });
        const { records } = await runUnderMocks({ stack: "aws-nopeer" }, () => deployAws(t));
        assert.deepEqual(ofType(records, T.listener).map((r) => r.inputs.port).sort(), [8124, 8124, 8224, 8224].sort());
        assert.ok(!ofType(records, T.targetGroup).some((r) => String(r.name).endsWith("-8025")));
        assert.ok(!ofType(records, T.sgRule).some((r) => r.inputs.fromPort === 8025), "no 8025 rule anywhere");
        for (const site of t.sites) assert.equal(sitePortRules(t, site).find((r) => r.port === 8025), undefined, site.name);
    });
});

describe("components/aws under mocks: same-region peering and validation", () => {
    it("peers two VPCs of one region with a single auto-accepted connection and both DNS options", async () => {
        const topology = buildTopology({
            sites: [
                { name: "a", platform: "vm", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"], cidr: "10.1.0.0/16" },
                { name: "b", platform: "vm", region: "eu-west-1", zones: ["eu-west-1c"], cidr: "10.2.0.0/16" },
            ],
            nodes: ["n1", { name: "n2", site: "b" }],
        });
        const { records } = await runUnderMocks({ stack: "same-region" }, () => {
            const providers = new AwsProviders("aws-providers");
            const p = providers.forRegion("eu-west-1");
            const [na, nb] = topology.sites.map((site) => new AwsNetwork(`${siteResourcePrefix(topology, site.name)}-net`, { topology, site, provider: p }));
            return new AwsVpcPeering("test-a-b", { a: na, b: nb });
        });
        assertUniqueUrns(records);
        const pcx = one(records, T.pcx, "test-a-b-pcx");
        assert.equal(pcx.inputs.autoAccept, true);
        assert.equal(pcx.inputs.peerRegion, undefined);
        assert.equal(ofType(records, T.accepter).length, 0);
        const opts = ofType(records, T.options);
        assert.equal(opts.length, 1);
        assert.deepEqual([opts[0].inputs.requester, opts[0].inputs.accepter], [{ allowRemoteVpcDnsResolution: true }, { allowRemoteVpcDnsResolution: true }]);
        const routes = ofType(records, T.route).filter((r) => r.inputs.vpcPeeringConnectionId === idOf("test-a-b-pcx"));
        assert.deepEqual(routes.map((r) => `${r.inputs.routeTableId} ${r.inputs.destinationCidrBlock}`).sort(), [
            `${idOf("test-a-net-private-rt-eu-west-1a")} 10.2.0.0/16`,
            `${idOf("test-a-net-private-rt-eu-west-1b")} 10.2.0.0/16`,
            `${idOf("test-b-net-private-rt-eu-west-1c")} 10.1.0.0/16`,
        ]);
        // Subnets of a non-EKS site carry no cluster tag.
        const tags = one(records, T.subnet, "test-a-net-private-eu-west-1a").inputs.tags as Record<string, string>;
        assert.ok(!Object.keys(tags).some((k) => k.startsWith("kubernetes.io/cluster/")));
    });

    it("rejects wrong inputs before creating anything", async () => {
        const topology = buildTopology({
            sites: [
                { name: "a", region: "eu-west-1", zones: ["eu-west-1a"], cidr: "10.1.0.0/16" },
                { name: "b", region: "us-east-1", zones: ["us-east-1a"], cidr: "10.1.128.0/17" },
                { name: "g", cloud: "gcp", region: "europe-west4", zones: ["europe-west4-a"], cidr: "10.3.0.0/16" },
            ],
            nodes: ["n1"],
        });
        await runUnderMocks({ stack: "errors" }, () => {
            const providers = new AwsProviders("aws-providers");
            assert.throws(() => providers.forRegion("Europe"), /invalid AWS region "Europe"/);
            const [sa, sb, sg] = topology.sites;
            const na = new AwsNetwork("test-a-net", { topology, site: sa, provider: providers.forRegion(sa.region) });
            const nb = new AwsNetwork("test-b-net", { topology, site: sb, provider: providers.forRegion(sb.region) });
            assert.throws(() => new AwsVpcPeering("test-a-b", { a: na, b: nb }), /overlap; AWS cannot peer them/);
            assert.throws(() => new AwsNetwork("test-g-net", { topology, site: sg, provider: providers.forRegion("eu-west-1") }), /is on gcp, not aws/);
            assert.throws(() => new EksSite("test-b", { topology, site: sa, network: nb, provider: providers.forRegion("eu-west-1") }), /was given the network of site b/);
            assert.throws(
                () => new AwsPrivateDns("test-dns", { zoneName: "x.internal", vpcs: [], records: [], provider: providers.forRegion("eu-west-1") }),
                /at least one VPC/,
            );
            assert.throws(
                () =>
                    new AwsPrivateDns("test-dns2", {
                        zoneName: "x.internal",
                        vpcs: [{ vpcId: na.vpc.id, region: "eu-west-1" }],
                        records: [{ name: "n1.y.internal", target: { ip: "10.0.0.1" } }],
                        provider: providers.forRegion("eu-west-1"),
                    }),
                /not inside zone x.internal/,
            );
        });
    });

    it("writes an A record for an IP target", async () => {
        const { records } = await runUnderMocks({ stack: "dns-a" }, () => {
            const p = new AwsProviders("aws-providers").forRegion("eu-west-1");
            return new AwsPrivateDns("t-dns", {
                zoneName: "t.axon.internal",
                vpcs: [{ vpcId: "vpc-1", region: "eu-west-1" }],
                records: [{ name: "n1.t.axon.internal", target: pulumi.output({ ip: "10.1.2.3" }) }],
                provider: p,
            });
        });
        const r = one(records, T.record, "t-dns-n1.t.axon.internal");
        assert.deepEqual([r.inputs.type, r.inputs.records], ["A", ["10.1.2.3"]]);
    });
});

describe("components/aws under mocks: private-only EKS access over a transit gateway", () => {
    // EKS user guide, "Cluster API server endpoint": private-only means the runner reaches the VPC over a
    // connected network; here a transit gateway (VPC user guide, "Transit gateway attachments to a VPC":
    // one attachment subnet per AZ, routes to the TGW in the subnets' route tables).
    it("attaches the VPC to the runner's TGW, routes the runner ranges there and admits them on 443", async () => {
        const base = twoRegionTopology();
        const topology: Topology = {
            ...base,
            sites: base.sites.filter((s) => s.name === "euw1"),
            nodes: base.nodes.filter((n) => n.site === "euw1"),
            replicationGroups: base.replicationGroups.map((g) => ({ ...g, members: g.members.filter((m) => m.node !== "axon-dr-1") })),
            clusterAccess: {
                runnerCidrs: [],
                privateOnly: true,
                runnerRoutes: [{ region: "eu-west-1", transitGatewayId: "tgw-0123456789abcdef0", cidrs: ["10.99.0.0/24", "192.168.50.0/24"] }],
                eksAdminPrincipals: [],
            },
        };
        const { records } = await runUnderMocks({ stack: "aws-private" }, () => deployAws(topology));
        const c = one(records, T.cluster, "test-euw1-eks");
        assert.deepEqual(c.inputs.vpcConfig && (c.inputs.vpcConfig as Record<string, unknown>).endpointPublicAccess, false);
        const att = one(records, T.tgwAttachment, "test-euw1-net-runner-tgw");
        assert.equal(att.inputs.transitGatewayId, "tgw-0123456789abcdef0");
        assert.deepEqual(att.inputs.subnetIds, ["a", "b", "c"].map((z) => idOf(`test-euw1-net-private-eu-west-1${z}`)));
        assert.ok(c.dependencies.includes(att.urn));
        const tgwRoutes = ofType(records, T.route).filter((r) => r.inputs.transitGatewayId === "tgw-0123456789abcdef0");
        assert.deepEqual(
            tgwRoutes.map((r) => `${r.inputs.routeTableId} ${r.inputs.destinationCidrBlock}`).sort(),
            ["a", "b", "c"].flatMap((z) => ["10.99.0.0/24", "192.168.50.0/24"].map((cidr) => `${idOf(`test-euw1-net-private-rt-eu-west-1${z}`)} ${cidr}`)).sort(),
        );
        const api = ofType(records, T.sgRule).filter((r) => r.inputs.fromPort === 443).map((r) => r.inputs.cidrIpv4).sort();
        assert.deepEqual(api, ["10.99.0.0/24", "192.168.50.0/24", "203.0.113.0/24"]);
    });
});

describe("DLM policy descriptions", () => {
    // terraform-provider-aws internal/service/dlm/lifecycle_policy.go: description must match
    // ^[0-9A-Za-z _-]+$ and be 1-500 characters (DLM_DESCRIPTION in components/topology/platform/limits.ts).
    it("keeps only what the provider's pattern allows, for any site names", () => {
        for (const text of ["Axon Server dev volumes (aws-euw1): daily", "x".repeat(600), "é:,()", "Axon Server prod volumes of aws-euw1 aws-use1 daily"]) {
            const d = dlmDescription(text);
            assert.equal(dlmDescriptionIssue(d), undefined, d);
            assert.match(d, DLM_DESCRIPTION.pattern.value);
        }
        assert.equal(dlmDescription("Axon Server dev volumes (aws-euw1): daily"), "Axon Server dev volumes aws-euw1 daily");
    });
});
