/**
 * AWS ↔ GCP HA VPN with BGP, in Google's "HA VPN to AWS" topology: per link two AWS VPN connections (one per
 * HA VPN gateway interface), four IPsec tunnels, four BGP sessions. Either cloud keeps routing through a
 * tunnel or interface failure.
 *
 * Shared pieces exist once: a `GcpVpnHub` (HA VPN gateway + Cloud Router) per GCP region and an `AwsVpnHub`
 * (virtual private gateway + route propagation) per AWS VPC; a `CrossCloudVpn` per link joins one of each.
 * `CrossCloudVpns` builds all of them from the topology. The VPN only carries routes: the GCP firewall and
 * the AWS security groups of the sites decide what may pass.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AWS_VPN_ASN } from "../aws/awsNetwork";
import { GcpNetwork } from "../gcp/gcpNetwork";
import { cloudIdentity, fitName } from "../topology/identity";
import { GCP_MAX_LOGICAL_NAME, gcpNetworkSites } from "../gcp/ranges";
import { Site, Topology } from "../topology/model";
import { CrossCloudLink, crossCloudLinks } from "./vpnPlan";

/** Default private ASN of the Cloud Routers (GCP side). */
export const DEFAULT_GCP_ASN = 65010;
/** Default Amazon-side ASN of the virtual private gateways (AWS's own default). */
export const DEFAULT_AWS_ASN = AWS_VPN_ASN;

/** What the VPN needs from an AWS site's network; `AwsNetwork` (components/aws/awsNetwork.ts) has it. */
export interface AwsVpcAttachment {
    /** The AWS site whose VPC this is. */
    readonly site: Site;
    /** The VPC the virtual private gateway attaches to. */
    readonly vpc: aws.ec2.Vpc;
    /** Route tables of the private subnets: they learn the GCP routes by propagation. */
    readonly privateRouteTables: readonly aws.ec2.RouteTable[];
    /** Provider of the VPC's region. */
    readonly provider: aws.Provider;
}

export interface GcpVpnHubArgs {
    /** The environment's topology: the label and every GCP site CIDR the router advertises come from it. */
    readonly topology: Topology;
    /** The environment's GCP network the gateway and router belong to. */
    readonly network: GcpNetwork;
    /** GCP region of the hub (one hub per region with a cross-cloud link). */
    readonly region: string;
    /**
     * Private ASN of the hub's Cloud Router.
     * @default 65010
     */
    readonly asn?: number;
    /** GCP provider of the environment's project. */
    readonly provider: gcp.Provider;
}

/**
 * The GCP end of every VPN in one region: an HA VPN gateway (two interfaces, two public addresses) and a
 * dedicated Cloud Router that advertises all subnets of the network plus every GCP site CIDR. Because the
 * network routes globally, AWS learns the ranges of every GCP region through it.
 */
export class GcpVpnHub extends pulumi.ComponentResource {
    public readonly gateway: gcp.compute.HaVpnGateway;
    public readonly router: gcp.compute.Router;
    public readonly region: string;
    public readonly asn: number;

    constructor(name: string, args: GcpVpnHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:connectivity:GcpVpnHub", name, {}, opts);
        const { network, region, provider } = args;
        this.region = region;
        this.asn = args.asn ?? DEFAULT_GCP_ASN;
        const childOpts = { parent: this, provider };
        this.gateway = new gcp.compute.HaVpnGateway(
            fitName(`${name}-gw`, GCP_MAX_LOGICAL_NAME),
            { project: network.project, region, network: network.network.id, description: "HA VPN to AWS", labels: cloudIdentity(args.topology.environment) },
            childOpts,
        );
        this.router = new gcp.compute.Router(
            fitName(`${name}-router`, GCP_MAX_LOGICAL_NAME),
            {
                project: network.project,
                region,
                network: network.network.id,
                description: "BGP with AWS virtual private gateways",
                bgp: {
                    asn: this.asn,
                    advertiseMode: "CUSTOM",
                    advertisedGroups: ["ALL_SUBNETS"],
                    // Also each GCP site's whole CIDR: it holds the GKE pod ranges (pods keep their own source
                    // address towards other private ranges), so AWS can answer pods whether or not subnet
                    // advertisement covers secondary ranges.
                    advertisedIpRanges: gcpNetworkSites(args.topology).map((s) => ({ range: s.cidr, description: `Axon Server site ${s.name}` })),
                },
            },
            childOpts,
        );
        this.registerOutputs({ gateway: this.gateway, router: this.router });
    }
}

