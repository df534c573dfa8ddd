/**
 * VPC peering between two AWS sites: requester, accepter and the routes on both sides.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrsOverlap } from "../topology/cidr";
import { Topology } from "../topology/model";
import { siteResourcePrefix } from "../topology/naming";
import { AWS_TAG_KEYS, AwsNetwork } from "./awsNetwork";

/** Name of the peering between two sites: `<environment>-<siteA>-<siteB>` (a before b in the topology). */
export function awsPeeringName(topology: Pick<Topology, "environment">, a: string, b: string): string {
    return `${siteResourcePrefix(topology, a)}-${b}`;
}

export interface AwsVpcPeeringArgs {
    /** Requester side (its provider creates the peering connection). */
    readonly a: AwsNetwork;
    /** Accepter side. */
    readonly b: AwsNetwork;
    /**
     * Environment, for the `axonserver-environment` tag.
     * @default - none: no environment tag
     */
    readonly environment?: string;
}

/**
 * VPC peering between two AWS sites of the same account.
 *
 * - Different regions: the connection is requested on `a`'s provider with `peerRegion` and
 *   `autoAccept: false`, and accepted by a `VpcPeeringConnectionAccepter` on `b`'s provider. Each side
 *   then sets its own DNS option with a `PeeringConnectionOptions` on its provider, keyed on the
 *   accepter's id (options can only be set once the peering is active).
 * - Same region: one connection with `autoAccept: true`, and one `PeeringConnectionOptions` with both
 *   sides' DNS option.
 *
 * `allowRemoteVpcDnsResolution` lets each VPC resolve the other's private host names to private
 * addresses. Every private route table of each side gets a route to the other side's CIDR. Peering is
 * not transitive: every pair of sites that must talk needs its own peering.
 */
export class AwsVpcPeering extends pulumi.ComponentResource {
    public readonly connection: aws.ec2.VpcPeeringConnection;
    /** Only for a cross-region peering. */
    public readonly accepter?: aws.ec2.VpcPeeringConnectionAccepter;
    public readonly options: aws.ec2.PeeringConnectionOptions[];
    /** Routes in `a`'s private route tables to `b`'s CIDR, then the reverse ones. */
    public readonly routes: aws.ec2.Route[];
    /** The active peering's id (the accepter's id when cross-region). */
    public readonly peeringId: pulumi.Output<string>;

    constructor(name: string, args: AwsVpcPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:AwsVpcPeering", name, {}, opts);
        const { a, b } = args;
        if (a.site.name === b.site.name) throw new Error(`AwsVpcPeering ${name}: a site cannot peer with itself (${a.site.name})`);
        if (cidrsOverlap(a.site.cidr, b.site.cidr)) {
            throw new Error(`AwsVpcPeering ${name}: ${a.site.name} (${a.site.cidr}) and ${b.site.name} (${b.site.cidr}) overlap; AWS cannot peer them`);
        }
        const sameRegion = a.site.region === b.site.region;
        const oa: pulumi.CustomResourceOptions = { parent: this, provider: a.provider };
        const ob: pulumi.CustomResourceOptions = { parent: this, provider: b.provider };
        const tags = (side: string) => ({
            Name: `${name}`,
            Side: side,
            ...(args.environment ? { [AWS_TAG_KEYS.environment]: args.environment } : {}),
            "axonserver-peering": `${a.site.name}-${b.site.name}`,
        });

        this.connection = new aws.ec2.VpcPeeringConnection(
            `${name}-pcx`,
            {
                vpcId: a.vpc.id,
                peerVpcId: b.vpc.id,
                ...(sameRegion ? { autoAccept: true } : { peerRegion: b.site.region, autoAccept: false }),
                tags: tags("Requester"),
            },
            oa,
        );

        if (sameRegion) {
            this.peeringId = this.connection.id;
            this.options = [
                new aws.ec2.PeeringConnectionOptions(
                    `${name}-options`,
                    {
                        vpcPeeringConnectionId: this.connection.id,
                        requester: { allowRemoteVpcDnsResolution: true },
                        accepter: { allowRemoteVpcDnsResolution: true },
                    },
                    oa,
                ),
            ];
        } else {
            this.accepter = new aws.ec2.VpcPeeringConnectionAccepter(
                `${name}-accepter`,
                { vpcPeeringConnectionId: this.connection.id, autoAccept: true, tags: tags("Accepter") },
                ob,
            );
            this.peeringId = this.accepter.id;
            this.options = [
                new aws.ec2.PeeringConnectionOptions(
                    `${name}-requester-options`,
                    { vpcPeeringConnectionId: this.accepter.id, requester: { allowRemoteVpcDnsResolution: true } },
                    oa,
                ),
                new aws.ec2.PeeringConnectionOptions(
                    `${name}-accepter-options`,
                    { vpcPeeringConnectionId: this.accepter.id, accepter: { allowRemoteVpcDnsResolution: true } },
                    ob,
                ),
            ];
        }

        const routesOf = (side: AwsNetwork, peer: AwsNetwork, o: pulumi.CustomResourceOptions) =>
            side.privateRouteTables.map(
                (rt, i) =>
                    new aws.ec2.Route(
                        `${name}-${side.site.name}-${side.site.zones[i]}-to-${peer.site.name}`,
                        { routeTableId: rt.id, destinationCidrBlock: peer.site.cidr, vpcPeeringConnectionId: this.peeringId },
                        o,
                    ),
            );
        this.routes = [...routesOf(a, b, oa), ...routesOf(b, a, ob)];

        this.registerOutputs({ peeringId: this.peeringId });
    }
}
