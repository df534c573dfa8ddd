/**
 * The network of one AWS site: VPC, per-zone private and public subnets (address plan `awsSubnetLayout`),
 * NAT gateways and route tables, plus the site's tag and EKS cluster names. Other AWS components attach to it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CLOUD_KEYS } from "../topology/identity";
import { parseCidr, subdivideCidr } from "../topology/cidr";
import { loadBalancerSubnetCidrs, usesNodeNlbs } from "../topology/loadBalancers";
import { Site, Topology } from "../topology/model";
import { siteResourcePrefix } from "../topology/naming";

/** Tag keys put on every AWS resource of a site (snapshot policies and cost reports select on them). */
export const AWS_TAG_KEYS = { environment: CLOUD_KEYS.environment, site: CLOUD_KEYS.site } as const;

/** Name of a site's EKS cluster: `<environment>-<site>` (at most 37 characters, see NAME_LIMITS). */
export function eksClusterName(topology: Pick<Topology, "environment">, site: Pick<Site, "name">): string {
    return siteResourcePrefix(topology, site.name);
}

/** The common tags of a site's AWS resources, plus `Name`. */
export function awsSiteTags(topology: Pick<Topology, "environment">, site: Pick<Site, "name">, name: string): Record<string, string> {
    return { Name: name, [AWS_TAG_KEYS.environment]: topology.environment, [AWS_TAG_KEYS.site]: site.name };
}

/**
 * The subnet layout of an AWS site. Fixed, independent of the number of zones, so that adding a zone
 * later never moves (replaces) an existing subnet:
 *
 * - the site CIDR (prefix `p`) is cut into 8 blocks of prefix `p+3`;
 * - zone `i` (its position in `site.zones`) gets block `i` as its **private** subnet. These are large
 *   on purpose: the VPC CNI gives every pod a VPC address, and a node pre-allocates a warm pool of
 *   them. A `/16` site gives each zone a `/19` (8,192 addresses);
 * - block 7 is cut again into 8 `/(p+6)` **public** subnets, zone `i` getting number `i`: they only
 *   hold NAT gateways and (public) load balancers. A `/16` site gives each zone a `/22`;
 * - so at most 7 zones (block 7 is never private), and the site prefix is at most `/22` (AWS subnets
 *   are at least `/28`).
 *
 * Example: `10.10.0.0/16` with zones a, b, c → private `10.10.0.0/19`, `10.10.32.0/19`, `10.10.64.0/19`;
 * public `10.10.224.0/22`, `10.10.228.0/22`, `10.10.232.0/22`. Zones must only ever be appended in the
 * config: reordering them renumbers (replaces) the subnets.
 */
export interface ZoneSubnetLayout {
    readonly zone: string;
    readonly privateCidr: string;
    readonly publicCidr: string;
}

export const AWS_SUBNET_LAYOUT = {
    /** Bits added to the site prefix for the private blocks. */
    blockBits: 3,
    /** Zones a site can have (block 7 holds the public subnets). */
    maxZones: 7,
    /** Longest site prefix that still yields `/28` public subnets. */
    maxSitePrefix: 22,
} as const;

export function awsSubnetLayout(cidr: string, zones: readonly string[]): ZoneSubnetLayout[] {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`AWS site CIDR ${JSON.stringify(cidr)} is not a valid IPv4 CIDR`);
    if (parsed.prefix > AWS_SUBNET_LAYOUT.maxSitePrefix) {
        throw new Error(`AWS site CIDR ${cidr} is too small: the prefix must be /${AWS_SUBNET_LAYOUT.maxSitePrefix} or shorter`);
    }
    if (zones.length === 0 || zones.length > AWS_SUBNET_LAYOUT.maxZones) {
        throw new Error(`an AWS site needs 1 to ${AWS_SUBNET_LAYOUT.maxZones} zones, got ${zones.length}`);
    }
    const blockPrefix = parsed.prefix + AWS_SUBNET_LAYOUT.blockBits;
    const publicBlock = subdivideCidr(cidr, blockPrefix, 2 ** AWS_SUBNET_LAYOUT.blockBits - 1);
    return zones.map((zone, i) => ({
        zone,
        privateCidr: subdivideCidr(cidr, blockPrefix, i),
        publicCidr: subdivideCidr(publicBlock, blockPrefix + AWS_SUBNET_LAYOUT.blockBits, i),
    }));
}