export interface AwsVpnHubArgs {
    /** The AWS site's VPC, its private route tables and its region's provider. */
    readonly network: AwsVpcAttachment;
    /**
     * Environment and site of the VPC, for the `axonserver-environment` / `axonserver-site` tags.
     * @default - no identity tags
     */
    readonly identity?: { readonly environment: string; readonly site: string };
    /**
     * Amazon-side ASN of the virtual private gateway (64512-65534 or 4200000000-4294967294).
     * @default 64512
     */
    readonly asn?: number;
}

/**
 * The AWS end of every VPN of one VPC: a virtual private gateway attached to the VPC, whose BGP-learned
 * routes propagate into every private route table.
 */
export class AwsVpnHub extends pulumi.ComponentResource {
    public readonly gateway: aws.ec2.VpnGateway;
    public readonly propagations: readonly aws.ec2.VpnGatewayRoutePropagation[];
    public readonly asn: number;
    public readonly provider: aws.Provider;

    constructor(name: string, args: AwsVpnHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:connectivity:AwsVpnHub", name, {}, opts);
        const { network } = args;
        this.asn = args.asn ?? DEFAULT_AWS_ASN;
        this.provider = network.provider;
        const childOpts = { parent: this, provider: network.provider };
        this.gateway = new aws.ec2.VpnGateway(
            `${name}-vgw`,
            { vpcId: network.vpc.id, amazonSideAsn: String(this.asn), tags: { Name: `${name}-vgw`, ...identityTags(args.identity) } },
            childOpts,
        );
        this.propagations = network.privateRouteTables.map(
            (rt, i) => new aws.ec2.VpnGatewayRoutePropagation(`${name}-propagation-${i}`, { vpnGatewayId: this.gateway.id, routeTableId: rt.id }, childOpts),
        );
        this.registerOutputs({ gateway: this.gateway });
    }
}

export interface CrossCloudVpnArgs {
    /** The planned link (`crossCloudLinks`): its AWS site, GCP region and four tunnels. */
    readonly link: CrossCloudLink;
    /**
     * Environment, for the `axonserver-environment` tag / label of every resource.
     * @default - no identity tags
     */
    readonly environment?: string;
    /** The hub of the link's GCP region. */
    readonly gcpHub: GcpVpnHub;
    /** The hub of the link's AWS site. */
    readonly awsHub: AwsVpnHub;
    /** The environment's GCP network the tunnels belong to. */
    readonly network: GcpNetwork;
    /** GCP provider of the environment's project. */
    readonly gcpProvider: gcp.Provider;
}

/** The identity tags (AWS) / labels (GCP) of a VPN resource; none without an environment. */
function identityTags(identity?: { environment: string; site?: string }): Record<string, string> {
    return identity ? cloudIdentity(identity.environment, identity.site) : {};
}

/** `tunnel1*` / `tunnel2*` outside address of an AWS VPN connection. */
function tunnelAddress(c: aws.ec2.VpnConnection, n: 1 | 2): pulumi.Output<string> {
    return n === 1 ? c.tunnel1Address : c.tunnel2Address;
}

