/**
 * End-to-end test of `Pulumi.dev.yaml`: the real program (`stacks/program.ts`) under mocks with the stack
 * file's config. Two EKS sites (eu-west-1: three PRIMARY nodes; eu-central-1: a PASSIVE_BACKUP) joined by
 * VPC peering, one Route 53 private zone.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../../tools/config/stackFile";
import { Deployment } from "../../stacks/deployment";
import { assertUniqueUrns, countByType, MockRun, ofType, outputValue, ResourceRecord, providerName } from "../../tools/harness/mocks";
import { runStack } from "../../tools/harness/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type J = any;

const NODES = ["axon-1", "axon-2", "axon-3", "axon-dr-1"];
const SITE_OF: Record<string, string> = { "axon-1": "aws-euw1", "axon-2": "aws-euw1", "axon-3": "aws-euw1", "axon-dr-1": "aws-euc1" };

function one(records: ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, got ${found.length}`);
    return found[0];
}


describe("stack dev (Pulumi.dev.yaml, end to end under mocks)", () => {
    let run: MockRun<Deployment>;
    before(async () => {
        run = await runStack("dev");
    });

    it("creates exactly the expected resources per type", () => {
        assert.deepEqual(countByType(run.records), EXPECTED_COUNTS);
    });

    // terraform-provider-aws internal/service/dlm/lifecycle_policy.go validates `description` with
    // ^[0-9A-Za-z _-]+$ (max 500); DLM API reference, CreateLifecyclePolicy Description: "Pattern: [0-9A-Za-z _-]+".
    it("gives every DLM policy a description the AWS provider accepts", () => {
        const policies = ofType(run.records, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
        assert.ok(policies.length > 0);
        for (const p of policies) {
            const d = String(p.inputs.description);
            assert.match(d, /^[0-9A-Za-z _-]+$/, p.name);
            assert.ok(d.length <= 500, p.name);
        }
    });

    // AWS DLM cross-region copy: without `cmkArn` copies use the target region's aws/ebs managed key, whose
    // policy cannot be edited or shared; the stack's own key (kept on destroy) can.
    it("encrypts cross-region snapshot copies with the stack's own key in the DR region", () => {
        const euw1 = one(run.records, "aws:dlm/lifecyclePolicy:LifecyclePolicy", "dev-eu-west-1-snapshots-dlm");
        const rule = (euw1.inputs as J).policyDetails.schedules[0].crossRegionCopyRules[0];
        assert.equal(rule.target, "eu-central-1");
        const key = one(run.records, "aws:kms/key:Key", "dev-eu-west-1-snapshots-dr-key");
        assert.equal(key.inputs.region, "eu-central-1");
        assert.equal(key.retainOnDelete, true);
        assert.match(rule.cmkArn, /^arn:aws:kms:eu-central-1:\d{12}:key\//);
    });

    // S3 user guide, "Security best practices": deny requests that do not use TLS (aws:SecureTransport).
    it("refuses non-TLS requests to the backup bucket", () => {
        const [policy] = ofType(run.records, "aws:s3/bucketPolicy:BucketPolicy");
        const doc = JSON.parse(String(policy.inputs.policy));
        assert.deepEqual(doc.Statement.map((s: J) => [s.Effect, s.Principal, s.Action, s.Condition]), [["Deny", "*", "s3:*", { Bool: { "aws:SecureTransport": "false" } }]]);
        assert.equal(doc.Statement[0].Resource.length, 2);
    });

    it("registers every URN once, in stack dev", () => {
        assertUniqueUrns(run.records);
        assert.ok(run.records.every((r) => r.urn.startsWith("urn:pulumi:dev::axonserver-multiregion::")));
    });

    it("creates each EKS cluster on its region's provider", () => {
        const providers = Object.fromEntries(ofType(run.records, "pulumi:providers:aws").map((r) => [r.name, r.inputs.region]));
        assert.deepEqual(providers, { "aws-eu-west-1": "eu-west-1", "aws-eu-central-1": "eu-central-1" });
        const clusters = ofType(run.records, "aws:eks/cluster:Cluster");
        assert.deepEqual(
            clusters.map((r) => [r.inputs.name, providerName(r)]).sort().reverse(),
            [
                ["dev-aws-euw1", "aws-eu-west-1"],
                ["dev-aws-euc1", "aws-eu-central-1"],
            ],
        );
        const vpcs = ofType(run.records, "aws:ec2/vpc:Vpc");
        assert.deepEqual(
            vpcs.map((r) => [r.name, r.inputs.cidrBlock, providerName(r)]).sort().reverse(),
            [
                ["dev-aws-euw1-net-vpc", "10.10.0.0/16", "aws-eu-west-1"],
                ["dev-aws-euc1-net-vpc", "10.11.0.0/16", "aws-eu-central-1"],
            ],
        );
        // Every AWS resource has an explicit regional provider: never the shell's region.
        for (const r of run.records.filter((x) => x.custom && x.type.startsWith("aws:"))) {
            assert.match(providerName(r), /^aws-eu-(west|central)-1$/, `${r.type} ${r.name}`);
        }
    });

    it("peers eu-west-1 with eu-central-1: requester and accepter on their providers, routes on both sides", () => {
        const pcx = one(run.records, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "dev-aws-euw1-aws-euc1-pcx");
        assert.equal(providerName(pcx), "aws-eu-west-1");
        assert.equal(pcx.inputs.vpcId, "dev-aws-euw1-net-vpc-id");
        assert.equal(pcx.inputs.peerVpcId, "dev-aws-euc1-net-vpc-id");
        assert.equal(pcx.inputs.peerRegion, "eu-central-1");
        assert.equal(pcx.inputs.autoAccept, false);
        const accepter = one(run.records, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "dev-aws-euw1-aws-euc1-accepter");
        assert.equal(providerName(accepter), "aws-eu-central-1");
        assert.equal(accepter.inputs.vpcPeeringConnectionId, "dev-aws-euw1-aws-euc1-pcx-id");

        const peeringRoutes = ofType(run.records, "aws:ec2/route:Route").filter((r) => r.inputs.vpcPeeringConnectionId !== undefined);
        const routes = peeringRoutes.map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock, providerName(r), r.inputs.vpcPeeringConnectionId]);
        assert.deepEqual(routes.sort(), [
            ...["a", "b"].map((z) => [`dev-aws-euc1-net-private-rt-eu-central-1${z}-id`, "10.10.0.0/16", "aws-eu-central-1", "dev-aws-euw1-aws-euc1-accepter-id"]),
            ...["a", "b", "c"].map((z) => [`dev-aws-euw1-net-private-rt-eu-west-1${z}-id`, "10.11.0.0/16", "aws-eu-west-1", "dev-aws-euw1-aws-euc1-accepter-id"]),
        ]);
        assert.equal(Object.keys(run.result.connectivity.peerings).length, 1);
    });

    it("creates no VPN and no GCP resource", () => {
        const offending = run.records.filter((r) => /^gcp:|^pulumi:providers:gcp$|vpn|Vpn|customerGateway/.test(r.type));
        assert.deepEqual(offending.map((r) => r.type), []);
        assert.equal(run.result.connectivity.vpns, undefined);
        assert.equal(run.result.sites.gcp, undefined);
    });

    it("serves dev.axon.internal from a Route 53 private zone on both VPCs, one record per node", () => {
        const zone = one(run.records, "aws:route53/zone:Zone", "dev-aws-dns-zone");
        assert.equal(zone.inputs.name, "dev.axon.internal");
        assert.equal(providerName(zone), "aws-eu-west-1");
        assert.deepEqual(zone.inputs.vpcs, [
            { vpcId: "dev-aws-euw1-net-vpc-id", vpcRegion: "eu-west-1" },
            { vpcId: "dev-aws-euc1-net-vpc-id", vpcRegion: "eu-central-1" },
        ]);
        const records = ofType(run.records, "aws:route53/record:Record").sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name)));
        // Every node is on EKS: a CNAME to its own internal NLB (the mock's DNS name of the NLB).
        assert.deepEqual(
            records.map((r) => [r.inputs.name, r.inputs.type]),
            NODES.map((n) => [`${n}.dev.axon.internal`, "CNAME"]),
        );
        for (const [i, r] of records.entries()) assert.match(String((r.inputs.records as string[])[0]), new RegExp(`^dev-${NODES[i]}-[0-9a-f]+\\.elb\\.`));
        for (const r of records) {
            assert.match(String(r.inputs.zoneId), /^Z[0-9A-F]+$/);
            assert.ok(r.dependencies.includes(zone.urn), `${r.name} is in the zone`);
            assert.equal(providerName(r), "aws-eu-west-1");
        }
    });

    // The nodes' load balancers, one assertion per platform rule the in-tree controller broke. They read
    // only the recorded resources, so they run unchanged against older versions of the program.
    describe("per-node internal NLBs", () => {
        const nlbOf = (node: string) => one(run.records, "aws:lb/loadBalancer:LoadBalancer", `dev-${SITE_OF[node]}-nlb-${node}`);
        const tgsOf = (node: string) => ofType(run.records, "aws:lb/targetGroup:TargetGroup").filter((r) => r.name.startsWith(`dev-${SITE_OF[node]}-nlb-${node}-`));
        const serviceOf = (node: string) => one(run.records, "kubernetes:core/v1:Service", `dev-${node}-internal-lb`).inputs as J;

        // EKS user guide ("Route internet traffic with AWS Load Balancer Controller"): the in-tree controller
        // "is only receiving critical bug fixes". No Service may ask it (or any controller) for a load balancer.
        it("asks no Kubernetes controller for a load balancer: no in-tree annotation, a class nobody implements", () => {
            const services = ofType(run.records, "kubernetes:core/v1:Service");
            for (const r of services) {
                const annotations = Object.keys(((r.inputs as J).metadata.annotations ?? {}) as Record<string, string>);
                assert.deepEqual(annotations.filter((a) => a.startsWith("service.beta.kubernetes.io/aws-load-balancer")), [], r.name);
            }
            const lbs = services.filter((r) => (r.inputs as J).spec.type === "LoadBalancer");
            assert.deepEqual(lbs.map((r) => r.name).sort(), NODES.map((n) => `dev-${n}-internal-lb`).sort());
            for (const r of lbs) {
                const svc = r.inputs as J;
                // kubernetes.io/docs/concepts/services-networking/service/#load-balancer-class: default
                // implementations ignore a Service with a class; a prefixed one is not reserved for end users.
                assert.equal(svc.spec.loadBalancerClass, "axonserver-multiregion/pulumi-nlb", r.name);
                assert.equal(svc.spec.loadBalancerSourceRanges, undefined, `${r.name}: sources are the NLB security group's`);
                // No controller writes its status: pulumi-kubernetes must not wait for an address.
                assert.equal(svc.metadata.annotations["pulumi.com/skipAwait"], "true", r.name);
            }
        });

        // ServiceSpec.healthCheckNodePort: "only applies when type is set to LoadBalancer and
        // externalTrafficPolicy is set to Local"; fixed nodePorts must be unique in the cluster and inside
        // --service-node-port-range (30000-32767), here in its static band 30000-30085
        // (kubernetes.io/docs/concepts/services-networking/service/#avoid-nodeport-collisions).
        it("gives each node's Service fixed NodePorts, unique in its cluster, that its target groups forward to", () => {
            const bySite: Record<string, number[]> = {};
            for (const node of NODES) {
                const svc = serviceOf(node);
                assert.equal(svc.spec.externalTrafficPolicy, "Local");
                const ports = Object.fromEntries((svc.spec.ports as J[]).map((p) => [p.port, p.nodePort]));
                const all = [ports[8124], ports[8224], svc.spec.healthCheckNodePort];
                for (const p of all) assert.ok(Number.isInteger(p) && p >= 30000 && p <= 30085, `${node}: ${p}`);
                (bySite[SITE_OF[node]] ??= []).push(...all);
                const tgs: Record<string, J> = Object.fromEntries(tgsOf(node).map((r) => [r.name.split("-").at(-1), r.inputs as J]));
                assert.equal(tgs["8124"].port, ports[8124]);
                assert.equal(tgs["8224"].port, ports[8224]);
                for (const tg of Object.values(tgs)) {
                    // Only the worker running the pod answers kube-proxy's health check with 200.
                    assert.deepEqual([tg.healthCheck.protocol, tg.healthCheck.path, tg.healthCheck.port], ["HTTP", "/healthz", String(svc.spec.healthCheckNodePort)]);
                }
            }
            for (const [site, ports] of Object.entries(bySite)) assert.equal(new Set(ports).size, ports.length, `NodePorts unique in ${site}`);
        });

        // ELB user guide, Network Load Balancer troubleshooting ("Requests from a target to its load balancer
        // time out"): instance targets keep the client's address, so a client on the node's own worker times
        // out; disabling client IP preservation fixes it (node_modules/@pulumi/aws/lb/targetGroup.d.ts
        // `preserveClientIp`).
        it("disables client IP preservation on every target group (no hairpin timeout)", () => {
            for (const node of NODES) {
                // 8124, 8224 and the health relay's 8025 (the two sites' Jobs ask each other's nodes).
                assert.equal(tgsOf(node).length, 3, node);
                for (const tg of tgsOf(node)) assert.deepEqual([(tg.inputs as J).targetType, (tg.inputs as J).preserveClientIp], ["instance", "false"], tg.name);
            }
        });

        // node_modules/@pulumi/aws/lb/loadBalancer.d.ts `enableCrossZoneLoadBalancing`: disabled by default for
        // network load balancers (and by the in-tree controller).
        it("turns cross-zone load balancing on", () => {
            for (const node of NODES) {
                const nlb = nlbOf(node).inputs as J;
                assert.deepEqual([nlb.loadBalancerType, nlb.internal, nlb.enableCrossZoneLoadBalancing], ["network", true, true], node);
            }
        });

        // The in-tree controller makes NLBs without security groups (they cannot be added later:
        // lb/loadBalancer.d.ts `securityGroups`), merges both ports' sources in one list, and writes a rule per
        // port and range into the shared cluster security group (60 rules by default, VPC user guide "Amazon
        // VPC quotas"). Here: 8124 from client ranges, 8224 from peer ranges, on the NLBs' own group; the health
        // relay's 8025 only from the other site, whose gate and roller Jobs ask these nodes (an NLB's inbound
        // rule admits a "client IP address range" on the "listener port": ELB user guide, "Update the security
        // groups for your Network Load Balancer").
        it("filters 8124 to client ranges, 8224 to peer ranges and 8025 to the other site in the NLBs' own security group", () => {
            const rules = ofType(run.records, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            for (const node of NODES) {
                const groups = (nlbOf(node).inputs as J).securityGroups as string[];
                assert.equal(groups?.length, 1, `${node}: the NLB has a security group`);
                const own = rules.filter((r) => r.inputs.securityGroupId === groups[0]);
                const from = (port: number) => own.filter((r) => r.inputs.fromPort === port).map((r) => r.inputs.cidrIpv4).sort();
                assert.deepEqual(from(8224), ["10.10.0.0/16", "10.11.0.0/16"], `${node}: peers`);
                assert.deepEqual(from(8124), SITE_OF[node] === "aws-euw1" ? ["10.10.0.0/16"] : [], `${node}: clients (eu-west-1 only)`);
                assert.deepEqual(from(8025), SITE_OF[node] === "aws-euw1" ? ["10.11.0.0/16"] : ["10.10.0.0/16"], `${node}: the other site's Jobs`);
                assert.deepEqual([...new Set(own.map((r) => r.inputs.fromPort))].sort(), SITE_OF[node] === "aws-euw1" ? [8025, 8124, 8224] : [8025, 8224]);
            }
            // The cluster security group admits no Axon port by range: only the NodePort block, from the NLBs.
            for (const site of ["aws-euw1", "aws-euc1"]) {
                const clusterSg = rules.filter((r) => r.name.startsWith(`dev-${site}-cluster-sg-`));
                assert.deepEqual(clusterSg.map((r) => r.inputs.fromPort).sort(), [443, 8024], site);
            }
        });

        // The NLB does not keep the client's address: the pod sees the NLB's, from the subnets the NLB is in.
        it("admits the NLB's subnets on 8124, 8224 and 8025 in a NetworkPolicy of the node's pod", () => {
            const subnets = Object.fromEntries(ofType(run.records, "aws:ec2/subnet:Subnet").map((r) => [`${r.name}-id`, String(r.inputs.cidrBlock)]));
            for (const node of NODES) {
                const nlbSubnets = ((nlbOf(node).inputs as J).subnets as string[]).map((id) => subnets[id]).sort();
                const policies = ofType(run.records, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((r) => {
                    const sel = (r.inputs as J).spec.podSelector.matchLabels;
                    return sel["axonserver-multiregion/node"] === node;
                });
                assert.equal(policies.length, 1, node);
                const [rule] = (policies[0].inputs as J).spec.ingress;
                assert.deepEqual(rule.ports.map((p: J) => p.port), [8124, 8224, 8025]);
                assert.deepEqual(rule.from.map((f: J) => f.ipBlock.cidr).sort(), nlbSubnets);
                // The pods' own subnets (private) are not among them.
                const privates = ofType(run.records, "aws:ec2/subnet:Subnet").filter((r) => r.name.includes("-private-")).map((r) => r.inputs.cidrBlock);
                for (const c of nlbSubnets) assert.ok(!privates.includes(c), c);
            }
        });

        // A node's NodePorts must not depend on the other nodes: a changed healthCheckNodePort replaces the
        // Service (the API server forbids changing it while type is LoadBalancer with externalTrafficPolicy
        // Local: k8s.io/kubernetes pkg/apis/core/validation/validation.go
        // `validateServiceExternalTrafficFieldsUpdate`), and the replacement cannot take a port the removed
        // node's Service still holds ("provided port is already allocated"); meanwhile the node's NLB would
        // forward to another node's ports.
        describe("a node's NodePorts and target groups do not depend on the other nodes", () => {
            type Ports = { service: J; targetGroups: J[] };
            const portsOf = (records: ResourceRecord[], node: string): Ports => {
                const svc = one(records, "kubernetes:core/v1:Service", `dev-${node}-internal-lb`).inputs as J;
                return {
                    service: { nodePorts: (svc.spec.ports as J[]).map((p) => [p.port, p.nodePort]), healthCheckNodePort: svc.spec.healthCheckNodePort },
                    targetGroups: ofType(records, "aws:lb/targetGroup:TargetGroup")
                        .filter((r) => r.name.startsWith(`dev-${SITE_OF[node]}-nlb-${node}-`))
                        .map((r) => [r.name, (r.inputs as J).name, (r.inputs as J).port, (r.inputs as J).healthCheck.port])
                        .sort(),
                };
            };
            const devConfig = () => structuredClone(readStackFile("dev").config) as Record<string, J>;

            it("removing the first node of an EKS site changes nothing of the site's other nodes", async () => {
                const { nodes, replicationGroups: groups } = devConfig();
                const without = (nodes as J[]).filter((n) => n.name !== "axon-1");
                for (const g of groups as J[]) delete g.members["axon-1"];
                const removed = await runStack("dev", { config: { nodes: without, replicationGroups: groups } });
                assert.equal(ofType(removed.records, "kubernetes:core/v1:Service").filter((r) => r.name === "dev-axon-1-internal-lb").length, 0);
                for (const node of ["axon-2", "axon-3", "axon-dr-1"]) assert.deepEqual(portsOf(removed.records, node), portsOf(run.records, node), node);
            });

            it("reordering the nodes changes no node's NodePorts or target groups", async () => {
                const { nodes } = devConfig();
                const reordered = await runStack("dev", { config: { nodes: [...(nodes as J[])].reverse() } });
                for (const node of NODES) assert.deepEqual(portsOf(reordered.records, node), portsOf(run.records, node), node);
            });
        });

        it("points the node's DNS name at its NLB, known when the NLB is created (no Service status)", () => {
            for (const node of NODES) {
                const record = one(run.records, "aws:route53/record:Record", `dev-aws-dns-${node}.dev.axon.internal`);
                const nlb = nlbOf(node);
                assert.equal(record.inputs.type, "CNAME");
                assert.match(String((record.inputs.records as string[])[0]), new RegExp(`^${(nlb.inputs as J).name}-[0-9a-f]+\\.elb\\.`));
                assert.ok(record.dependencies.includes(nlb.urn), `${node}: the record waits for the NLB`);
                const svc = one(run.records, "kubernetes:core/v1:Service", `dev-${node}-internal-lb`);
                assert.ok(!record.dependencies.includes(svc.urn), `${node}: not for the Service`);
            }
        });
    });

    it("puts every node's StatefulSet on its site's provider, after its site's ready resources", () => {
        const urnOf = (type: string, name: string) => one(run.records, type, name).urn;
        for (const node of NODES) {
            const site = SITE_OF[node];
            const sts = one(run.records, "kubernetes:apps/v1:StatefulSet", `dev-${node}-sts`);
            assert.equal(providerName(sts), `dev-${site}-k8s`, node);
            const ready = [
                urnOf("aws:eks/addon:Addon", `dev-${site}-ebs-csi`),
                ...["fast", "standard", "cold"].map((t) => urnOf("kubernetes:storage.k8s.io/v1:StorageClass", `dev-${site}-sc-${t}`)),
                ...ofType(run.records, "aws:eks/nodeGroup:NodeGroup").filter((r) => r.name.startsWith(`dev-${site}-ng-`)).map((r) => r.urn),
            ];
            for (const urn of ready) assert.ok(sts.dependencies.includes(urn), `${node} waits for ${urn}`);
        }
        // Every Kubernetes object of a site is on that site's provider.
        for (const r of run.records.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
            assert.match(providerName(r), /^dev-aws-eu(w|c)1-k8s$/, `${r.type} ${r.name}`);
        }
    });

    it("creates in creation order (first, the primaries, then the PASSIVE_BACKUP), a gate Job between every two nodes", () => {
        assert.deepEqual(run.result.creationOrder, ["axon-1", "axon-2", "axon-3", "axon-dr-1"]);
        // Restarts (roller Jobs; StatefulSets OnDelete) go least critical first, the template's first last.
        assert.deepEqual(run.result.updateOrder, ["axon-dr-1", "axon-2", "axon-3", "axon-1"]);
        assert.deepEqual(run.result.rollingOrder, run.result.updateOrder);
        const order = run.result.creationOrder;
        for (let i = 1; i < order.length; i++) {
            const sts = one(run.records, "kubernetes:apps/v1:StatefulSet", `dev-${order[i]}-sts`);
            const previous = one(run.records, "kubernetes:apps/v1:StatefulSet", `dev-${order[i - 1]}-sts`);
            const gate = one(run.records, "kubernetes:batch/v1:Job", `dev-gate-${order[i]}`);
            assert.ok(gate.dependencies.includes(previous.urn), `the gate before ${order[i]} waits for ${order[i - 1]}`);
            assert.ok(sts.dependencies.includes(gate.urn), `${order[i]} waits for its gate`);
        }
        const first = one(run.records, "kubernetes:apps/v1:StatefulSet", "dev-axon-1-sts");
        assert.ok(!first.dependencies.some((u) => u.includes("StatefulSet") || u.includes("batch/v1:Job")), "the first node waits for no other node");
    });

    it("exports the client config of eu-west-1: the three PRIMARY servers, TLS on", async () => {
        const cfg = await outputValue(run.result.clientConfig);
        assert.deepEqual(Object.keys(cfg), ["eu-west-1"]);
        const ctx = cfg["eu-west-1"].contexts.default;
        assert.deepEqual(ctx.servers, ["axon-1.dev.axon.internal:8124", "axon-2.dev.axon.internal:8124", "axon-3.dev.axon.internal:8124"]);
        assert.deepEqual(ctx.tls, { enabled: true, certFile: "/etc/axonserver/ca.crt" });
        assert.equal(ctx.map["axon.axonserver.ssl-enabled"], "true");
        assert.equal(await pulumi.isSecret(run.result.clientConfig), false);
        assert.match((await outputValue(run.result.clientCaCertificate)) ?? "", /BEGIN CERTIFICATE/);
    });

    it("exports every node's endpoints per site, with its load balancer", async () => {
        const endpoints = await outputValue(run.result.nodeEndpoints);
        assert.deepEqual(Object.keys(endpoints), ["aws-euw1", "aws-euc1"]);
        assert.deepEqual(endpoints["aws-euc1"]["axon-dr-1"], {
            site: "aws-euc1",
            fqdn: "axon-dr-1.dev.axon.internal",
            grpc: "axon-dr-1.dev.axon.internal:8124",
            http: "axon-dr-1-http.axonserver.svc.cluster.local:8024",
            internalGrpc: "axon-dr-1.dev.axon.internal:8224",
            loadBalancer: { hostname: endpoints["aws-euc1"]["axon-dr-1"].loadBalancer!.hostname },
        });
        assert.match(endpoints["aws-euc1"]["axon-dr-1"].loadBalancer!.hostname!, /^dev-axon-dr-1-[0-9a-f]+\.elb\./);
    });
});

describe("stack dev plus an existing cluster (connectivity the program cannot build)", () => {
    let run: MockRun<Deployment>;
    let warnings: string[];
    before(async () => {
        // A deep copy: the file's values must stay as read for the other runs.
        const { sites, nodes, replicationGroups: groups } = structuredClone(readStackFile("dev").config) as Record<string, J>;
        sites.push({ name: "onprem", cloud: "none", platform: "kubernetes", region: "onprem", cidr: "10.20.0.0/16" });
        nodes.push({ name: "axon-op-1", site: "onprem" });
        groups[1].members["axon-op-1"] = "PASSIVE_BACKUP";
        const stack = await runStack("dev", { config: { sites, nodes, replicationGroups: groups } });
        run = stack;
        warnings = [...stack.warnings];
    });

    it("warns for each pair with the existing cluster, naming both sites and the routing to provide", () => {
        const pairs = warnings.filter((w) => w.includes("cannot connect an existing cluster"));
        assert.equal(pairs.length, 2, warnings.join("\n"));
        assert.match(pairs[0], /sites aws-euw1 \(aws\/eks, 10\.10\.0\.0\/16\) and onprem \(existing cluster, 10\.20\.0\.0\/16\)/);
        assert.match(pairs[0], /provide routing between 10\.10\.0\.0\/16 and 10\.20\.0\.0\/16/);
        assert.match(pairs[0], /resolve the private zone dev\.axon\.internal/);
        assert.match(pairs[1], /sites aws-euc1 .* and onprem /);
        assert.deepEqual(run.result.connectivity.manual.map((p) => `${p.a.name}|${p.b.name}`), ["aws-euw1|onprem", "aws-euc1|onprem"]);
    });

    it("still peers the two AWS sites only, and leaves the existing cluster's node out of DNS with a warning", () => {
        assert.equal(ofType(run.records, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").length, 1);
        const names = ofType(run.records, "aws:route53/record:Record").map((r) => r.inputs.name).sort();
        assert.deepEqual(names, NODES.map((n) => `${n}.dev.axon.internal`).sort());
        assert.deepEqual(run.result.privateDns.unresolved, ["axon-op-1"]);
        assert.ok(warnings.some((w) => /node axon-op-1 .* no DNS record for axon-op-1\.dev\.axon\.internal/.test(w)), warnings.join("\n"));
        const sts = one(run.records, "kubernetes:apps/v1:StatefulSet", "dev-axon-op-1-sts");
        assert.equal(providerName(sts), "dev-onprem-k8s");
    });
});

/**
 * Two EKS sites: aws-euw1 (3 zones, one NAT) and aws-euc1 (2 zones, EKS needs two; one NAT); four nodes with TLS;
 * one peering; one private zone. The README cites these as the cost drivers of dev.
 */