export interface AwsNetworkArgs {
    /** The environment's topology: names and tags come from it. */
    readonly topology: Topology;
    /** An AWS site (`cloud: aws`); its `cidr`, `zones` and `cluster.natGateways` shape the network. */
    readonly site: Site;
    /** The provider of the site's region (see `AwsProviders.forRegion`). */
    readonly provider: aws.Provider;
    /**
     * Name of the EKS cluster that will use this VPC: subnets then also carry
     * `kubernetes.io/cluster/<name>: shared`, which the Kubernetes AWS cloud provider uses (with the
     * `kubernetes.io/role/*` tags) to pick subnets for load balancers.
     * @default - `eksClusterName(topology, site)` for an `eks` site, none otherwise
     */
    readonly eksClusterName?: string;
}

/**
 * The VPC of one AWS site, reused by EKS and VM sites and by the cross-site connectivity (peering,
 * VPN): a VPC with DNS support and host names, one private and one public subnet per zone (see
 * `awsSubnetLayout`), an internet gateway, NAT gateway(s) with Elastic IPs, a public route table and one
 * private route table per zone whose default route goes to that zone's NAT (or the single NAT).
 *
 * Route tables carry no inline routes: peering and VPN add `aws.ec2.Route` resources to
 * `privateRouteTables`, and inline routes would fight with them.
 *
 * The constructor only chains named steps: `createVpc`, `createZoneSubnets`, `createPublicRouting`,
 * `createNatGateways`, `createPrivateRouting`, `createLoadBalancerSubnets`, `createS3Endpoint`,
 * `attachRunnerNetwork`.
 */
export class AwsNetwork extends pulumi.ComponentResource {
    public readonly site: Site;
    public readonly provider: aws.Provider;
    public readonly vpc: aws.ec2.Vpc;
    /** In `site.zones` order. */
    public readonly privateSubnets: aws.ec2.Subnet[];
    /** In `site.zones` order. */
    public readonly publicSubnets: aws.ec2.Subnet[];
    /**
     * EKS sites only, one per zone in `site.zones` order: the subnets of the nodes' internal NLBs
     * (`loadBalancerSubnetCidrs`), on their zone's private route table; nothing else runs there.
     */
    public readonly loadBalancerSubnets: aws.ec2.Subnet[];
    /** One per zone, in `site.zones` order: add routes to peer networks to every one of them. */
    public readonly privateRouteTables: aws.ec2.RouteTable[];
    public readonly publicRouteTable: aws.ec2.RouteTable;
    public readonly internetGateway: aws.ec2.InternetGateway;
    /** One per zone, or a single one in the first zone (`site.cluster.natGateways`). */
    public readonly natGateways: aws.ec2.NatGateway[];
    public readonly layout: readonly ZoneSubnetLayout[];
    /**
     * S3 gateway endpoint on the private route tables: backups and ECR image layers (stored in S3) stay
     * off the NAT gateways, which bill per GB (VPC user guide, "Gateway endpoints for Amazon S3": no charge).
     */
    public readonly s3Endpoint: aws.ec2.VpcEndpoint;
    /** Attachment to the runner's transit gateway (`clusterAccess.runnerRoutes` of this region), if any. */
    public readonly runnerAttachment?: aws.ec2transitgateway.VpcAttachment;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:AwsNetwork", name, {}, opts);
        const ctx = awsNetworkContext(name, args, this);
        this.site = ctx.site;
        this.provider = ctx.provider;
        this.layout = ctx.layout;