/**
 * One AWS VPC ↔ one GCP region: two customer gateways (the HA VPN interfaces), two VPN connections
 * (dynamic routing, IKEv2, our inside addresses and pre-shared keys), an external VPN gateway with the four
 * AWS tunnel addresses, four GCP tunnels, and a BGP session per tunnel on the hub's Cloud Router.
 *
 * Pre-shared keys are `random.RandomPassword`s (Pulumi secrets on both sides) of letters and digits,
 * prefixed with a letter: AWS accepts only `[A-Za-z0-9._]`, 8-64 characters, not starting with `0`.
 */
/**
 * One IKE/IPsec proposal per phase, the same on both sides. Google, "Connect HA VPN to AWS peer
 * gateways" (known issue): with AWS's default of every transform set, the SA payload grows past one
 * packet, is fragmented — which Cloud VPN does not support — and the tunnel can fail to rekey; "select
 * fewer transform sets on the AWS side". Values: AWS `tunnelN Phase1/2*` (@pulumi/aws `ec2.VpnConnection`;
 * AWS Site-to-Site VPN "Tunnel options": AES256, SHA2-256, DH group 14 are in the allowed lists); GCP
 * `VPNTunnel.cipherSuite` strings as in the @pulumi/gcp `compute.VPNTunnel` cipher-suite example.
 */
export const VPN_IKE = {
    aws: {
        encryption: "AES256",
        integrity: "SHA2-256",
        dhGroup: 14,
    },
    gcp: {
        phase1: { encryptions: ["AES-CBC-256"], integrities: ["HMAC-SHA2-256-128"], prves: ["PRF-HMAC-SHA2-256"], dhs: ["Group-14"] },
        phase2: { encryptions: ["AES-CBC-256"], integrities: ["HMAC-SHA2-256-128"], pfs: ["Group-14"] },
    },
} as const;

/** The pinned AWS tunnel options of tunnel `n` (1 or 2) of a VPN connection. */
export function awsTunnelIkeOptions(n: 1 | 2): Record<string, string[] | number[]> {
    const a = VPN_IKE.aws;
    return {
        [`tunnel${n}IkeVersions`]: ["ikev2"],
        [`tunnel${n}Phase1EncryptionAlgorithms`]: [a.encryption],
        [`tunnel${n}Phase1IntegrityAlgorithms`]: [a.integrity],
        [`tunnel${n}Phase1DhGroupNumbers`]: [a.dhGroup],
        [`tunnel${n}Phase2EncryptionAlgorithms`]: [a.encryption],
        [`tunnel${n}Phase2IntegrityAlgorithms`]: [a.integrity],
        [`tunnel${n}Phase2DhGroupNumbers`]: [a.dhGroup],
    };
}

export class CrossCloudVpn extends pulumi.ComponentResource {
    public readonly customerGateways: readonly aws.ec2.CustomerGateway[];
    public readonly connections: readonly aws.ec2.VpnConnection[];
    public readonly peerGateway: gcp.compute.ExternalVpnGateway;
    public readonly tunnels: readonly gcp.compute.VPNTunnel[];
    public readonly routerInterfaces: readonly gcp.compute.RouterInterface[];
    public readonly routerPeers: readonly gcp.compute.RouterPeer[];

