/**
 * VM sites under the shared mock harness: the prod stack's `aws-use1` EC2 site and a Compute Engine
 * fixture. Asserts the real inputs of instances, data disks, attachments, firewall rules, IAM and
 * secrets, that no secret value reaches user data or startup scripts, counts per type and unique URNs.
 */
import { gunzipSync } from "node:zlib";
import assert from "node:assert/strict";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AwsNetwork } from "../components/aws/awsNetwork";
import { AwsProviders } from "../components/aws/providers";
import { GcpNetwork } from "../components/gcp/gcpNetwork";
import { gcpSiteNetworkTag } from "../components/gcp/ranges";
import { sitePortRules } from "../components/topology/connectivity";
import { Topology } from "../components/topology/model";
import { awsDataDevice, gcpDataDevice } from "../components/vm/bootstrap";
import { VmAxonServerNode, dataDiskSizeGb } from "../components/vm/vmAxonServerNode";
import type { NodePlacement, NodeTlsMaterial } from "../components/axonserver/placement";
import { vmPlacer } from "../components/vm/vmPlacer";
import { AL2023_AMI, VmSite, ec2Architecture } from "../components/vm/vmSite";
import {
    ResourceRecord,
    assertUniqueUrns,
    containsSecretWrapper,
    countByType,
    ofType,
    outputValue,
    runUnderMocks,
    stateFor,
    unwrapSecrets,
} from "../tools/harness/mocks";
import { gcpVmTopology, prodTopology } from "./fixtures/vmTopologies";

const SECRET_VALUES = {
    admin: "ADMIN-TOKEN-4f1c0d9e8b7a6f5e4d3c2b1a",
    internal: "INTERNAL-TOKEN-9a8b7c6d5e4f3a2b1c0d",
    license: "LICENSE-CONTENT-expiry=2099-12-31;signature=abcdef",
    ca: "-----BEGIN CERTIFICATE-----\nCA-CERT-MATERIAL\n-----END CERTIFICATE-----\n",
    cert: "-----BEGIN CERTIFICATE-----\nNODE-CERT-MATERIAL\n-----END CERTIFICATE-----\n",
    key: "-----BEGIN PRIVATE KEY-----\nNODE-KEY-MATERIAL\n-----END PRIVATE KEY-----\n",
};
const ALL_SECRET_TEXTS = [SECRET_VALUES.admin, SECRET_VALUES.internal, SECRET_VALUES.license, "CA-CERT-MATERIAL", "NODE-CERT-MATERIAL", "NODE-KEY-MATERIAL"];

class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:ClusterStandIn", name, {}, {});
        this.registerOutputs({});
    }
}

/** The VM placer bound to a stand-in cluster, as `AxonServerCluster` binds it. */
function vmPlacement(topology: Topology, sites: Record<string, VmSite>, secrets: { license?: boolean } = {}, parent: pulumi.ComponentResource = new Parent("cluster")): NodePlacement {
    return vmPlacer({ sites }).attach({
        name: "cluster",
        parent,
        topology,
        secrets: {
            adminToken: pulumi.secret(SECRET_VALUES.admin),
            internalToken: pulumi.secret(SECRET_VALUES.internal),
            ...(secrets.license ? { license: pulumi.secret(SECRET_VALUES.license) } : {}),
        },
    });
}
const TLS: NodeTlsMaterial = { caCertPem: pulumi.secret(SECRET_VALUES.ca), certPem: pulumi.secret(SECRET_VALUES.cert), privateKeyPem: pulumi.secret(SECRET_VALUES.key) };

const one = (records: ResourceRecord[], type: string): ResourceRecord => {
    const rs = ofType(records, type);
    assert.equal(rs.length, 1, `exactly one ${type}`);
    return rs[0];
};
const input = <T = unknown>(r: ResourceRecord, key: string): T => unwrapSecrets(r.inputs[key]) as T;
/** The mock id of a custom resource (the harness answers `<name>-id`). */
const mockId = (r: ResourceRecord) => `${r.name}-id`;
/** A computed output of a record, as the harness's state would answer it. */
const computed = (r: ResourceRecord, key: string): unknown => stateFor(r.type)(unwrapSecrets(r.inputs) as Record<string, unknown>, r.name)[key];