        this.vpc = createVpc(ctx);
        const subnets = createZoneSubnets(ctx, this.vpc);
        this.privateSubnets = subnets.privateSubnets;
        this.publicSubnets = subnets.publicSubnets;
        const publicRouting = createPublicRouting(ctx, this.vpc, this.publicSubnets);
        this.internetGateway = publicRouting.internetGateway;
        this.publicRouteTable = publicRouting.routeTable;
        this.natGateways = createNatGateways(ctx, this.publicSubnets, this.internetGateway);
        this.privateRouteTables = createPrivateRouting(ctx, this.vpc, this.privateSubnets, this.natGateways);
        this.loadBalancerSubnets = createLoadBalancerSubnets(ctx, this.vpc, this.privateRouteTables);
        this.s3Endpoint = createS3Endpoint(ctx, this.vpc, this.privateRouteTables);
        this.runnerAttachment = attachRunnerNetwork(ctx, this.vpc, this.privateSubnets, this.privateRouteTables);

        this.registerOutputs({
            vpcId: this.vpc.id,
            privateSubnetIds: this.privateSubnets.map((s) => s.id),
            publicSubnetIds: this.publicSubnets.map((s) => s.id),
            loadBalancerSubnetIds: this.loadBalancerSubnets.map((s) => s.id),
            privateRouteTableIds: this.privateRouteTables.map((r) => r.id),
        });
    }

    /** The private subnet of `zone`; throws for a zone outside the site. */
    privateSubnetOf(zone: string): aws.ec2.Subnet {
        const i = this.site.zones.indexOf(zone);
        if (i < 0) throw new Error(`zone ${zone} is not a zone of site ${this.site.name}`);
        return this.privateSubnets[i];
    }
}

/** What every step of an AWS network shares: names, options (parent + regional provider), tags, the subnet layout. */
interface AwsNetworkContext {
    /** The component's name: the prefix of every child's logical name. */
    readonly name: string;
    readonly topology: Topology;
    readonly site: Site;
    readonly provider: aws.Provider;
    readonly parent: pulumi.Resource;
    /** `{ parent, provider }` of every child. */
    readonly opts: pulumi.CustomResourceOptions;
    /** The site's tags with `Name`, plus `extra`. */
    readonly tags: (name: string, extra?: Record<string, string>) => Record<string, string>;
    readonly layout: readonly ZoneSubnetLayout[];
    /** `kubernetes.io/cluster/<name>: shared` when an EKS cluster uses the VPC, else empty. */
    readonly clusterTag: Record<string, string>;
}

/** Throws when the site is not on AWS or its CIDR and zones have no subnet layout. */
function awsNetworkContext(name: string, args: AwsNetworkArgs, parent: pulumi.Resource): AwsNetworkContext {
    const { topology, site, provider } = args;
    if (site.cloud !== "aws") throw new Error(`AwsNetwork: site ${site.name} is on ${site.cloud}, not aws`);
    const layout = awsSubnetLayout(site.cidr, site.zones);
    const clusterName = args.eksClusterName ?? (site.platform === "eks" ? eksClusterName(topology, site) : undefined);
    return {
        name,
        topology,
        site,
        provider,
        parent,
        opts: { parent, provider },
        tags: (n: string, extra: Record<string, string> = {}) => ({ ...awsSiteTags(topology, site, n), ...extra }),
        layout,
        clusterTag: clusterName ? { [`kubernetes.io/cluster/${clusterName}`]: "shared" } : {},
    };
}

export function createVpc(ctx: AwsNetworkContext): aws.ec2.Vpc {
    const { name, site, opts: o } = ctx;
    return new aws.ec2.Vpc(
        `${name}-vpc`,
        {
            cidrBlock: site.cidr,
            // Both are needed for private DNS (Route53 private zones) and peering DNS resolution.
            enableDnsSupport: true,
            enableDnsHostnames: true,
            tags: ctx.tags(`${name}-vpc`),
        },
        o,
    );
}