    constructor(name: string, args: CrossCloudVpnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:connectivity:CrossCloudVpn", name, {}, opts);
        const { link, gcpHub, awsHub, network, gcpProvider } = args;
        const env = args.environment ? { environment: args.environment, site: link.awsSite.name } : undefined;
        const awsOpts = { parent: this, provider: awsHub.provider };
        const gcpOpts = { parent: this, provider: gcpProvider };
        const project = network.project;

        const keys = link.tunnels.map(
            (t) =>
                new random.RandomPassword(`${name}-psk-${t.index}`, { length: 40, special: false, upper: true, lower: true, numeric: true }, { parent: this })
                    .result.apply((r) => `k${r}`),
        );

        this.customerGateways = ([0, 1] as const).map(
            (i) =>
                new aws.ec2.CustomerGateway(
                    `${name}-cgw-${i}`,
                    {
                        bgpAsn: String(gcpHub.asn),
                        // Lifted access: an index into `vpnInterfaces` never throws while the list is unknown.
                        ipAddress: gcpHub.gateway.vpnInterfaces[i].ipAddress,
                        type: "ipsec.1",
                        // CreateCustomerGateway returns the existing gateway for an identical request (same
                        // IP, ASN, type): two AWS sites of one region would share one and its lifecycle.
                        // A distinct device name makes each request unique.
                        deviceName: `${name}-gcp-if${i}`,
                        tags: { Name: `${name}-gcp-if${i}`, ...identityTags(env) },
                    },
                    awsOpts,
                ),
        );

        this.connections = ([0, 1] as const).map((c) => {
            const [t1, t2] = link.tunnels.filter((t) => t.connection === c);
            return new aws.ec2.VpnConnection(
                `${name}-conn-${c}`,
                {
                    customerGatewayId: this.customerGateways[c].id,
                    vpnGatewayId: awsHub.gateway.id,
                    type: "ipsec.1",
                    staticRoutesOnly: false,
                    tunnel1InsideCidr: t1.insideCidr,
                    tunnel1PresharedKey: keys[t1.index],
                    ...awsTunnelIkeOptions(1),
                    tunnel2InsideCidr: t2.insideCidr,
                    tunnel2PresharedKey: keys[t2.index],
                    ...awsTunnelIkeOptions(2),
                    tags: { Name: `${name}-${c}`, ...identityTags(env) },
                },
                awsOpts,
            );
        });

        this.peerGateway = new gcp.compute.ExternalVpnGateway(
            `${name}-peer-gw`,
            {
                project,
                redundancyType: "FOUR_IPS_REDUNDANCY",
                description: `AWS virtual private gateway of ${link.awsSite.name}`,
                labels: identityTags(env),
                interfaces: link.tunnels.map((t) => ({ id: t.peerInterface, ipAddress: tunnelAddress(this.connections[t.connection], t.awsTunnel) })),
            },
            gcpOpts,
        );

        this.tunnels = link.tunnels.map(
            (t) =>
                new gcp.compute.VPNTunnel(
                    `${name}-tunnel-${t.index}`,
                    {
                        project,
                        region: gcpHub.region,
                        vpnGateway: gcpHub.gateway.id,
                        vpnGatewayInterface: t.haInterface,
                        peerExternalGateway: this.peerGateway.id,
                        peerExternalGatewayInterface: t.peerInterface,
                        sharedSecret: keys[t.index],
                        ikeVersion: 2,
                        cipherSuite: {
                            phase1: { ...VPN_IKE.gcp.phase1, encryptions: [...VPN_IKE.gcp.phase1.encryptions], integrities: [...VPN_IKE.gcp.phase1.integrities], prves: [...VPN_IKE.gcp.phase1.prves], dhs: [...VPN_IKE.gcp.phase1.dhs] },
                            phase2: { encryptions: [...VPN_IKE.gcp.phase2.encryptions], integrities: [...VPN_IKE.gcp.phase2.integrities], pfs: [...VPN_IKE.gcp.phase2.pfs] },
                        },
                        router: gcpHub.router.id,
                        description: `to ${link.awsSite.name} connection ${t.connection} tunnel ${t.awsTunnel}`,
                        labels: identityTags(env),
                    },
                    gcpOpts,
                ),
        );

        this.routerInterfaces = link.tunnels.map(
            (t) =>
                new gcp.compute.RouterInterface(
                    `${name}-if-${t.index}`,
                    {
                        project,
                        region: gcpHub.region,
                        router: gcpHub.router.name,
                        ipRange: `${t.cgwInsideIp}/30`,
                        vpnTunnel: this.tunnels[t.index].name,
                    },
                    gcpOpts,
                ),
        );

        this.routerPeers = link.tunnels.map(
            (t) =>
                new gcp.compute.RouterPeer(
                    `${name}-bgp-${t.index}`,
                    {
                        project,
                        region: gcpHub.region,
                        router: gcpHub.router.name,
                        interface: this.routerInterfaces[t.index].name,
                        peerIpAddress: t.vgwInsideIp,
                        peerAsn: awsHub.asn,
                    },
                    gcpOpts,
                ),
        );

        this.registerOutputs({ connections: this.connections, tunnels: this.tunnels });
    }
}

