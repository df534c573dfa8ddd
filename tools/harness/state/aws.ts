/**
 * Mock state for `aws:*` resource types: the outputs AWS computes that the program reads. The harness
 * returns the inputs merged with these, so only computed fields are listed (and fields whose output
 * shape differs from the input, like `vpcConfig`). Everything is deterministic per resource name.
 */
import { MOCK_ACCOUNT_ID, record, seedBytes, seedHex, StateFn, str } from "./util";


/** Region used in ARNs when a resource has no explicit `region` input (the provider's is not visible here). */
const DEFAULT_REGION = "eu-west-1";

function regionOf(inputs: Record<string, unknown>): string {
    return str(inputs.region) ?? DEFAULT_REGION;
}

/** A deterministic address in TEST-NET-3 (203.0.113.0/24, RFC 5737): public-looking, never routable. */
export function mockPublicIp(name: string): string {
    return `203.0.113.${(seedBytes(`public/${name}`)[0] % 254) + 1}`;
}

/** A deterministic /30 inside 169.254.0.0/16 (AWS tunnel inside ranges); returns its first address. */
function insideBase(name: string): number {
    const d = seedBytes(`inside/${name}`);
    return (169 << 24) + (254 << 16) + (d[0] << 8) + (d[1] & 0xfc);
}

