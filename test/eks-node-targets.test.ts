/**
 * The per-node NLB targets of an EKS site follow the managed node groups' Auto Scaling groups through every
 * change the program can make to a node group (README "Load balancers", "Known limitations").
 */
import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { AwsNetwork } from "../components/aws/awsNetwork";
import { EksSite } from "../components/aws/eksSite";
import { managedNodeGroupAsgName, NodeLoadBalancers } from "../components/aws/nodeLoadBalancer";
import { AwsProviders } from "../components/aws/providers";
import { siteResourcePrefix } from "../components/topology/naming";
import { ofType, ResourceRecord, runUnderMocks } from "../tools/harness/mocks";
import { STATE as AWS_STATE } from "../tools/harness/state/aws";
import { buildTopology } from "./fixtures/topologies";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const ATTACHMENT = "aws:autoscaling/attachment:Attachment";

describe("EKS per-node NLB targets: the node group's Auto Scaling group (pure)", () => {
    // EKS API reference, `Nodegroup.resources.autoScalingGroups`: a list; EKS user guide, "Understand each
    // phase of node updates": an update works on "the Auto Scaling Group that's associated with your node
    // group". One group is what the attachments can follow; anything else must stop the update.
    it("takes the node group's one Auto Scaling group", () => {
        assert.equal(managedNodeGroupAsgName("ng-a", [{ autoscalingGroups: [{ name: "eks-ng-a-1234" }] }]), "eks-ng-a-1234");
    });

    it("fails with the node group's name when EKS reports none", () => {
        assert.throws(() => managedNodeGroupAsgName("ng-a", undefined), /EKS node group ng-a reports 0 Auto Scaling groups \(none\)/);
        assert.throws(() => managedNodeGroupAsgName("ng-a", [{ autoscalingGroups: [] }]), /reports 0 Auto Scaling groups/);
        assert.throws(() => managedNodeGroupAsgName("ng-a", [{ autoscalingGroups: [{ name: "" }] }]), /ng-a reports 1 Auto Scaling groups/);
    });

    it("fails instead of attaching to the first of several groups (the others' workers would never be targets)", () => {
        assert.throws(
            () => managedNodeGroupAsgName("ng-a", [{ autoscalingGroups: [{ name: "eks-ng-a-1" }, { name: "eks-ng-a-2" }] }]),
            /EKS node group ng-a reports 2 Auto Scaling groups \(eks-ng-a-1, eks-ng-a-2\)/,
        );
        assert.throws(() => managedNodeGroupAsgName("ng-a", [{ autoscalingGroups: [{ name: "eks-ng-a-1" }] }, { autoscalingGroups: [{ name: "eks-ng-a-2" }] }]), /reports 2/);
    });
});