export interface CrossCloudVpnsArgs {
    /** The environment's topology: the links come from it (`crossCloudLinks`). */
    readonly topology: Topology;
    /** The environment's GCP network. */
    readonly gcpNetwork: GcpNetwork;
    /** GCP provider of the environment's project. */
    readonly gcpProvider: gcp.Provider;
    /** Network per AWS site name (`AwsNetwork` instances). Every AWS site of a link must be here. */
    readonly awsNetworks: Readonly<Record<string, AwsVpcAttachment>>;
    /**
     * ASN of the GCP Cloud Routers.
     * @default 65010
     */
    readonly gcpAsn?: number;
    /**
     * Amazon-side ASN per AWS site name. AWS cannot change it on an existing gateway.
     * @default - 64512 for every site
     */
    readonly awsAsns?: Readonly<Record<string, number>>;
}

/**
 * Every AWS↔GCP VPN the topology needs (`crossCloudLinks`): hubs created once per GCP region and per AWS
 * VPC, a `CrossCloudVpn` per link. Nothing is created for sites that need no cross-cloud traffic.
 */
export class CrossCloudVpns extends pulumi.ComponentResource {
    public readonly links: readonly CrossCloudLink[];
    /** Per GCP region. */
    public readonly gcpHubs: Readonly<Record<string, GcpVpnHub>>;
    /** Per AWS site name. */
    public readonly awsHubs: Readonly<Record<string, AwsVpnHub>>;
    /** Per link key (`<awsSite>-<gcpRegion>`). */
    public readonly vpns: Readonly<Record<string, CrossCloudVpn>>;

    constructor(name: string, args: CrossCloudVpnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:connectivity:CrossCloudVpns", name, {}, opts);
        this.links = crossCloudLinks(args.topology);
        const gcpHubs: Record<string, GcpVpnHub> = {};
        const awsHubs: Record<string, AwsVpnHub> = {};
        const vpns: Record<string, CrossCloudVpn> = {};
        for (const link of this.links) {
            const awsNetwork = args.awsNetworks[link.awsSite.name];
            if (!awsNetwork) throw new Error(`CrossCloudVpns ${name}: no AWS network for site ${link.awsSite.name} (needed for ${link.key})`);
            // Names fit GCE's limit with the longest child suffix ("-router", "-tunnel-3").
            const gcpHub = (gcpHubs[link.gcpRegion] ??= new GcpVpnHub(
                fitName(`${name}-gcp-${link.gcpRegion}`, GCP_MAX_LOGICAL_NAME - "-router".length),
                { topology: args.topology, network: args.gcpNetwork, region: link.gcpRegion, asn: args.gcpAsn, provider: args.gcpProvider },
                { parent: this },
            ));
            const awsHub = (awsHubs[link.awsSite.name] ??= new AwsVpnHub(
                `${name}-aws-${link.awsSite.name}`,
                { network: awsNetwork, asn: args.awsAsns?.[link.awsSite.name], identity: { environment: args.topology.environment, site: link.awsSite.name } },
                { parent: this },
            ));
            vpns[link.key] = new CrossCloudVpn(
                fitName(`${name}-${link.key}`, GCP_MAX_LOGICAL_NAME - "-tunnel-3".length),
                { link, environment: args.topology.environment, gcpHub, awsHub, network: args.gcpNetwork, gcpProvider: args.gcpProvider },
                { parent: this },
            );
        }
        this.gcpHubs = gcpHubs;
        this.awsHubs = awsHubs;
        this.vpns = vpns;
        this.registerOutputs({ links: this.links.map((l) => l.key) });
    }
}
