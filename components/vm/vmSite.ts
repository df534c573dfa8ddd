/**
 * A VM site: where Axon Server nodes run as plain EC2 instances or Compute Engine VMs instead of pods.
 *
 * The site owns what its nodes share: the network placement and the firewall. Every node then brings its
 * own instance, data disk, identity and secrets (`VmAxonServerNode`).
 *
 * - AWS: a security group per site with the Axon ports from `sitePortRules` (8224 from peer sites, 8124
 *   from client ranges, 8024 from admin ranges and the Kubernetes sites whose gate and roller Jobs ask
 *   these VMs, `gateSitesOfVmSite`; never port 22, never `0.0.0.0/0`) and all egress (jar
 *   download, package mirrors, Secrets Manager through the NAT gateway). Shell access is AWS Systems
 *   Manager Session Manager (the node role gets `AmazonSSMManagedInstanceCore`), not SSH.
 * - GCP: the site's subnet of the environment's `GcpNetwork` and `GcpFirewall` rules on the site's network
 *   tag. Shell access is OS Login (`enable-oslogin` on every VM); IAP TCP forwarding for SSH is opt-in
 *   (`allowIapSsh`), and then port 22 opens to Google's IAP range only.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AwsNetwork, awsSiteTags } from "../aws/awsNetwork";
import { AwsIngressRules } from "../aws/securityGroups";
import { GcpFirewall } from "../gcp/firewall";
import { GcpNetwork } from "../gcp/gcpNetwork";
import { gcpSiteNetworkTag } from "../gcp/ranges";
import { PortRule, sitePortRules } from "../topology/connectivity";
import { Site, Topology } from "../topology/model";

/** AL2023 AMI through the SSM public parameter, resolved by EC2 at launch (documented for `aws.ec2.Instance.ami`). */
export const AL2023_AMI = {
    x86_64: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    arm64: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
} as const;

/** Debian 12 image family on Compute Engine (ships the guest agent and the Google Cloud CLI). */
export const DEBIAN_12_IMAGE = "debian-cloud/debian-12";

/** Source range of IAP TCP forwarding (Google Cloud IAP documentation). */
export const IAP_TCP_FORWARDING_RANGE = "35.235.240.0/20";

/**
 * Graviton instance families carry a `g` right after the generation (`m7g`, `c7gn`, `r8g`, `t4g`, `im4gn`):
 * they need the arm64 AMI.
 */
export function ec2Architecture(instanceType: string): "x86_64" | "arm64" {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? "arm64" : "x86_64";
}

export interface VmSiteArgs {
    /** The environment's topology: the site's port rules, names and tags come from it. */
    readonly topology: Topology;
    /** A `platform: vm` site on `aws` or `gcp`. */
    readonly site: Site;
    /**
     * The site's network, built by the stack: `AwsNetwork` of this site (AWS), or the environment's
     * `GcpNetwork` (GCP), whose `subnets[site.name]` the VMs use.
     */
    readonly network: AwsNetwork | GcpNetwork;
    /**
     * AWS: AMI of the instances (the script needs Amazon Linux 2023's `dnf` and `aws` CLI). GCP: boot
     * image (the script needs `apt-get` and `gcloud`).
     * @default - AWS: the latest Amazon Linux 2023 for the instance type's architecture through
     * `resolve:ssm:`; GCP: `debian-cloud/debian-12`
     */
    readonly image?: string;
    /**
     * GCP only: open port 22 to IAP TCP forwarding (`gcloud compute ssh --tunnel-through-iap`).
     * @default false
     */
    readonly allowIapSsh?: boolean;
}

/** What a node needs from its AWS site. */
export interface AwsVmPlacement {
    readonly cloud: "aws";
    readonly provider: aws.Provider;
    readonly network: AwsNetwork;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly ami: string;
    /** Resources a node's instance waits for (the site's ingress/egress rules). */
    readonly readyResources: readonly pulumi.Resource[];
}

/** What a node needs from its GCP site. */
export interface GcpVmPlacement {
    readonly cloud: "gcp";
    readonly provider: gcp.Provider;
    readonly network: GcpNetwork;
    readonly subnetwork: gcp.compute.Subnetwork;
    readonly project: string;
    /** Network tag the firewall rules target. */
    readonly networkTag: string;
    readonly image: string;
    readonly readyResources: readonly pulumi.Resource[];
}

export class VmSite extends pulumi.ComponentResource {
    public readonly topology: Topology;
    public readonly site: Site;
    /** The port rules the firewall was built from. */
    public readonly portRules: readonly PortRule[];
    public readonly placement: AwsVmPlacement | GcpVmPlacement;

