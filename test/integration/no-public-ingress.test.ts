/**
 * Nothing is public: for every stack file, every ingress path the program creates (security group
 * rules, GCP firewalls, NetworkPolicies, LoadBalancer Services) is scanned. No source is `0.0.0.0/0` or
 * `::/0`, port 22 is never opened, internal gRPC (8224) comes only from site ranges, HTTP (8024) only from
 * admin ranges, and every other source is a site, client or admin range.
 */
import assert from "node:assert/strict";
import { NODE_NLB_CLASS } from "../../components/kubernetes/axonServerNode";
import { cidrContains } from "../../components/topology/cidr";
import { gateSitesOfVmSite } from "../../components/topology/connectivity";
import { Topology } from "../../components/topology/model";
import { MockRun, ofType, ResourceRecord } from "../../tools/harness/mocks";
import { runStack } from "../../tools/harness/stacks";
import { readStackFile, stackConfigFromFile } from "../../tools/config/stackFile";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type J = any;

/** One way in: a source range to a port range (`all` ports for protocol -1 / no port list). */
interface Ingress {
    resource: string;
    source: string;
    fromPort: number;
    toPort: number;
}

const WORLD = ["0.0.0.0/0", "::/0"];
const ALL_PORTS = { fromPort: 0, toPort: 65535 };

/** Resource types that admit traffic; each is scanned below. Any other rule-like type fails the test. */
const SCANNED = new Set([
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroup:SecurityGroup",
    "gcp:compute/firewall:Firewall",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:core/v1:Service",
]);
// `core/v1:Service`: Kubernetes Services (load balancers), not `gcp:projects/service:Service` (APIs).
const RULE_LIKE = /securityGroupRule|IngressRule|ecurityGroup:|[Ff]irewall|NetworkPolicy|core\/v1:Service$|networkAcl|NetworkAcl/;

