/**
 * The AWS side of `Pulumi.dev.yaml` (two EKS sites, eu-west-1 and eu-central-1) in the whole program's
 * run under mocks, shared with the other files that run the dev stack (`runStack` memoises it).
 */
import assert from "node:assert/strict";
import { assertUniqueUrns, countByType, ofType, ResourceRecord } from "../../tools/harness/mocks";
import { runStack, StackRun } from "../../tools/harness/stacks";

const T = {
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    nat: "aws:ec2/natGateway:NatGateway",
    pcx: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    record: "aws:route53/record:Record",
    route: "aws:ec2/route:Route",
} as const;

const one = (records: ResourceRecord[], type: string, name: string): ResourceRecord => {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected exactly one ${type} named ${name}, got ${found.length}`);
    return found[0];
};
/** The mock gives every custom resource the id `<name>-id`. */
const idOf = (name: string) => `${name}-id`;

describe("components/aws in the dev stack (Pulumi.dev.yaml, whole program under mocks)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack("dev");
    });

    // The blocker this guards against: a private-only endpoint on the first run, when no network path
    // from the runner exists (EKS user guide, "Cluster API server endpoint").
    it("deploys both EKS sites of Pulumi.dev.yaml with the public endpoint open to the runner's address only", () => {
        const { records, topology } = run;
        assertUniqueUrns(records);
        const counts = countByType(records);
        assert.equal(counts[T.nodeGroup], topology.sites.reduce((n, site) => n + site.zones.length, 0));
        assert.equal(counts[T.nat], 2); // natGateways: single on both sites
        assert.equal(counts[T.pcx], 1);
        assert.equal(counts[T.record], topology.nodes.length);
        assert.equal(counts[T.cluster], topology.sites.length);
        for (const c of ofType(records, T.cluster)) {
            const vpc = c.inputs.vpcConfig as Record<string, unknown>;
            assert.equal(vpc.endpointPublicAccess, true, c.name);
            assert.deepEqual(vpc.publicAccessCidrs, topology.clusterAccess.runnerCidrs, c.name);
            assert.equal(vpc.endpointPrivateAccess, true, c.name);
        }
        for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
            assert.equal(one(records, T.route, `dev-aws-euw1-net-private-default-${zone}`).inputs.natGatewayId, idOf("dev-aws-euw1-net-nat-eu-west-1a"));
        }
    });
});
