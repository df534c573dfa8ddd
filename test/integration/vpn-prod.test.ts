/**
 * The cross-cloud VPN of `Pulumi.prod.yaml` (AWS eu-west-1 and us-east-1 to GCP europe-west4) under mocks:
 * the networks and the VPNs rendered from the stack file's topology, checked on their actual inputs.
 */
import assert from "node:assert/strict";
import { crossCloudLinks } from "../../components/connectivity/vpnPlan";
import { loadTopologyOrThrow } from "../../components/topology/load";
import { Topology } from "../../components/topology/model";
import { readStackFile, stackConfigFromFile } from "../../tools/config/stackFile";
import { assertUniqueUrns, containsSecretWrapper, countByType, MockRun, ofType, outputValue, ResourceRecord, runUnderMocks, unwrapSecrets } from "../../tools/harness/mocks";
import { vpnProgram } from "../support/cloudPrograms";

function prodTopology(): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile("prod"));
    return loadTopologyOrThrow(raw, options).topology;
}

const byName = (records: ResourceRecord[], type: string) => Object.fromEntries(ofType(records, type).map((r) => [r.name, r]));

describe("cross-cloud VPN of Pulumi.prod.yaml under mocks", () => {
    let topology: Topology;
    let run: MockRun<ReturnType<typeof vpnProgram>>;

    before(async () => {
        topology = prodTopology();
        run = await runUnderMocks({ stack: "prod" }, () => vpnProgram(topology));
    });

    it("creates shared hubs once and a VPN per link, each URN once", () => {
        assertUniqueUrns(run.records);
        assert.ok(run.records.every((r) => r.urn !== ""));
        const counts = countByType(run.records);
        const vpnTypes = Object.fromEntries(
            Object.entries(counts).filter(([t]) => /VpnHub|CrossCloudVpn|haVpnGateway|externalVpnGateway|vPNTunnel|routerInterface|routerPeer|vpnGateway|customerGateway|vpnConnection|randomPassword/.test(t)),
        );
        assert.deepEqual(vpnTypes, {
            "aws:ec2/customerGateway:CustomerGateway": 4,
            "aws:ec2/vpnConnection:VpnConnection": 4,
            "aws:ec2/vpnGateway:VpnGateway": 2,
            "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": 3,
            "axonserver:connectivity:AwsVpnHub": 2,
            "axonserver:connectivity:CrossCloudVpn": 2,
            "axonserver:connectivity:CrossCloudVpns": 1,
            "axonserver:connectivity:GcpVpnHub": 1,
            "gcp:compute/externalVpnGateway:ExternalVpnGateway": 2,
            "gcp:compute/haVpnGateway:HaVpnGateway": 1,
            "gcp:compute/routerInterface:RouterInterface": 8,
            "gcp:compute/routerPeer:RouterPeer": 8,
            "gcp:compute/vPNTunnel:VPNTunnel": 8,
            "random:index/randomPassword:RandomPassword": 8,
        });
        // The NAT router of GcpNetwork plus the hub's BGP router.
        assert.equal(counts["gcp:compute/router:Router"], 2);
        // The second AWS VPC reuses the region's hub.
        assert.deepEqual(Object.keys(run.result.vpns.gcpHubs), ["europe-west4"]);
        assert.deepEqual(Object.keys(run.result.vpns.awsHubs), ["aws-euw1", "aws-use1"]);
    });

    it("gives the GCP hub an HA VPN gateway and a Cloud Router advertising all subnets over BGP", () => {
        const gw = byName(run.records, "gcp:compute/haVpnGateway:HaVpnGateway")["prod-vpn-gcp-europe-west4-gw"];
        assert.equal(gw.inputs.region, "europe-west4");
        const router = byName(run.records, "gcp:compute/router:Router")["prod-vpn-gcp-europe-west4-router"];
        assert.equal(router.inputs.region, "europe-west4");
        assert.deepEqual(router.inputs.bgp, {
            asn: 65010,
            advertiseMode: "CUSTOM",
            advertisedGroups: ["ALL_SUBNETS"],
            advertisedIpRanges: [{ range: "10.30.0.0/16", description: "Axon Server site gcp-euw4" }],
        });
        const vpc = byName(run.records, "gcp:compute/network:Network")["prod-gcp-vpc"];
        assert.ok(gw.dependencies.includes(vpc.urn) && router.dependencies.includes(vpc.urn));
    });

    it("attaches a virtual private gateway per VPC and propagates into every private route table", () => {
        const vgws = byName(run.records, "aws:ec2/vpnGateway:VpnGateway");
        assert.deepEqual(Object.keys(vgws).sort(), ["prod-vpn-aws-aws-euw1-vgw", "prod-vpn-aws-aws-use1-vgw"]);
        for (const [site, vgw] of [["aws-euw1", vgws["prod-vpn-aws-aws-euw1-vgw"]], ["aws-use1", vgws["prod-vpn-aws-aws-use1-vgw"]]] as const) {
            assert.equal(vgw.inputs.amazonSideAsn, "64512");
            const vpc = byName(run.records, "aws:ec2/vpc:Vpc")[`prod-${site}-vpc`];
            assert.ok(vgw.dependencies.includes(vpc.urn), `${site} gateway attached to its VPC`);
            const provider = ofType(run.records, "pulumi:providers:aws").find((p) => p.name === `aws-${topology.sites.find((s) => s.name === site)!.region}`)!;
            assert.ok(vgw.provider.startsWith(provider.urn), `${site} gateway in the site's region`);
        }
        const props = ofType(run.records, "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation");
        const privateTables = ofType(run.records, "aws:ec2/routeTable:RouteTable").filter((r) => /private/.test(r.name));
        assert.equal(privateTables.length, 3);
        for (const rt of privateTables) assert.equal(props.filter((p) => p.dependencies.includes(rt.urn)).length, 1, rt.name);
    });

    it("builds, per link, 2 customer gateways on the HA interfaces and 2 dynamic IKEv2 connections with our inside ranges", async () => {
        const hub = run.result.vpns.gcpHubs["europe-west4"];
        const haIps = (await outputValue(hub.gateway.vpnInterfaces)).map((i) => i.ipAddress);
        assert.equal(haIps.length, 2);
        const cgws = byName(run.records, "aws:ec2/customerGateway:CustomerGateway");
        const conns = byName(run.records, "aws:ec2/vpnConnection:VpnConnection");
        for (const link of crossCloudLinks(topology)) {
            const name = `prod-vpn-${link.key}`;
            for (const i of [0, 1]) {
                const cgw = cgws[`${name}-cgw-${i}`];
                assert.deepEqual([cgw.inputs.ipAddress, cgw.inputs.bgpAsn, cgw.inputs.type], [haIps[i], "65010", "ipsec.1"]);
                const conn = conns[`${name}-conn-${i}`];
                const [t1, t2] = link.tunnels.filter((t) => t.connection === i);
                assert.equal(conn.inputs.type, "ipsec.1");
                assert.equal(conn.inputs.staticRoutesOnly, false);
                assert.equal(conn.inputs.tunnel1InsideCidr, t1.insideCidr);
                assert.equal(conn.inputs.tunnel2InsideCidr, t2.insideCidr);
                assert.deepEqual([conn.inputs.tunnel1IkeVersions, conn.inputs.tunnel2IkeVersions], [["ikev2"], ["ikev2"]]);
                assert.ok(conn.dependencies.includes(cgw.urn), "connection uses its customer gateway");
                const vgw = byName(run.records, "aws:ec2/vpnGateway:VpnGateway")[`prod-vpn-aws-${link.awsSite.name}-vgw`];
                assert.ok(conn.dependencies.includes(vgw.urn), "connection terminates on the VPC's gateway");
                for (const key of [conn.inputs.tunnel1PresharedKey, conn.inputs.tunnel2PresharedKey]) {
                    assert.ok(containsSecretWrapper(key), "preshared key is a secret");
                    const value = String(unwrapSecrets(key));
                    assert.match(value, /^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/, "AWS charset, 8-64 characters, no leading 0");
                }
            }
        }
    });

    it("peers GCP with the four AWS tunnel addresses: FOUR_IPS_REDUNDANCY, 4 tunnels 0,0,1,1 → 0..3 with matching secrets", async () => {
        const exts = byName(run.records, "gcp:compute/externalVpnGateway:ExternalVpnGateway");
        const tunnels = byName(run.records, "gcp:compute/vPNTunnel:VPNTunnel");
        const conns = byName(run.records, "aws:ec2/vpnConnection:VpnConnection");
        for (const link of crossCloudLinks(topology)) {
            const name = `prod-vpn-${link.key}`;
            const vpn = run.result.vpns.vpns[link.key];
            const addresses = [
                await outputValue(vpn.connections[0].tunnel1Address),
                await outputValue(vpn.connections[0].tunnel2Address),
                await outputValue(vpn.connections[1].tunnel1Address),
                await outputValue(vpn.connections[1].tunnel2Address),
            ];
            assert.equal(new Set(addresses).size, 4);
            const ext = exts[`${name}-peer-gw`];
            assert.equal(ext.inputs.redundancyType, "FOUR_IPS_REDUNDANCY");
            assert.deepEqual(ext.inputs.interfaces, addresses.map((ipAddress, id) => ({ id, ipAddress })));

            const mine = [0, 1, 2, 3].map((i) => tunnels[`${name}-tunnel-${i}`]);
            assert.deepEqual(mine.map((t) => t.inputs.vpnGatewayInterface), [0, 0, 1, 1]);
            assert.deepEqual(mine.map((t) => t.inputs.peerExternalGatewayInterface), [0, 1, 2, 3]);
            const hubGw = byName(run.records, "gcp:compute/haVpnGateway:HaVpnGateway")["prod-vpn-gcp-europe-west4-gw"];
            const hubRouter = byName(run.records, "gcp:compute/router:Router")["prod-vpn-gcp-europe-west4-router"];
            for (const [i, t] of mine.entries()) {
                assert.equal(t.inputs.ikeVersion, 2);
                assert.equal(t.inputs.region, "europe-west4");
                assert.ok([hubGw.urn, hubRouter.urn, ext.urn].every((u) => t.dependencies.includes(u)), "tunnel on the hub gateway, router and peer gateway");
                assert.ok(containsSecretWrapper(t.inputs.sharedSecret), "shared secret is a secret");
                const plan = link.tunnels[i];
                const conn = conns[`${name}-conn-${plan.connection}`];
                assert.equal(unwrapSecrets(t.inputs.sharedSecret), unwrapSecrets(conn.inputs[`tunnel${plan.awsTunnel}PresharedKey`]), "same key on both ends");
            }
            const secrets = mine.map((t) => unwrapSecrets(t.inputs.sharedSecret));
            assert.equal(new Set(secrets).size, 4, "a key per tunnel");
        }
    });

    it("wires the resources of both clouds by id", () => {
        const name = "prod-vpn-aws-euw1-europe-west4";
        const tunnel = byName(run.records, "gcp:compute/vPNTunnel:VPNTunnel")[`${name}-tunnel-0`];
        assert.deepEqual([tunnel.inputs.vpnGateway, tunnel.inputs.peerExternalGateway, tunnel.inputs.router], [
            "prod-vpn-gcp-europe-west4-gw-id",
            `${name}-peer-gw-id`,
            "prod-vpn-gcp-europe-west4-router-id",
        ]);
        const conn = byName(run.records, "aws:ec2/vpnConnection:VpnConnection")[`${name}-conn-0`];
        assert.deepEqual([conn.inputs.customerGatewayId, conn.inputs.vpnGatewayId], [`${name}-cgw-0-id`, "prod-vpn-aws-aws-euw1-vgw-id"]);
        const vgw = byName(run.records, "aws:ec2/vpnGateway:VpnGateway")["prod-vpn-aws-aws-euw1-vgw"];
        assert.equal(vgw.inputs.vpcId, "prod-aws-euw1-vpc-id");
        const propagated = ofType(run.records, "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")
            .map((p) => [p.inputs.vpnGatewayId, p.inputs.routeTableId])
            .sort();
        assert.deepEqual(propagated, [
            ["prod-vpn-aws-aws-euw1-vgw-id", "prod-aws-euw1-private-rt-eu-west-1a-id"],
            ["prod-vpn-aws-aws-euw1-vgw-id", "prod-aws-euw1-private-rt-eu-west-1b-id"],
            ["prod-vpn-aws-aws-use1-vgw-id", "prod-aws-use1-private-rt-us-east-1a-id"],
        ]);
    });

    it("runs a BGP session per tunnel with the AWS inside addresses and ASN", async () => {
        const ifaces = byName(run.records, "gcp:compute/routerInterface:RouterInterface");
        const peers = byName(run.records, "gcp:compute/routerPeer:RouterPeer");
        for (const link of crossCloudLinks(topology)) {
            const name = `prod-vpn-${link.key}`;
            const vpn = run.result.vpns.vpns[link.key];
            for (const t of link.tunnels) {
                const iface = ifaces[`${name}-if-${t.index}`];
                assert.equal(iface.inputs.ipRange, `${t.cgwInsideIp}/30`);
                assert.equal(iface.inputs.router, "prod-vpn-gcp-europe-west4-router");
                assert.equal(iface.inputs.vpnTunnel, `${name}-tunnel-${t.index}`);
                assert.equal(iface.inputs.region, "europe-west4");
                const peer = peers[`${name}-bgp-${t.index}`];
                assert.equal(peer.inputs.peerIpAddress, t.vgwInsideIp);
                assert.equal(peer.inputs.peerAsn, 64512);
                assert.equal(peer.inputs.interface, `${name}-if-${t.index}`);
                assert.equal(peer.inputs.router, "prod-vpn-gcp-europe-west4-router");
                // AWS reports the same inside addresses for the tunnel.
                const conn = vpn.connections[t.connection];
                const [cgw, vgw] = t.awsTunnel === 1 ? [conn.tunnel1CgwInsideAddress, conn.tunnel1VgwInsideAddress] : [conn.tunnel2CgwInsideAddress, conn.tunnel2VgwInsideAddress];
                assert.deepEqual([await outputValue(cgw), await outputValue(vgw)], [t.cgwInsideIp, t.vgwInsideIp]);
            }
        }
        const ranges = Object.values(ifaces).map((r) => r.inputs.ipRange);
        assert.equal(new Set(ranges).size, 8, "no inside range reused on the shared Cloud Router");
    });
});