const EXPECTED_COUNTS: Record<string, number> = {
    // --- networks: VPC, private + public subnet per zone, IGW, one NAT (+EIP), route tables ---
    "axonserver:aws:AwsProviders": 1,
    "pulumi:providers:aws": 2,
    "axonserver:aws:AwsNetwork": 2,
    "aws:ec2/vpc:Vpc": 2,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 2, // S3 gateway endpoint per VPC
    "aws:ec2/subnet:Subnet": 3 * (3 + 2), // private, public and load balancer subnet per zone
    "aws:ec2/internetGateway:InternetGateway": 2,
    "aws:ec2/eip:Eip": 2,
    "aws:ec2/natGateway:NatGateway": 2,
    "aws:ec2/routeTable:RouteTable": (1 + 3) + (1 + 2),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 3 * (3 + 2),
    // public + private default routes (4 + 3), peering routes in every private route table (3 + 2)
    "aws:ec2/route:Route": 7 + 5,
    // --- peering euw1 <-> euc1 (cross-region: requester, accepter, options per side) ---
    "axonserver:aws:AwsVpcPeering": 1,
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": 1,
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": 1,
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": 2,
    // --- EKS per site: cluster, node group per zone, KMS key, 3 roles, OIDC, EBS CSI add-on ---
    "axonserver:aws:EksSite": 2,
    "aws:eks/cluster:Cluster": 2,
    "aws:eks/nodeGroup:NodeGroup": 3 + 2,
    "aws:eks/addon:Addon": 2 * 4, // ebs-csi, vpc-cni, coredns, kube-proxy
    "aws:kms/key:Key": 2 + 1 + 1, // + the backup bucket's key, + eu-west-1's snapshot copies in eu-central-1
    "aws:kms/alias:Alias": 2,
    // + the agents' IRSA role per site (every node runs an agent) and a DLM role per region
    "aws:iam/role:Role": 2 * 3 + 2 + 2,
    // EBS CSI KMS per site; + the agents' bucket policy and DLM's KMS grants per region
    "aws:iam/rolePolicy:RolePolicy": 2 + 2 + 2,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2 * 5 + 2, // + the DLM managed policy per region
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 2,
    "axonserver:aws:AwsIngressRules": 2 + 2, // the cluster's and the NLBs' security group per site
    // cluster security group: 8024 and 443 from admins, the NodePort block from the NLBs' group (per site);
    // NLBs' group: euw1 8224 x2 peers, 8124 clients, 8025 from euc1; euc1 8224 x2, 8025 from euw1
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2 * 3 + 4 + 3,
    // --- an internal NLB per node: a listener, target group and node group attachment per Axon port ---
    "axonserver:aws:NodeLoadBalancers": 2,
    "aws:ec2/securityGroup:SecurityGroup": 2,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
    "aws:lb/loadBalancer:LoadBalancer": 4,
    "aws:lb/listener:Listener": 4 * 3, // 8124, 8224 and the health relay's 8025
    "aws:lb/targetGroup:TargetGroup": 4 * 3,
    "aws:autoscaling/attachment:Attachment": 4 * 3,
    "pulumi:providers:kubernetes": 2,
    "kubernetes:storage.k8s.io/v1:StorageClass": 2 * 3,
    // --- private DNS: one zone, a CNAME per node ---
    "axonserver:aws:AwsPrivateDns": 1,
    "aws:route53/zone:Zone": 1,
    "aws:route53/record:Record": 4,
    // --- Axon Server: 4 nodes, TLS ---
    "axonserver:index:AxonServerCluster": 1,
    "axonserver:index:AxonServerNode": 4,
    "axonserver:index:AxonServerTls": 1,
    "kubernetes:apps/v1:StatefulSet": 4,
    // headless, gRPC, HTTP and the internal NLB per node
    "kubernetes:core/v1:Service": 4 * 4,
    "kubernetes:core/v1:ConfigMap": 4 + 1 + 4 + 2 + 4, // + the client config in eu-west-1, each node's backup agent script, the gate and roller scripts per site, each node's health relay script
    "kubernetes:batch/v1:Job": 3 + 2, // rolling gates axon-1 → axon-2 → axon-3 → axon-dr-1; a roller per site
    "kubernetes:core/v1:Secret": 4 + 2, // TLS per node, tokens per site
    "kubernetes:core/v1:Namespace": 2,
    "kubernetes:core/v1:ServiceAccount": 2 + 2, // per site the Axon pods'; per roller (one per site here) its own
    "kubernetes:rbac.authorization.k8s.io/v1:Role": 2, // per roller: its own segment's pods and StatefulSets
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 2,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 2, // per roller: list the workers (a Ready one must take the new pod)
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 2,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2 + 4, // per site, and per node for what its NLB forwards
    "kubernetes:policy/v1:PodDisruptionBudget": 2,
    "random:index/randomPassword:RandomPassword": 2,
    "tls:index/privateKey:PrivateKey": 1 + 4,
    "tls:index/selfSignedCert:SelfSignedCert": 1,
    "tls:index/certRequest:CertRequest": 4,
    "tls:index/locallySignedCert:LocallySignedCert": 4,
    // --- backups: S3 bucket in eu-central-1, every node's agent (an IRSA role per site), a DLM policy per region ---
    "axonserver:backup:BackupBucket": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1, // TLS only
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "axonserver:backup:AwsBackupIrsaRole": 2,
    "axonserver:backup:AwsSnapshotPolicy": 2,
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": 2,
};