function requireVmState(): void {
    const probe = stateFor("aws:secretsmanager/secret:Secret")({ name: "probe" }, "probe");
    assert.ok(
        typeof probe.arn === "string",
        "tools/harness/mocks.ts does not merge tools/harness/state/vm.ts yet: add `import { STATE as VM_STATE } from \"./state/vm\"` and `...VM_STATE` to STATE_BY_TYPE",
    );
}

describe("VM sites (components/vm)", () => {
    before(requireVmState);

    describe("AWS: prod stack, site aws-use1 (EC2)", () => {
        let topology: Topology;
        let records: ResourceRecord[];
        let result: {
            node: VmAxonServerNode;
            secretRefs: Record<string, string>;
            privateIp: string;
            previousUrn: string;
            handle: { ready: readonly pulumi.Resource[]; dnsTarget: unknown; endpoint: unknown; identity: unknown; gceDisk: unknown; resourceName: string; roleName: string };
        };

        before(async () => {
            topology = prodTopology();
            const site = topology.sites.find((s) => s.name === "aws-use1")!;
            const run = await runUnderMocks({ stack: "prod" }, async () => {
                const providers = new AwsProviders("aws");
                const network = new AwsNetwork("prod-aws-use1-net", { topology, site, provider: providers.forRegion(site.region) });
                const vmSite = new VmSite("prod-aws-use1-vm", { topology, site, network });
                const parent = new Parent("cluster");
                const previous = new random.RandomPet("previous-node", {}, { parent });
                const placed = vmPlacement(topology, { [site.name]: vmSite }, { license: true }, parent).place(topology.nodes.find((n) => n.name === "axon-dr-1")!, {
                    dependsOn: [previous],
                    tls: TLS,
                });
                const node = placed.component as VmAxonServerNode;
                const machine = placed.machine!;
                return {
                    node,
                    secretRefs: await outputValue(node.secretRefs),
                    privateIp: await outputValue(node.privateIp),
                    previousUrn: await outputValue(previous.urn),
                    handle: {
                        ready: placed.ready,
                        dnsTarget: await outputValue(placed.dnsTarget!),
                        endpoint: await outputValue(placed.endpoint),
                        identity: machine.identity.cloud === "aws" ? { cloud: "aws", roleName: await outputValue(machine.identity.roleName) } : machine.identity,
                        gceDisk: machine.gceDataDiskName,
                        resourceName: machine.resourceName,
                        roleName: await outputValue(node.role!.name),
                    },
                };
            });
            records = run.records;
            result = run.result;
        });

        it("hands the cluster a handle: the node to wait for, its endpoints, a DNS record on its private IP, its instance role", () => {
            const h = result.handle;
            assert.deepEqual(h.ready, [result.node]);
            assert.deepEqual(h.dnsTarget, { ip: result.privateIp });
            assert.deepEqual(h.endpoint, {
                site: "aws-use1",
                fqdn: result.node.fqdn,
                grpc: `${result.node.fqdn}:8124`,
                http: `${result.node.fqdn}:8024`,
                internalGrpc: `${result.node.fqdn}:8224`,
            });
            assert.deepEqual(h.identity, { cloud: "aws", roleName: h.roleName });
            assert.equal(h.gceDisk, undefined, "EC2 volumes are found by the snapshot policy's tags");
            assert.equal(h.resourceName, "prod-aws-use1-axon-dr-1");
        });

        it("creates one node's worth of resources, each URN once", () => {
            assertUniqueUrns(records);
            const counts = countByType(records);
            const expected: Record<string, number> = {
                "axonserver:vm:VmSite": 1,
                "axonserver:vm:VmAxonServerNode": 1,
                "aws:ec2/securityGroup:SecurityGroup": 1,
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
                "aws:ec2/instance:Instance": 1,
                "aws:ebs/volume:Volume": 1,
                "aws:ec2/volumeAttachment:VolumeAttachment": 1,
                "aws:iam/role:Role": 1,
                "aws:iam/rolePolicy:RolePolicy": 1,
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
                "aws:iam/instanceProfile:InstanceProfile": 1,
                // system token, internal token, license, TLS cert, key and CA
                "aws:secretsmanager/secret:Secret": 6,
                "aws:secretsmanager/secretVersion:SecretVersion": 6,
            };
            for (const [type, n] of Object.entries(expected)) assert.equal(counts[type], n, type);
        });

        it("launches a private, IMDSv2-only instance with an encrypted root disk in the node's zone", () => {
            const vm = one(records, "aws:ec2/instance:Instance");
            assert.equal(vm.name, "prod-aws-use1-axon-dr-1-vm");
            assert.deepEqual(input(vm, "metadataOptions"), { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 });
            assert.equal(input<{ encrypted: boolean }>(vm, "rootBlockDevice").encrypted, true);
            assert.equal(input(vm, "associatePublicIpAddress"), false);
            assert.equal(input(vm, "instanceType"), "m7i.xlarge");
            assert.equal(input(vm, "availabilityZone"), "us-east-1a");
            assert.equal(input(vm, "ami"), AL2023_AMI.x86_64);
            assert.equal(input(vm, "userDataReplaceOnChange"), true);
            const subnet = records.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name === "prod-aws-use1-net-private-us-east-1a")!;
            assert.equal(input(vm, "subnetId"), mockId(subnet));
            assert.deepEqual(input(vm, "vpcSecurityGroupIds"), [mockId(one(records, "aws:ec2/securityGroup:SecurityGroup"))]);
            assert.equal(input(vm, "iamInstanceProfile"), "axon-prod-axon-dr-1");
            assert.ok(vm.provider.includes("aws-us-east-1"), vm.provider);
            assert.equal(vm.deleteBeforeReplace, true);
            assert.deepEqual(vm.ignoreChanges, ["ami"]);
            assert.ok(vm.dependencies.includes(result.previousUrn), "waits for the previous node of the rolling chain");
            for (const t of ["aws:secretsmanager/secretVersion:SecretVersion", "aws:iam/rolePolicy:RolePolicy"]) {
                for (const r of ofType(records, t)) assert.ok(vm.dependencies.includes(r.urn), `waits for ${r.name}`);
            }
        });

        it("user data names the secrets and the data volume but holds no secret value", () => {
            const vm = one(records, "aws:ec2/instance:Instance");
            assert.equal(containsSecretWrapper(vm.inputs.userData), false, "user data is not even secret-tainted");
            const raw = vm.inputs.userData as string;
            assert.ok(raw.startsWith("#cloud-config\n"));
            // Over 16 KB as text the script is written gz+b64 (cloud-init `write_files` encoding): check the plain text.
            const packed = /encoding: gz\+b64\n {4}content: (\S+)/.exec(raw);
            const userData = packed ? raw + gunzipSync(Buffer.from(packed[1], "base64")).toString("utf8") : raw;
            for (const text of ALL_SECRET_TEXTS) assert.ok(!userData.includes(text), `user data leaks ${text}`);
            for (const arn of Object.values(result.secretRefs)) assert.ok(userData.includes(arn), arn);
            assert.ok(userData.includes(awsDataDevice(mockId(one(records, "aws:ebs/volume:Volume")))));
            assert.ok(userData.includes('--region "us-east-1"'));
            assert.ok(userData.includes("TimeoutStopSec=180"));
        });

        it("keeps the data on one encrypted gp3 volume in the node's zone that survives destroy", () => {
            const vol = one(records, "aws:ebs/volume:Volume");
            const node = topology.nodes.find((n) => n.name === "axon-dr-1")!;
            assert.equal(input(vol, "encrypted"), true);
            assert.equal(input(vol, "availabilityZone"), "us-east-1a");
            assert.equal(input(vol, "type"), "gp3");
            assert.equal(input(vol, "size"), 200 + 10 + 20 + 1);
            assert.equal(input(vol, "size"), dataDiskSizeGb(node));
            assert.equal(vol.retainOnDelete, true);
            const att = one(records, "aws:ec2/volumeAttachment:VolumeAttachment");
            assert.equal(input(att, "deviceName"), "/dev/sdf");
            assert.equal(input(att, "stopInstanceBeforeDetaching"), true);
            assert.equal(input(att, "instanceId"), mockId(one(records, "aws:ec2/instance:Instance")));
            assert.equal(input(att, "volumeId"), mockId(vol));
        });

        // pulumi-aws ebs/volume `kmsKeyId`: "ARN for the KMS encryption key. When specifying kmsKeyId,
        // encrypted needs to be set to true." A site's `kmsKeyArn` (a key kept across destroy) encrypts the
        // VM's data volume too, so a re-created site can attach the retained volume.
        it("encrypts the data volume with the site's kmsKeyArn when one is configured", async () => {
            const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
            const t: Topology = {
                ...topology,
                sites: topology.sites.map((s) => (s.name === "aws-use1" ? { ...s, cluster: { ...s.cluster, kmsKeyArn: key } } : s)),
            };
            const site = t.sites.find((s) => s.name === "aws-use1")!;
            const run = await runUnderMocks({ stack: "prod" }, async () => {
                const providers = new AwsProviders("aws");
                const network = new AwsNetwork("prod-aws-use1-net", { topology: t, site, provider: providers.forRegion(site.region) });
                vmPlacement(t, { [site.name]: new VmSite("prod-aws-use1-vm", { topology: t, site, network }) }, { license: true }).place(t.nodes.find((n) => n.name === "axon-dr-1")!, {
                    dependsOn: [],
                    tls: TLS,
                });
            });
            const vol = one(run.records, "aws:ebs/volume:Volume");
            assert.equal(input(vol, "encrypted"), true);
            assert.equal(input(vol, "kmsKeyId"), key);
            assert.equal(input(one(records, "aws:ebs/volume:Volume"), "kmsKeyId"), undefined);
        });

        it("opens exactly the derived Axon ports, never 22 or the internet, and allows all egress", () => {
            const site = topology.sites.find((s) => s.name === "aws-use1")!;
            const sg = mockId(one(records, "aws:ec2/securityGroup:SecurityGroup"));
            const ingress = ofType(records, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => input(r, "securityGroupId") === sg);
            const got = ingress.map((r) => `${input(r, "fromPort")}-${input(r, "toPort")}/${input(r, "ipProtocol")} ${input(r, "cidrIpv4")}`).sort();
            const want = sitePortRules(topology, site)
                .flatMap((rule) => rule.cidrs.map((c) => `${rule.port}-${rule.port}/tcp ${c}`))
                .sort();
            assert.deepEqual(got, want);
            // prod: peers of group orders on 8224; admins on 8024, and the Kubernetes sites of group orders
            // (their rolling gate and roller Jobs read the VM's /actuator/health); no client connects to a
            // PASSIVE_BACKUP.
            assert.deepEqual(
                want,
                [
                    "8024-8024/tcp 10.99.0.0/24",
                    "8024-8024/tcp 10.30.0.0/16",
                    "8024-8024/tcp 10.40.0.0/16",
                    "8224-8224/tcp 10.30.0.0/16",
                    "8224-8224/tcp 10.40.0.0/16",
                    "8224-8224/tcp 10.50.0.0/16",
                ].sort(),
            );
            for (const r of ingress) {
                assert.notEqual(input(r, "fromPort"), 22);
                assert.notEqual(input(r, "cidrIpv4"), "0.0.0.0/0");
            }
            const egress = one(records, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
            assert.equal(input(egress, "ipProtocol"), "-1");
            assert.equal(input(egress, "cidrIpv4"), "0.0.0.0/0");
            assert.equal(input(egress, "securityGroupId"), sg);
        });

        it("lets the instance read exactly its own secrets, plus Session Manager", () => {
            const secrets = ofType(records, "aws:secretsmanager/secret:Secret");
            const arns = secrets.map((s) => computed(s, "arn") as string).sort();
            assert.deepEqual(Object.values(result.secretRefs).sort(), arns);
            const policy = JSON.parse(input<string>(one(records, "aws:iam/rolePolicy:RolePolicy"), "policy")) as {
                Statement: { Effect: string; Action: string; Resource: string[] }[];
            };
            assert.equal(policy.Statement.length, 1);
            assert.equal(policy.Statement[0].Effect, "Allow");
            assert.equal(policy.Statement[0].Action, "secretsmanager:GetSecretValue");
            assert.deepEqual([...policy.Statement[0].Resource].sort(), arns);
            assert.ok(arns.every((a) => a.includes(":secret:axonserver/prod/axon-dr-1/")), "only axon-dr-1's secrets");
            const role = one(records, "aws:iam/role:Role");
            assert.equal(
                (JSON.parse(input<string>(role, "assumeRolePolicy")) as { Statement: { Principal: { Service: string } }[] }).Statement[0].Principal.Service,
                "ec2.amazonaws.com",
            );
            assert.equal(input(one(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"), "policyArn"), "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
            assert.equal(input(one(records, "aws:iam/instanceProfile:InstanceProfile"), "role"), "axon-prod-axon-dr-1");
        });

        it("stores every value only as a Pulumi secret in a SecretVersion", () => {
            const versions = ofType(records, "aws:secretsmanager/secretVersion:SecretVersion");
            const byName = Object.fromEntries(versions.map((v) => [v.name.replace("prod-aws-use1-axon-dr-1-", ""), v]));
            const expected: Record<string, string> = {
                "system-token-version": SECRET_VALUES.admin,
                "internal-token-version": SECRET_VALUES.internal,
                "license-version": SECRET_VALUES.license,
                "tls-cert-version": SECRET_VALUES.cert,
                "tls-key-version": SECRET_VALUES.key,
                "tls-ca-version": SECRET_VALUES.ca,
            };
            assert.deepEqual(Object.keys(byName).sort(), Object.keys(expected).sort());
            for (const [k, value] of Object.entries(expected)) {
                assert.ok(containsSecretWrapper(byName[k].inputs.secretString), `${k} is a secret`);
                assert.equal(input(byName[k], "secretString"), value);
            }
            for (const s of ofType(records, "aws:secretsmanager/secret:Secret")) {
                assert.ok(!ALL_SECRET_TEXTS.some((t) => JSON.stringify(unwrapSecrets(s.inputs)).includes(t)), `${s.name} holds no value`);
            }
        });

        it("exposes the private address and the DNS name for the private zone", () => {
            assert.equal(result.node.fqdn, "axon-dr-1.prod.axon.internal");
            assert.equal(result.privateIp, computed(one(records, "aws:ec2/instance:Instance"), "privateIp"));
            assert.match(result.privateIp, /^10\.\d+\.\d+\.\d+$/);
        });

        it("parents the node under the cluster and picks the arm64 AMI for Graviton types", () => {
            const parent = records.find((r) => r.type === "test:index:ClusterStandIn")!;
            assert.equal(one(records, "axonserver:vm:VmAxonServerNode").parent, parent.urn);
            assert.equal(ec2Architecture("m7g.large"), "arm64");
            assert.equal(ec2Architecture("c7gn.xlarge"), "arm64");
            assert.equal(ec2Architecture("m7i.xlarge"), "x86_64");
            assert.equal(ec2Architecture("g5.xlarge"), "x86_64");
        });
    });

    describe("GCP: Compute Engine fixture (3 nodes, 2 zones)", () => {
        let topology: Topology;
        let records: ResourceRecord[];
        let refs: Record<string, Record<string, string>>;

        before(async () => {
            topology = gcpVmTopology();
            const site = topology.sites[0];
            const run = await runUnderMocks({ stack: "dev" }, async () => {
                const provider = new gcp.Provider("gcp", { project: topology.gcpProject, region: site.region });
                const network = new GcpNetwork("dev-net", { topology, provider });
                const vmSite = new VmSite("dev-gcp-vm", { topology, site, network });
                const placement = vmPlacement(topology, { [site.name]: vmSite });
                let previous: pulumi.Resource | undefined;
                const placed: VmAxonServerNode[] = [];
                for (const node of topology.nodes) {
                    placed.push(placement.place(node, { dependsOn: previous ? [previous] : [] }).component as VmAxonServerNode);
                    previous = placed[placed.length - 1];
                }
                const out: Record<string, Record<string, string>> = {};
                for (const n of placed) out[n.node.name] = await outputValue(n.secretRefs);
                return out;
            });
            records = run.records;
            refs = run.result;
        });

        it("creates per node a VM, a disk, an identity and two secrets readable by that identity only", () => {
            assertUniqueUrns(records);
            const counts = countByType(records);
            const expected: Record<string, number> = {
                "axonserver:vm:VmSite": 1,
                "axonserver:vm:VmAxonServerNode": 3,
                "gcp:compute/instance:Instance": 3,
                "gcp:compute/disk:Disk": 3,
                "gcp:serviceaccount/account:Account": 3,
                "gcp:secretmanager/secret:Secret": 6,
                "gcp:secretmanager/secretVersion:SecretVersion": 6,
                "gcp:secretmanager/secretIamMember:SecretIamMember": 6,
                // GcpFirewall: 8224 from the site and 8024 from the admins (no clients in the fixture)
                "gcp:compute/firewall:Firewall": 2,
            };
            for (const [type, n] of Object.entries(expected)) assert.equal(counts[type], n, type);
            const accounts = ofType(records, "gcp:serviceaccount/account:Account");
            for (const member of ofType(records, "gcp:secretmanager/secretIamMember:SecretIamMember")) {
                const nodeName = topology.nodes.find((n) => member.name.startsWith(`dev-gcp-vm-${n.name}-`))!.name;
                const account = accounts.find((a) => a.name === `dev-gcp-vm-${nodeName}-sa`)!;
                assert.equal(input(member, "role"), "roles/secretmanager.secretAccessor");
                assert.equal(input(member, "member"), `serviceAccount:${computed(account, "email") as string}`);
                assert.ok(Object.values(refs[nodeName]).includes(input<string>(member, "secretId")), `${member.name} targets ${nodeName}'s own secret`);
            }
            for (const v of ofType(records, "gcp:secretmanager/secretVersion:SecretVersion")) {
                assert.ok(containsSecretWrapper(v.inputs.secretData), `${v.name} is a secret`);
            }
        });

        it("runs VMs without external address, shielded, with OS Login and the node's own account", () => {
            const subnet = one(records, "gcp:compute/subnetwork:Subnetwork");
            const tag = gcpSiteNetworkTag(topology, topology.sites[0].name);
            for (const node of topology.nodes) {
                const vm = records.find((r) => r.type === "gcp:compute/instance:Instance" && r.name === `dev-gcp-vm-${node.name}-vm`)!;
                const disk = records.find((r) => r.type === "gcp:compute/disk:Disk" && r.name === `dev-gcp-vm-${node.name}-data`)!;
                const account = records.find((r) => r.type === "gcp:serviceaccount/account:Account" && r.name === `dev-gcp-vm-${node.name}-sa`)!;
                const nics = input<Record<string, unknown>[]>(vm, "networkInterfaces");
                assert.equal(nics.length, 1);
                assert.equal(nics[0].accessConfigs, undefined, "no external address");
                assert.equal(nics[0].subnetwork, computed(subnet, "selfLink"));
                assert.equal(input(vm, "zone"), node.zone);
                assert.equal(input(vm, "machineType"), topology.sites[0].cluster.machineType);
                assert.deepEqual(input(vm, "shieldedInstanceConfig"), { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true });
                assert.equal(input<Record<string, string>>(vm, "metadata")["enable-oslogin"], "TRUE");
                assert.deepEqual(input(vm, "serviceAccount"), { email: computed(account, "email"), scopes: ["cloud-platform"] });
                assert.deepEqual(input(vm, "tags"), [tag]);
                assert.equal(input(vm, "allowStoppingForUpdate"), true);
                assert.deepEqual(input(vm, "attachedDisks"), [{ source: computed(disk, "selfLink"), deviceName: "axonserver-data", mode: "READ_WRITE" }]);
                assert.equal(vm.deleteBeforeReplace, true);

                const script = input<string>(vm, "metadataStartupScript");
                assert.equal(containsSecretWrapper(vm.inputs.metadataStartupScript), false);
                for (const text of ALL_SECRET_TEXTS) assert.ok(!script.includes(text), `startup script leaks ${text}`);
                for (const id of Object.values(refs[node.name])) assert.ok(script.includes(`"${id}"`), id);
                assert.ok(script.includes(gcpDataDevice("axonserver-data")));
                assert.ok(script.includes('--project="test-project"'));

                assert.equal(input(disk, "type"), "pd-ssd");
                assert.equal(input(disk, "size"), dataDiskSizeGb(node), "events + data + log + plugins");
                assert.equal(input(disk, "zone"), node.zone);
                assert.equal(disk.retainOnDelete, true);
            }
        });

        it("chains the VMs one at a time", () => {
            const vms = topology.nodes.map((n) => records.find((r) => r.type === "gcp:compute/instance:Instance" && r.name === `dev-gcp-vm-${n.name}-vm`)!);
            for (let i = 1; i < vms.length; i++) assert.ok(vms[i].dependencies.includes(vms[i - 1].urn), `${vms[i].name} waits for ${vms[i - 1].name}`);
            assert.ok(!vms[0].dependencies.some((d) => d.includes("gcp:compute/instance:Instance")));
        });

        it("targets the firewall rules at the site's tag and never opens 22", () => {
            const tag = gcpSiteNetworkTag(topology, topology.sites[0].name);
            for (const fw of ofType(records, "gcp:compute/firewall:Firewall")) {
                assert.deepEqual(input(fw, "targetTags"), [tag]);
                const ports = input<{ ports: string[] }[]>(fw, "allows").flatMap((a) => a.ports);
                assert.ok(!ports.includes("22"));
                assert.ok(!input<string[]>(fw, "sourceRanges").includes("0.0.0.0/0"));
            }
        });
    });

    describe("misconfiguration", () => {
        it("refuses a VM node without the jar download", async () => {
            const t = gcpVmTopology();
            const topology: Topology = { ...t, axonServer: { ...t.axonServer, download: undefined } };
            await assert.rejects(
                runUnderMocks({ stack: "err1" }, () => {
                    const provider = new gcp.Provider("gcp", { project: topology.gcpProject, region: topology.sites[0].region });
                    const network = new GcpNetwork("dev-net", { topology, provider });
                    const site = new VmSite("s", { topology, site: topology.sites[0], network });
                    vmPlacement(topology, { [site.site.name]: site }).place(topology.nodes[0], { dependsOn: [] });
                }),
                /axonServer\.download .* is required for VM nodes/,
            );
        });

        it("refuses a network of the wrong cloud and a node of an unknown site", async () => {
            const topology = gcpVmTopology();
            await assert.rejects(
                runUnderMocks({ stack: "err2" }, () => {
                    const site = topology.sites[0];
                    const awsSite = { ...site, cloud: "aws" as const };
                    const providers = new AwsProviders("aws");
                    const network = new AwsNetwork("n", { topology, site: awsSite, provider: providers.forRegion("eu-west-1") });
                    new VmSite("s", { topology, site, network });
                }),
                /GCP site gcp-vm needs the environment's GcpNetwork/,
            );
            await assert.rejects(
                runUnderMocks({ stack: "err3" }, () =>
                    vmPlacement(topology, {}).place(topology.nodes[0], { dependsOn: [] }),
                ),
                /no VmSite for site gcp-vm/,
            );
        });
    });
});