/** The private and the public subnet of every zone (`awsSubnetLayout`), in `site.zones` order. */
export function createZoneSubnets(ctx: AwsNetworkContext, vpc: aws.ec2.Vpc): { privateSubnets: aws.ec2.Subnet[]; publicSubnets: aws.ec2.Subnet[] } {
    const { name, layout, clusterTag, opts: o } = ctx;
    const privateSubnets = layout.map(
        (l) =>
            new aws.ec2.Subnet(
                `${name}-private-${l.zone}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: l.zone,
                    cidrBlock: l.privateCidr,
                    mapPublicIpOnLaunch: false,
                    // Where a controller puts internal load balancers of other Services of the cluster (it
                    // picks subnets by these tags); the Axon nodes' NLBs use `loadBalancerSubnets`.
                    tags: ctx.tags(`${name}-private-${l.zone}`, { "kubernetes.io/role/internal-elb": "1", ...clusterTag }),
                },
                o,
            ),
    );
    const publicSubnets = layout.map(
        (l) =>
            new aws.ec2.Subnet(
                `${name}-public-${l.zone}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: l.zone,
                    cidrBlock: l.publicCidr,
                    // Nothing is launched here but NAT gateways and internet-facing load balancers.
                    mapPublicIpOnLaunch: false,
                    tags: ctx.tags(`${name}-public-${l.zone}`, { "kubernetes.io/role/elb": "1", ...clusterTag }),
                },
                o,
            ),
    );
    return { privateSubnets, publicSubnets };
}

/** The internet gateway and the public route table (default route to it) of every public subnet. */
export function createPublicRouting(
    ctx: AwsNetworkContext,
    vpc: aws.ec2.Vpc,
    publicSubnets: readonly aws.ec2.Subnet[],
): { internetGateway: aws.ec2.InternetGateway; routeTable: aws.ec2.RouteTable } {
    const { name, opts: o } = ctx;
    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: ctx.tags(`${name}-igw`) }, o);

    const routeTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: ctx.tags(`${name}-public-rt`) }, o);
    new aws.ec2.Route(`${name}-public-default`, { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }, o);
    ctx.layout.forEach((l, i) => {
        new aws.ec2.RouteTableAssociation(`${name}-public-rta-${l.zone}`, { routeTableId: routeTable.id, subnetId: publicSubnets[i].id }, o);
    });
    return { internetGateway, routeTable };
}

/** A NAT gateway with its Elastic IP in every zone's public subnet, or in the first zone's only (`site.cluster.natGateways`). */
export function createNatGateways(ctx: AwsNetworkContext, publicSubnets: readonly aws.ec2.Subnet[], internetGateway: aws.ec2.InternetGateway): aws.ec2.NatGateway[] {
    const { name, site, layout, opts: o } = ctx;
    const natZones = site.cluster.natGateways === "perZone" ? layout.map((_, i) => i) : [0];
    return natZones.map((i) => {
        const zone = layout[i].zone;
        const eip = new aws.ec2.Eip(`${name}-nat-eip-${zone}`, { domain: "vpc", tags: ctx.tags(`${name}-nat-eip-${zone}`) }, o);
        return new aws.ec2.NatGateway(
            `${name}-nat-${zone}`,
            { allocationId: eip.allocationId, subnetId: publicSubnets[i].id, tags: ctx.tags(`${name}-nat-${zone}`) },
            // A NAT gateway needs the VPC's internet gateway to route out (AWS documentation).
            { ...o, dependsOn: [internetGateway] },
        );
    });
}

/** One private route table per zone, default route to the zone's NAT gateway (or the single one), on the zone's private subnet. */
export function createPrivateRouting(
    ctx: AwsNetworkContext,
    vpc: aws.ec2.Vpc,
    privateSubnets: readonly aws.ec2.Subnet[],
    natGateways: readonly aws.ec2.NatGateway[],
): aws.ec2.RouteTable[] {
    const { name, site, opts: o } = ctx;
    return ctx.layout.map((l, i) => {
        const rt = new aws.ec2.RouteTable(`${name}-private-rt-${l.zone}`, { vpcId: vpc.id, tags: ctx.tags(`${name}-private-rt-${l.zone}`) }, o);
        const nat = natGateways[site.cluster.natGateways === "perZone" ? i : 0];
        new aws.ec2.Route(`${name}-private-default-${l.zone}`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, o);
        new aws.ec2.RouteTableAssociation(`${name}-private-rta-${l.zone}`, { routeTableId: rt.id, subnetId: privateSubnets[i].id }, o);
        return rt;
    });
}