describe("EKS per-node NLB targets under mocks: a replaced node group is attached before the old one goes", () => {
    const topology = buildTopology({
        environment: "tg",
        sites: [{ name: "euw1", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"], cidr: "10.10.0.0/16" }],
        nodes: ["axon-1", "axon-2", "axon-3"],
    });
    let records: ResourceRecord[];
    before(async () => {
        const run = await runUnderMocks({ stack: "tg" }, () => {
            const providers = new AwsProviders("aws-providers");
            const site = topology.sites[0];
            const prefix = siteResourcePrefix(topology, site.name);
            const network = new AwsNetwork(`${prefix}-net`, { topology, site, provider: providers.forRegion(site.region) });
            return new EksSite(prefix, { topology, site, network, provider: providers.forRegion(site.region) });
        });
        records = run.records;
    });

    // A change of instance type, subnets or node role needs a new node group (ForceNew in
    // terraform-provider-aws internal/service/eks/node_group.go), and so a new Auto Scaling group. With a
    // name the provider makes unique ("If omitted, the provider will assign a random, unique name",
    // node_modules/@pulumi/aws/eks/nodeGroup.d.ts `nodeGroupName`) and no delete-before-replace, Pulumi
    // creates the new group before it deletes the old one.
    it("lets Pulumi create a replacement node group before it deletes the old one", () => {
        const groups = ofType(records, NODE_GROUP);
        assert.equal(groups.length, 2);
        for (const ng of groups) {
            assert.equal(ng.inputs.nodeGroupName, undefined, ng.name);
            assert.equal(ng.inputs.nodeGroupNamePrefix, undefined, ng.name);
            assert.equal(ng.deleteBeforeReplace, false, ng.name);
        }
    });

    // `autoscaling_group_name` is ForceNew (terraform-provider-aws internal/service/autoscaling/attachment.go):
    // the new Auto Scaling group's name replaces each attachment in the same update, create before delete
    // (attach to the new group, then DetachLoadBalancerTargetGroups from the old one), and dependents are
    // deleted before what they depend on, so the old attachment goes before the old node group.
    it("attaches each node's target groups to its zone's node group's Auto Scaling group (an output of that group), create before delete", () => {
        const attachments = ofType(records, ATTACHMENT);
        assert.equal(attachments.length, 3 * 2, "one per node and Axon port");
        const groupUrns = new Map(ofType(records, NODE_GROUP).map((r) => [r.name, r.urn]));
        for (const a of attachments) {
            const zone = topology.nodes.find((n) => a.name.includes(`-${n.name}-`))!.zone!;
            const ngName = `tg-euw1-ng-${zone}`;
            assert.ok(a.dependencies.includes(groupUrns.get(ngName)!), `${a.name} depends on ${ngName}`);
            const asg = (AWS_STATE[NODE_GROUP]({}, ngName) as { resources: { autoscalingGroups: { name: string }[] }[] }).resources[0].autoscalingGroups[0].name;
            assert.equal(a.inputs.autoscalingGroupName, asg, a.name);
            assert.equal(a.deleteBeforeReplace, false, a.name);
        }
    });
});

describe("EKS per-node NLB targets under mocks: a new node group's Auto Scaling group replaces every attachment", () => {
    // The same site rendered twice; between the runs each zone's node group is a new one with another name,
    // as a ForceNew change (instance type, subnets, node role) makes it, so EKS reports another Auto Scaling
    // group (the mock names it after the group: tools/harness/state/aws.ts). Pulumi replaces a resource whose
    // ForceNew input changes under the same logical name (`autoscaling_group_name`:
    // terraform-provider-aws internal/service/autoscaling/attachment.go), so the attachments must keep their
    // names and take the new group's Auto Scaling group.
    const topology = buildTopology({
        environment: "tg",
        sites: [{ name: "euw1", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"], cidr: "10.10.0.0/16" }],
        nodes: ["axon-1", "axon-2", "axon-3"],
    });
    const render = (groupPrefix: string) =>
        runUnderMocks({ stack: "tg" }, () => {
            const providers = new AwsProviders("aws-providers");
            const site = topology.sites[0];
            const provider = providers.forRegion(site.region);
            const prefix = siteResourcePrefix(topology, site.name);
            const network = new AwsNetwork(`${prefix}-net`, { topology, site, provider });
            // Stand-ins for the site's node groups, named as the provider would name a new group.
            const nodeGroups = site.zones.map(
                (zone) =>
                    new aws.eks.NodeGroup(
                        `${prefix}-ng-${zone}`,
                        { clusterName: "tg-euw1", nodeGroupName: `${groupPrefix}-${zone}`, nodeRoleArn: "arn:aws:iam::123456789012:role/node", subnetIds: ["subnet-1"], scalingConfig: { desiredSize: 1, minSize: 1, maxSize: 2 } },
                        { provider },
                    ),
            );
            return new NodeLoadBalancers(`${prefix}-nlb`, { topology, site, network, provider, workerSecurityGroupId: "sg-workers", nodeGroups });
        });
    const asgOf = (records: ResourceRecord[], zone: string): string => {
        const ng = ofType(records, NODE_GROUP).find((r) => r.name === `tg-euw1-ng-${zone}`)!;
        return (AWS_STATE[NODE_GROUP](ng.inputs, ng.name) as { resources: { autoscalingGroups: { name: string }[] }[] }).resources[0].autoscalingGroups[0].name;
    };
    let before_: ResourceRecord[];
    let after: ResourceRecord[];
    before(async () => {
        before_ = (await render("ng-old")).records;
        after = (await render("ng-new")).records;
    });

    it("gives every attachment, under its unchanged name, the new group's Auto Scaling group", () => {
        const old = new Map(ofType(before_, ATTACHMENT).map((r) => [r.name, r]));
        const now = ofType(after, ATTACHMENT);
        assert.equal(now.length, 3 * 2, "one per node and Axon port");
        assert.deepEqual(now.map((r) => r.name).sort(), [...old.keys()].sort(), "same logical names: Pulumi replaces them");
        for (const a of now) {
            const zone = topology.nodes.find((n) => a.name.includes(`-${n.name}-`))!.zone!;
            const was = old.get(a.name)!;
            assert.equal(was.inputs.autoscalingGroupName, asgOf(before_, zone), `${a.name} before`);
            assert.equal(a.inputs.autoscalingGroupName, asgOf(after, zone), `${a.name} after`);
            assert.notEqual(a.inputs.autoscalingGroupName, was.inputs.autoscalingGroupName, `${a.name} follows the new group`);
            assert.equal(a.inputs.lbTargetGroupArn, was.inputs.lbTargetGroupArn, `${a.name}: the same target group`);
            assert.equal(a.deleteBeforeReplace, false, `${a.name}: the new attachment before the old one's detach`);
        }
    });
});