    constructor(name: string, args: VmSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:vm:VmSite", name, {}, opts);
        const { topology, site } = args;
        if (site.platform !== "vm") throw new Error(`VmSite ${name}: site ${site.name} has platform ${site.platform}, not vm`);
        this.topology = topology;
        this.site = site;
        this.portRules = sitePortRules(topology, site);

        if (site.cloud === "aws") {
            if (!(args.network instanceof AwsNetwork)) throw new Error(`VmSite ${name}: AWS site ${site.name} needs its AwsNetwork`);
            if (args.allowIapSsh) throw new Error(`VmSite ${name}: allowIapSsh is a GCP option; AWS VMs use SSM Session Manager`);
            this.placement = this.awsSite(name, args, args.network);
        } else if (site.cloud === "gcp") {
            if (!(args.network instanceof GcpNetwork)) throw new Error(`VmSite ${name}: GCP site ${site.name} needs the environment's GcpNetwork`);
            this.placement = this.gcpSite(name, args, args.network);
        } else {
            throw new Error(`VmSite ${name}: site ${site.name} is on ${site.cloud}; VMs run on aws or gcp`);
        }
        this.registerOutputs({ portRules: this.portRules });
    }

    private awsSite(name: string, args: VmSiteArgs, network: AwsNetwork): AwsVmPlacement {
        const { topology, site } = args;
        if (network.site.name !== site.name) throw new Error(`VmSite ${name}: AwsNetwork of ${network.site.name} given for site ${site.name}`);
        const provider = network.provider;
        const o: pulumi.CustomResourceOptions = { parent: this, provider };
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: network.vpc.id,
                description: `Axon Server VMs of ${topology.environment}/${site.name}`,
                // Rules are separate resources; an inline block would fight with them.
                revokeRulesOnDelete: true,
                tags: awsSiteTags(topology, site, `${name}-sg`),
            },
            o,
        );
        const ingress = new AwsIngressRules(
            `${name}-ingress`,
            { securityGroupId: securityGroup.id, rules: this.portRules, provider, tags: awsSiteTags(topology, site, `${name}-ingress`) },
            { parent: this },
        );
        // AWS's default allow-all egress rule is removed by the provider when it creates a group: add it back
        // explicitly. Outbound only: jar download, OS packages, Secrets Manager, SSM.
        const egress = new aws.vpc.SecurityGroupEgressRule(
            `${name}-egress-all`,
            {
                securityGroupId: securityGroup.id,
                ipProtocol: "-1",
                cidrIpv4: "0.0.0.0/0",
                description: "All outbound: downloads, Secrets Manager, Systems Manager",
                tags: awsSiteTags(topology, site, `${name}-egress-all`),
            },
            o,
        );
        return {
            cloud: "aws",
            provider,
            network,
            securityGroup,
            ami: args.image ?? AL2023_AMI[ec2Architecture(site.cluster.machineType)],
            readyResources: [...ingress.rules, egress],
        };
    }

    private gcpSite(name: string, args: VmSiteArgs, network: GcpNetwork): GcpVmPlacement {
        const { topology, site } = args;
        const subnetwork = network.subnets[site.name];
        if (!subnetwork) throw new Error(`VmSite ${name}: GcpNetwork has no subnet for site ${site.name}`);
        const provider = network.provider;
        const networkTag = gcpSiteNetworkTag(topology, site.name);
        const firewall = new GcpFirewall(`${name}-fw`, { topology, site, network, provider }, { parent: this });
        const ready: pulumi.Resource[] = Object.values(firewall.rules);
        if (args.allowIapSsh) {
            ready.push(
                new gcp.compute.Firewall(
                    `${name}-iap-ssh`,
                    {
                        project: network.project,
                        network: network.network.selfLink,
                        direction: "INGRESS",
                        description: `SSH through IAP TCP forwarding to Axon Server VMs (${topology.environment}/${site.name})`,
                        sourceRanges: [IAP_TCP_FORWARDING_RANGE],
                        targetTags: [networkTag],
                        allows: [{ protocol: "tcp", ports: ["22"] }],
                    },
                    { parent: this, provider },
                ),
            );
        }
        return {
            cloud: "gcp",
            provider,
            network,
            subnetwork,
            project: network.project,
            networkTag,
            image: args.image ?? DEBIAN_12_IMAGE,
            readyResources: ready,
        };
    }
}