/**
 * The NLBs of an EKS site's nodes: their own subnets, so the pods' NetworkPolicy can admit the load
 * balancers' addresses without admitting every pod and worker of the VPC; routed like the private
 * subnets (peerings and VPN routes reach them). None on other sites.
 */
export function createLoadBalancerSubnets(ctx: AwsNetworkContext, vpc: aws.ec2.Vpc, privateRouteTables: readonly aws.ec2.RouteTable[]): aws.ec2.Subnet[] {
    const { name, site, layout, opts: o } = ctx;
    const lbCidrs = usesNodeNlbs(site) ? loadBalancerSubnetCidrs(site.cidr, site.zones) : [];
    if (lbCidrs === undefined) throw new Error(`site ${site.name}: ${site.cidr} leaves no room for load balancer subnets`); // the loader rejects it
    return lbCidrs.map((cidrBlock, i) => {
        const zone = layout[i].zone;
        const subnet = new aws.ec2.Subnet(
            `${name}-lb-${zone}`,
            { vpcId: vpc.id, availabilityZone: zone, cidrBlock, mapPublicIpOnLaunch: false, tags: ctx.tags(`${name}-lb-${zone}`) },
            o,
        );
        new aws.ec2.RouteTableAssociation(`${name}-lb-rta-${zone}`, { routeTableId: privateRouteTables[i].id, subnetId: subnet.id }, o);
        return subnet;
    });
}

/** The S3 gateway endpoint on the private route tables (see `AwsNetwork.s3Endpoint`). */
export function createS3Endpoint(ctx: AwsNetworkContext, vpc: aws.ec2.Vpc, privateRouteTables: readonly aws.ec2.RouteTable[]): aws.ec2.VpcEndpoint {
    const { name, site, opts: o } = ctx;
    const reverseDns = aws.getPartitionOutput({}, { parent: ctx.parent, provider: ctx.provider }).reverseDnsPrefix;
    return new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
            vpcId: vpc.id,
            serviceName: pulumi.interpolate`${reverseDns}.${site.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: privateRouteTables.map((r) => r.id),
            tags: ctx.tags(`${name}-s3`),
        },
        o,
    );
}

/**
 * Private-only EKS access: the runner network reaches the VPC through its transit gateway. Attaches the
 * VPC (one ENI per private subnet) and routes the runner's ranges there from every private subnet; the
 * cluster security group admits them on 443 (eksSite.ts `eksIngressRules`). Nothing (undefined) unless
 * the site is `eks` and `clusterAccess.runnerRoutes` has a route of its region.
 */
export function attachRunnerNetwork(
    ctx: AwsNetworkContext,
    vpc: aws.ec2.Vpc,
    privateSubnets: readonly aws.ec2.Subnet[],
    privateRouteTables: readonly aws.ec2.RouteTable[],
): aws.ec2transitgateway.VpcAttachment | undefined {
    const { name, topology, site, opts: o } = ctx;
    const runner = topology.clusterAccess.runnerRoutes.find((r) => r.region === site.region);
    if (!runner || site.platform !== "eks") return undefined;
    const attachment = new aws.ec2transitgateway.VpcAttachment(
        `${name}-runner-tgw`,
        {
            transitGatewayId: runner.transitGatewayId,
            vpcId: vpc.id,
            subnetIds: privateSubnets.map((s) => s.id),
            tags: ctx.tags(`${name}-runner-tgw`),
        },
        o,
    );
    ctx.layout.forEach((l, i) =>
        runner.cidrs.forEach(
            (cidr) =>
                new aws.ec2.Route(
                    `${name}-runner-${l.zone}-${cidr.replace(/[./]/g, "-")}`,
                    { routeTableId: privateRouteTables[i].id, destinationCidrBlock: cidr, transitGatewayId: runner.transitGatewayId },
                    { ...o, dependsOn: [attachment] },
                ),
        ),
    );
    return attachment;
}

/**
 * BGP ASN of the AWS side of a cross-cloud VPN (the virtual private gateway's `amazonSideAsn`; AWS's
 * default private ASN). `aws.ec2.VpnGateway` takes it as a string: `String(AWS_VPN_ASN)`.
 */
export const AWS_VPN_ASN = 64512;