function ingressOf(records: ResourceRecord[]): Ingress[] {
    const out: Ingress[] = [];
    const add = (r: ResourceRecord, source: string, ports: { fromPort: number; toPort: number }) => out.push({ resource: `${r.type} ${r.name}`, source, ...ports });

    for (const r of ofType(records, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
        const i = r.inputs as J;
        const ports = i.ipProtocol === "-1" || i.fromPort === undefined ? ALL_PORTS : { fromPort: i.fromPort, toPort: i.toPort };
        for (const src of [i.cidrIpv4, i.cidrIpv6].filter((x) => x !== undefined)) add(r, src, ports);
        assert.equal(i.prefixListId, undefined, `${r.name}: only CIDR or security group sources are expected`);
        if (i.referencedSecurityGroupId !== undefined) {
            // A group of this program (the NLBs'): whatever it admits is scanned through its own rules.
            const own = ofType(records, "aws:ec2/securityGroup:SecurityGroup").some((g) => `${g.name}-id` === i.referencedSecurityGroupId);
            assert.ok(own, `${r.name}: admits a security group the program does not make`);
        }
    }
    for (const r of ofType(records, "aws:ec2/securityGroup:SecurityGroup")) {
        // Inline rules would fight the separate rule resources and escape this scan's port checks.
        assert.ok(!(r.inputs as J).ingress || (r.inputs as J).ingress.length === 0, `${r.name} has inline ingress rules`);
    }
    for (const r of ofType(records, "gcp:compute/firewall:Firewall")) {
        const i = r.inputs as J;
        if (i.direction !== "INGRESS") continue;
        assert.ok(Array.isArray(i.sourceRanges) && i.sourceRanges.length > 0, `${r.name}: a firewall without source ranges`);
        for (const allow of i.allows ?? []) {
            const portSpecs: string[] = allow.ports ?? [];
            const ranges = portSpecs.length === 0 ? [ALL_PORTS] : portSpecs.map((p) => ({ fromPort: Number(p.split("-")[0]), toPort: Number(p.split("-").at(-1)) }));
            for (const ports of ranges) for (const src of i.sourceRanges) add(r, src, ports);
        }
    }
    for (const r of ofType(records, "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
        for (const rule of (r.inputs as J).spec.ingress ?? []) {
            assert.ok(rule.from && rule.from.length > 0, `${r.name}: an ingress rule without "from" admits everyone`);
            assert.ok(rule.ports && rule.ports.length > 0, `${r.name}: an ingress rule without ports admits every port`);
            for (const peer of rule.from) {
                if (!peer.ipBlock) continue; // pod and namespace selectors stay inside the cluster
                for (const p of rule.ports) add(r, peer.ipBlock.cidr, { fromPort: p.port, toPort: p.endPort ?? p.port });
            }
        }
    }
    for (const r of ofType(records, "kubernetes:core/v1:Service")) {
        const i = r.inputs as J;
        if (i.spec.type !== "LoadBalancer" && i.spec.type !== "NodePort") continue;
        assert.equal(i.spec.type, "LoadBalancer", `${r.name}: no NodePort Services`);
        // No controller implements this class: the node's NLB is an AWS resource whose security group
        // rules are scanned above; the Service only holds its NodePorts.
        if (i.spec.loadBalancerClass === NODE_NLB_CLASS) continue;
        const annotations = i.metadata.annotations ?? {};
        const internal =
            annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] === "true" || annotations["networking.gke.io/load-balancer-type"] === "Internal";
        assert.ok(internal, `${r.name}: a load balancer that is not internal`);
        // An empty list means "from anywhere" to Kubernetes.
        assert.ok(Array.isArray(i.spec.loadBalancerSourceRanges) && i.spec.loadBalancerSourceRanges.length > 0, `${r.name}: no source ranges`);
        for (const p of i.spec.ports) for (const src of i.spec.loadBalancerSourceRanges) add(r, src, { fromPort: p.port, toPort: p.port });
    }
    return out;
}

const within = (cidr: string, allowed: readonly string[]) => allowed.some((a) => cidrContains(a, cidr));

for (const stack of ["local", "dev", "prod"]) {
    describe(`no public ingress: stack ${stack}`, () => {
        let run: MockRun<Topology>;
        let ingress: Ingress[];
        let siteCidrs: string[];
        let clientCidrs: string[];
        let adminCidrs: string[];

        before(async () => {
            const { records, topology } = await runStack(stack);
            run = { records, result: topology };
            siteCidrs = run.result.sites.map((s) => s.cidr);
            clientCidrs = run.result.clients.flatMap((c) => [...c.cidrs]);
            adminCidrs = [...run.result.adminCidrs];
            ingress = ingressOf(run.records);
        });

        it("scans every rule-like resource type", () => {
            const types = new Set(run.records.filter((r) => r.custom && RULE_LIKE.test(r.type)).map((r) => r.type));
            assert.deepEqual([...types].filter((t) => !SCANNED.has(t)), []);
            // Every kind present contributed ingress entries (the scan reads the fields the program sets).
            const scanned = new Set(ingress.map((i) => i.resource.split(" ")[0]));
            const present = [...types].filter((t) => t !== "aws:ec2/securityGroup:SecurityGroup" && t !== "kubernetes:core/v1:Service");
            const cloudLb = (r: ResourceRecord) => (r.inputs as J).spec.type === "LoadBalancer" && (r.inputs as J).spec.loadBalancerClass !== NODE_NLB_CLASS;
            if (run.records.some((r) => r.type === "kubernetes:core/v1:Service" && cloudLb(r))) present.push("kubernetes:core/v1:Service");
            assert.deepEqual([...scanned].sort(), present.sort());
        });

        it("opens nothing to 0.0.0.0/0 or ::/0", () => {
            const open = ingress.filter((i) => WORLD.includes(i.source) || i.source.endsWith("/0"));
            assert.deepEqual(open, []);
        });

        it("never opens port 22", () => {
            assert.deepEqual(ingress.filter((i) => i.fromPort <= 22 && 22 <= i.toPort), []);
        });

        it("admits internal gRPC (8224) only from site ranges", () => {
            const bad = ingress.filter((i) => i.fromPort <= 8224 && 8224 <= i.toPort && !within(i.source, siteCidrs));
            assert.deepEqual(bad, []);
            assert.ok(ingress.some((i) => i.fromPort === 8224), "8224 is open between the nodes");
        });

        it("admits HTTP (8024) only from admin ranges, and on VM sites from the Kubernetes sites whose gates ask them", () => {
            // The rolling gate and roller Jobs read a VM node's /actuator/health from the Kubernetes sites whose
            // Jobs check it and are routed to it (their private site ranges; never a public one).
            const gateSources = run.result.sites.flatMap((s) => gateSitesOfVmSite(run.result, s).map((g) => g.cidr));
            const bad = ingress.filter((i) => i.fromPort <= 8024 && 8024 <= i.toPort && !within(i.source, [...adminCidrs, ...gateSources]));
            assert.deepEqual(bad, []);
        });

        it("admits every other source only from site, client or admin ranges", () => {
            const bad = ingress.filter((i) => !within(i.source, [...siteCidrs, ...clientCidrs, ...adminCidrs]));
            assert.deepEqual(bad, []);
        });

        it("gives no instance a public address", () => {
            for (const r of ofType(run.records, "aws:ec2/instance:Instance")) assert.equal(r.inputs.associatePublicIpAddress, false, r.name);
            for (const r of ofType(run.records, "aws:ec2/subnet:Subnet")) assert.equal(r.inputs.mapPublicIpOnLaunch, false, r.name);
            for (const r of ofType(run.records, "gcp:compute/instance:Instance")) {
                for (const nic of (r.inputs as J).networkInterfaces ?? []) assert.ok(!nic.accessConfigs || nic.accessConfigs.length === 0, r.name);
            }
            // The EKS public endpoints admit the runner's address only (EKS user guide, "Cluster API server
            // endpoint": publicAccessCidrs; the default is 0.0.0.0/0 when it is left out).
            const runner = (stackConfigFromFile(readStackFile(stack)).raw.clusterAccess as { runnerCidrs?: string[] } | undefined)?.runnerCidrs ?? [];
            for (const r of ofType(run.records, "aws:eks/cluster:Cluster")) {
                const vpc = (r.inputs as J).vpcConfig;
                if (vpc.endpointPublicAccess) {
                    assert.deepEqual(vpc.publicAccessCidrs, [...runner].sort(), r.name);
                    for (const c of vpc.publicAccessCidrs) assert.ok(!c.endsWith("/0"), r.name);
                }
            }
            // GKE: the IP endpoint stays private; the DNS endpoint is IAM-checked.
            for (const r of ofType(run.records, "gcp:container/cluster:Cluster")) assert.equal((r.inputs as J).privateClusterConfig.enablePrivateEndpoint, true, r.name);
        });
    });
}