function ipv4(n: number): string {
    return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** AWS: in a tunnel's inside /30, the virtual private gateway has the first host, the customer gateway the second. */
function insideAddresses(inputs: Record<string, unknown>, tunnel: 1 | 2, name: string): { cgw: string; vgw: string } {
    const given = str(inputs[`tunnel${tunnel}InsideCidr`]);
    let base = insideBase(`${name}/${tunnel}`);
    if (given) {
        const [addr] = given.split("/");
        const parts = addr.split(".").map(Number);
        base = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
    }
    return { vgw: ipv4(base + 1), cgw: ipv4(base + 2) };
}

const iamNamed =
    (kind: string): StateFn =>
    (inputs, name) => {
        const n = str(inputs.name) ?? name;
        return { name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:${kind}/${n}`, uniqueId: `AROA${seedHex(name, 16).toUpperCase()}` };
    };

const vpnConnection: StateFn = (inputs, name) => {
    const t1 = insideAddresses(inputs, 1, name);
    const t2 = insideAddresses(inputs, 2, name);
    const out: Record<string, unknown> = {
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:vpn-connection/vpn-${seedHex(name, 17)}`,
        tunnel1Address: mockPublicIp(`${name}/1`),
        tunnel2Address: mockPublicIp(`${name}/2`),
        tunnel1CgwInsideAddress: t1.cgw,
        tunnel1VgwInsideAddress: t1.vgw,
        tunnel2CgwInsideAddress: t2.cgw,
        tunnel2VgwInsideAddress: t2.vgw,
        // The tunnels' BGP ASN is the AWS side's (the VPN gateway's amazonSideAsn, 64512 by default).
        tunnel1BgpAsn: "64512",
        tunnel2BgpAsn: "64512",
    };
    // Keep preshared keys the program passed (secrets stay wrapped in the merged inputs); AWS generates them otherwise.
    if (inputs.tunnel1PresharedKey === undefined) out.tunnel1PresharedKey = `mockpsk1${seedHex(`${name}/psk1`, 24)}`;
    if (inputs.tunnel2PresharedKey === undefined) out.tunnel2PresharedKey = `mockpsk2${seedHex(`${name}/psk2`, 24)}`;
    return out;
};

/** Mock state for `aws:*` resource types. */
export const STATE: Record<string, StateFn> = {
    // --- network ---
    "aws:ec2/vpc:Vpc": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:vpc/vpc-${seedHex(name, 17)}`,
        ownerId: MOCK_ACCOUNT_ID,
        mainRouteTableId: `rtb-${seedHex(`${name}/main`, 17)}`,
        defaultRouteTableId: `rtb-${seedHex(`${name}/main`, 17)}`,
        defaultSecurityGroupId: `sg-${seedHex(`${name}/default`, 17)}`,
        defaultNetworkAclId: `acl-${seedHex(`${name}/default`, 17)}`,
    }),
    "aws:ec2/subnet:Subnet": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:subnet/subnet-${seedHex(name, 17)}`,
        ownerId: MOCK_ACCOUNT_ID,
    }),
    "aws:ec2/internetGateway:InternetGateway": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:internet-gateway/igw-${seedHex(name, 17)}`,
        ownerId: MOCK_ACCOUNT_ID,
    }),
    "aws:ec2/eip:Eip": (_inputs, name) => ({
        allocationId: `eipalloc-${seedHex(name, 17)}`,
        publicIp: mockPublicIp(name),
        domain: "vpc",
    }),
    "aws:ec2/natGateway:NatGateway": (_inputs, name) => ({
        publicIp: mockPublicIp(`nat/${name}`),
        privateIp: `10.255.${seedBytes(name)[0]}.${(seedBytes(name)[1] % 253) + 1}`,
        networkInterfaceId: `eni-${seedHex(name, 17)}`,
        connectivityType: "public",
    }),
    "aws:ec2/routeTable:RouteTable": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:route-table/rtb-${seedHex(name, 17)}`,
        ownerId: MOCK_ACCOUNT_ID,
    }),
    "aws:ec2/route:Route": () => ({ state: "active", origin: "CreateRoute" }),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": (inputs) => ({
        acceptStatus: inputs.autoAccept === true ? "active" : "pending-acceptance",
        peerOwnerId: str(inputs.peerOwnerId) ?? MOCK_ACCOUNT_ID,
        peerRegion: str(inputs.peerRegion) ?? DEFAULT_REGION,
    }),
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": () => ({ acceptStatus: "active", peerOwnerId: MOCK_ACCOUNT_ID }),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:security-group-rule/sgr-${seedHex(name, 17)}`,
        securityGroupRuleId: `sgr-${seedHex(name, 17)}`,
    }),
    "aws:ec2/securityGroup:SecurityGroup": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:security-group/sg-${seedHex(name, 17)}`,
        ownerId: MOCK_ACCOUNT_ID,
    }),

    // --- VPN (AWS side of the cross-cloud VPN) ---
    "aws:ec2/vpnGateway:VpnGateway": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:vpn-gateway/vgw-${seedHex(name, 17)}`,
        amazonSideAsn: str(inputs.amazonSideAsn) ?? "64512",
    }),
    "aws:ec2/customerGateway:CustomerGateway": (inputs, name) => ({
        arn: `arn:aws:ec2:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:customer-gateway/cgw-${seedHex(name, 17)}`,
    }),
    "aws:ec2/vpnConnection:VpnConnection": vpnConnection,

    // --- IAM / KMS ---
    "aws:iam/role:Role": iamNamed("role"),
    "aws:iam/policy:Policy": iamNamed("policy"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (inputs, name) => ({
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${(str(inputs.url) ?? name).replace(/^https:\/\//, "")}`,
    }),
    "aws:kms/key:Key": (inputs, name) => {
        const h = seedHex(name, 32);
        const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        return { keyId, arn: `arn:aws:kms:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:key/${keyId}` };
    },
    "aws:kms/alias:Alias": (inputs, name) => ({
        arn: `arn:aws:kms:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:${str(inputs.name) ?? `alias/${name}`}`,
        targetKeyArn: `arn:aws:kms:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:key/${str(inputs.targetKeyId) ?? "unknown"}`,
    }),

    // --- EKS ---
    "aws:eks/cluster:Cluster": (inputs, name) => {
        const region = regionOf(inputs);
        const clusterName = str(inputs.name) ?? name;
        const id = seedHex(`oidc/${name}`, 32).toUpperCase();
        return {
            name: clusterName,
            arn: `arn:aws:eks:${region}:${MOCK_ACCOUNT_ID}:cluster/${clusterName}`,
            endpoint: `https://${seedHex(`endpoint/${name}`, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
            certificateAuthority: { data: Buffer.from(`mock CA of ${clusterName}`).toString("base64") },
            identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${id}` }] }],
            vpcConfig: { ...record(inputs.vpcConfig), clusterSecurityGroupId: `sg-${seedHex(`cluster-sg/${name}`, 17)}`, vpcId: `vpc-${seedHex(`vpc/${name}`, 17)}` },
            platformVersion: "eks.1",
            status: "ACTIVE",
            version: str(inputs.version) ?? "1.33",
        };
    },
    "aws:eks/nodeGroup:NodeGroup": (inputs, name) => {
        const ng = str(inputs.nodeGroupName) ?? name;
        return {
            nodeGroupName: ng,
            arn: `arn:aws:eks:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:nodegroup/${str(inputs.clusterName) ?? "cluster"}/${ng}/${seedHex(name, 8)}`,
            status: "ACTIVE",
            resources: [{ autoscalingGroups: [{ name: `eks-${ng}-${seedHex(name, 8)}` }], remoteAccessSecurityGroupId: "" }],
        };
    },
    "aws:eks/addon:Addon": (inputs, name) => ({
        arn: `arn:aws:eks:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:addon/${str(inputs.clusterName) ?? "cluster"}/${str(inputs.addonName) ?? name}/${seedHex(name, 8)}`,
        addonVersion: str(inputs.addonVersion) ?? "v1.0.0-eksbuild.1",
    }),

    // --- backups: S3 bucket (autonamed like the engine: name, dash, 7 characters), DLM ---
    "aws:s3/bucket:Bucket": (inputs, name) => {
        const bucket = str(inputs.bucket) ?? `${name}-${seedHex(`bucket/${name}`, 7)}`;
        return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, region: regionOf(inputs) };
    },
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": (inputs, name) => ({
        arn: `arn:aws:dlm:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:policy/policy-${seedHex(name, 17)}`,
    }),

    // --- Elastic Load Balancing (the EKS nodes' NLBs) ---
    "aws:lb/loadBalancer:LoadBalancer": (inputs, name) => {
        const lbName = str(inputs.name) ?? name;
        const region = regionOf(inputs);
        return {
            name: lbName,
            arn: `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:loadbalancer/net/${lbName}/${seedHex(name, 16)}`,
            dnsName: `${lbName}-${seedHex(`dns/${name}`, 16)}.elb.${region}.amazonaws.com`,
            zoneId: "Z2IFOLAFXWLO4F",
        };
    },
    "aws:lb/targetGroup:TargetGroup": (inputs, name) => ({
        arn: `arn:aws:elasticloadbalancing:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:targetgroup/${str(inputs.name) ?? name}/${seedHex(name, 16)}`,
    }),
    "aws:lb/listener:Listener": (inputs, name) => ({
        arn: `arn:aws:elasticloadbalancing:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:listener/net/${seedHex(name, 16)}`,
    }),

    // --- Route 53 ---
    "aws:route53/zone:Zone": (_inputs, name) => {
        const zoneId = `Z${seedHex(name, 20).toUpperCase()}`;
        return { zoneId, arn: `arn:aws:route53:::hostedzone/${zoneId}`, nameServers: [], primaryNameServer: "" };
    },
    "aws:route53/record:Record": (inputs) => ({ fqdn: str(inputs.name) ?? "" }),
};

