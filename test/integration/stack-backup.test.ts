/**
 * Backups wired end to end (stacks/backup.ts) under mocks: the real program with `Pulumi.dev.yaml` (S3 in
 * eu-central-1, agent on EKS) and `Pulumi.prod.yaml` (S3 with Object Lock in us-east-1, agent on GKE), plus
 * variants of them for the other identity paths: prod with a GCS bucket (GKE Workload Identity) and an
 * EC2-only stack whose VM node runs the agent.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { readStackFile, StackFile } from "../../tools/config/stackFile";
import { Deployment } from "../../stacks/deployment";
import { program } from "../../stacks/program";
import { assertUniqueUrns, MockRun, ofType, ResourceRecord, runUnderMocks, providerName } from "../../tools/harness/mocks";
import { mockConfig, runStack, runStackFile, withConfig } from "../../tools/harness/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type J = any;

const STS = "kubernetes:apps/v1:StatefulSet";
const SA = "kubernetes:core/v1:ServiceAccount";
const DOWNLOAD = { url: "https://artifacts.example.com/axonserver/axonserver-2024.2.4.jar", sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" };

function one(records: ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, got ${found.length}`);
    return found[0];
}

/** Logical name of the provider a record uses. */
const containers = (sts: ResourceRecord): J[] => (sts.inputs as J).spec.template.spec.containers;
const env = (c: J): Record<string, string> => Object.fromEntries(c.env.map((e: J) => [e.name, e.value]));

describe("stack backups (end to end under mocks)", () => {
    let dev: MockRun<Deployment>;
    let prod: MockRun<Deployment>;
    before(async () => {
        dev = await runStack("dev");
        prod = await runStack("prod");
    });

    it("registers every URN once", () => {
        assertUniqueUrns(dev.records);
        assertUniqueUrns(prod.records);
    });

    for (const [stack, region, objectLock] of [
        ["dev", "eu-central-1", false],
        ["prod", "us-east-1", true],
    ] as const) {
        it(`${stack}: one versioned, SSE-KMS, private S3 bucket in ${region} with a lifecycle${objectLock ? " and Object Lock" : ""}`, () => {
            const records = (stack === "dev" ? dev : prod).records;
            const [bucket] = ofType(records, "aws:s3/bucket:Bucket");
            assert.equal(ofType(records, "aws:s3/bucket:Bucket").length, 1);
            assert.equal(bucket.name, `${stack}-backup-bucket`);
            assert.deepEqual([bucket.inputs.region, providerName(bucket)], [region, `aws-${region}`]);
            assert.equal(bucket.inputs.forceDestroy, false);
            assert.deepEqual([bucket.protect, bucket.retainOnDelete], [true, true], "the bucket survives destroy");
            const id = `${stack}-backup-bucket-id`;
            const key = one(records, "aws:kms/key:Key", `${stack}-backup-key`);
            assert.equal(key.inputs.region, region);
            const versioning = one(records, "aws:s3/bucketVersioning:BucketVersioning", `${stack}-backup-versioning`).inputs as J;
            assert.deepEqual([versioning.bucket, versioning.versioningConfiguration.status], [id, "Enabled"]);
            const sse = one(records, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${stack}-backup-sse`).inputs as J;
            assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            assert.match(sse.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, new RegExp(`^arn:aws:kms:${region}:123456789012:key/`));
            const pab = one(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${stack}-backup-public-access`).inputs as J;
            assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
            const lifecycle = one(records, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${stack}-backup-lifecycle`).inputs as J;
            assert.equal(lifecycle.rules[0].noncurrentVersionExpiration.noncurrentDays, 30);
            const locks = ofType(records, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
            assert.equal(bucket.inputs.objectLockEnabled, objectLock ? true : undefined);
            assert.equal(locks.length, objectLock ? 1 : 0);
            if (objectLock) assert.deepEqual((locks[0].inputs as J).rule.defaultRetention, { mode: "GOVERNANCE", days: 30 });
            assert.deepEqual(ofType(records, "gcp:storage/bucket:Bucket"), []);
        });
    }

    for (const [stack, nodes] of [
        ["dev", ["axon-1", "axon-2", "axon-3"]],
        ["prod", ["axon-1", "axon-2", "axon-3", "axon-sec-1", "axon-sec-2", "axon-ab-1", "axon-ab-2"]],
    ] as const) {
        // Each node is restored with its own control DB, so every node's pod runs its own agent.
        it(`${stack}: every node's pod runs its own agent: read-only volumes, its control DB zips writable, no secret in env`, () => {
            const records = (stack === "dev" ? dev : prod).records;
            // (and the health relay: both stacks' Kubernetes sites ask each other's nodes)
            for (const n of nodes) assert.deepEqual(containers(one(records, STS, `${stack}-${n}-sts`)).map((c) => c.name), ["axonserver", "backup", "health-relay"], n);
            const node = nodes[0];
            const sts = one(records, STS, `${stack}-${node}-sts`);
            const [, sidecar] = containers(sts);
            assert.equal(sidecar.image, "amazon/aws-cli:2.32.8");
            const mounts = Object.fromEntries(sidecar.volumeMounts.map((m: J) => [m.mountPath, m]));
            for (const [path, vol] of [
                ["/axonserver/events", "events"],
                ["/axonserver/data", "data"],
                ["/axonserver/log", "log"],
                ["/axonserver/security", "security"],
            ]) {
                assert.deepEqual([mounts[path].name, mounts[path].readOnly], [vol, true], path);
            }
            assert.deepEqual(mounts["/axonserver/data/controldb-backups"], { name: "data", mountPath: "/axonserver/data/controldb-backups", subPath: "controldb-backups" });
            const e = env(sidecar);
            assert.equal(e.AXON_TOKEN_FILE, "/axonserver/security/system.token", "the token is read from the mounted file");
            assert.equal(e.BACKUP_CONTROLDB_PRUNE, "true", "older control DB zips go, the newest stays");
            assert.equal(e.BACKUP_TARGET, `$(BACKUP_BUCKET_URL)/${stack}/${node}`);
            assert.match(e.BACKUP_BUCKET_URL, new RegExp(`^s3://${stack}-backup-bucket-[0-9a-f]{7}$`));
            assert.ok(sidecar.env.every((v: J) => v.valueFrom === undefined && typeof v.value === "string"), "plain values only, no Secret references");
            assert.ok(!JSON.stringify(sidecar.env).match(/token"?:|BEGIN|PRIVATE/i), "no token or key value in env");
            // The script ConfigMap and the init container creating the zips' directory.
            const volumes = Object.fromEntries((sts.inputs as J).spec.template.spec.volumes.map((v: J) => [v.name, v]));
            assert.equal(volumes["backup-agent"].configMap.name, `${node}-backup-agent`);
            assert.match(one(records, "kubernetes:core/v1:ConfigMap", `${stack}-${node}-backup-agent`).inputs.data!["axonserver-backup.sh" as never], /^#!\/usr\/bin\/env bash/);
            for (const s of ofType(records, STS)) {
                const init = (s.inputs as J).spec.template.spec.initContainers.find((c: J) => c.name === "controldb-backup-dir");
                assert.deepEqual(init.command, ["mkdir", "-p", "/axonserver/data/controldb-backups"], s.name);
                assert.deepEqual([init.securityContext.runAsUser, init.securityContext.allowPrivilegeEscalation], [1001, false]);
            }
        });
    }

    it("dev: the IRSA role trusts aws-euw1's OIDC provider for the Axon ServiceAccount, which carries its ARN", () => {
        const r = dev.records;
        const oidc = one(r, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "dev-aws-euw1-oidc");
        const role = one(r, "aws:iam/role:Role", "dev-aws-euw1-backup-role");
        assert.equal(providerName(role), "aws-eu-west-1");
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0];
        assert.match(trust.Principal.Federated, /^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//);
        assert.equal(trust.Principal.Federated, `arn:aws:iam::123456789012:oidc-provider/${String(oidc.inputs.url).replace("https://", "")}`);
        const host = String(oidc.inputs.url).replace("https://", "");
        assert.deepEqual(trust.Condition.StringEquals, { [`${host}:sub`]: "system:serviceaccount:axonserver:axonserver", [`${host}:aud`]: "sts.amazonaws.com" });
        const sa = (one(r, SA, "dev-aws-euw1-sa").inputs as J).metadata;
        assert.deepEqual([sa.name, sa.namespace], ["axonserver", "axonserver"]);
        assert.deepEqual(sa.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/dev-aws-euw1-backup-role" });
        assert.deepEqual((one(r, SA, "dev-aws-euc1-sa").inputs as J).metadata.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/dev-aws-euc1-backup-role" }, "axon-dr-1's agent");
    });

    it("dev: a site's agents reach only their own nodes' prefixes of the bucket and the bucket key", () => {
        const bucketArn = String(one(dev.records, "aws:s3/bucket:Bucket", "dev-backup-bucket").inputs.bucket ?? "");
        assert.equal(bucketArn, "", "autonamed");
        const doc = JSON.parse(one(dev.records, "aws:iam/rolePolicy:RolePolicy", "dev-aws-euw1-backup-policy").inputs.policy as string);
        const [objects, list, kms] = doc.Statement;
        assert.deepEqual(
            objects.Resource.map((r: string) => r.replace(/^arn:aws:s3:::dev-backup-bucket-[0-9a-f]{7}\//, "")),
            ["dev/axon-1/*", "dev/axon-2/*", "dev/axon-3/*"],
        );
        assert.deepEqual(list.Condition.StringLike["s3:prefix"], ["dev/axon-1/", "dev/axon-1/*", "dev/axon-2/", "dev/axon-2/*", "dev/axon-3/", "dev/axon-3/*"]);
        assert.match(kms.Resource, /^arn:aws:kms:eu-central-1:123456789012:key\//);
        assert.ok(!JSON.stringify(doc).includes('"*"'), "no wildcard resource");
    });

    it("DLM snapshots per AWS region, copied to the DR region only from the other regions", () => {
        const policies = (records: ResourceRecord[]) =>
            Object.fromEntries(
                ofType(records, "aws:dlm/lifecyclePolicy:LifecyclePolicy").map((r) => {
                    const i = r.inputs as J;
                    const schedule = i.policyDetails.schedules[0];
                    return [i.region, [providerName(r), i.policyDetails.targetTags, schedule.createRule.times, schedule.crossRegionCopyRules?.map((c: J) => c.target) ?? []]];
                }),
            );
        assert.deepEqual(policies(dev.records), {
            "eu-west-1": ["aws-eu-west-1", { "axonserver-environment": "dev" }, "02:00", ["eu-central-1"]],
            "eu-central-1": ["aws-eu-central-1", { "axonserver-environment": "dev" }, "02:00", []],
        });
        assert.deepEqual(policies(prod.records), {
            "eu-west-1": ["aws-eu-west-1", { "axonserver-environment": "prod" }, "02:00", ["us-east-1"]],
            "us-east-1": ["aws-us-east-1", { "axonserver-environment": "prod" }, "02:00", []],
        });
        // DLM may copy snapshots of volumes encrypted with the EKS site keys.
        const kms = JSON.parse(one(prod.records, "aws:iam/rolePolicy:RolePolicy", "prod-eu-west-1-snapshots-dlm-kms").inputs.policy as string);
        assert.match(kms.Statement[0].Resource[0], /^arn:aws:kms:.*:key\//);
        assert.equal(ofType(prod.records, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name === "prod-us-east-1-snapshots-dlm-kms").length, 0, "EC2 volumes use the AWS managed key");
    });

    it("prod: EC2 data volume tagged as the DLM target; the root volume is not", () => {
        const volume = one(prod.records, "aws:ebs/volume:Volume", "prod-aws-use1-axon-dr-1-data");
        assert.equal((volume.inputs.tags as J)["axonserver-environment"], "prod");
        const instance = one(prod.records, "aws:ec2/instance:Instance", "prod-aws-use1-axon-dr-1-vm");
        // Root disk tags through rootBlockDevice.tags: `volumeTags` would cycle with the data volume's own tags.
        assert.equal(instance.inputs.volumeTags, undefined);
        assert.equal((instance.inputs.rootBlockDevice as J).tags["axonserver-environment"], undefined);
        assert.equal((instance.inputs.rootBlockDevice as J).tags["axonserver-node"], "axon-dr-1");
    });

    it("prod: Backup for GKE of the Axon namespace, with the cluster addon on", () => {
        const cluster = one(prod.records, "gcp:container/cluster:Cluster", "prod-gcp-euw4-gke").inputs as J;
        assert.deepEqual(cluster.addonsConfig.gkeBackupAgentConfig, { enabled: true });
        const plan = one(prod.records, "gcp:gkebackup/backupPlan:BackupPlan", "prod-gcp-euw4-gke-backup-plan");
        const p = plan.inputs as J;
        // Backup for GKE, BackupPlan `location`: where every backup artifact is stored — another region than
        // the cluster's (europe-west4's pair), so a regional outage does not take the backups along.
        assert.deepEqual([p.cluster, p.location, p.project, providerName(plan)], ["prod-gcp-euw4-gke-id", "europe-west1", "acme-axon-prod", "prod-gcp"]);
        assert.deepEqual(p.backupConfig, { selectedNamespaces: { namespaces: ["axonserver"] }, includeVolumeData: true, includeSecrets: false });
        assert.deepEqual([p.backupSchedule.cronSchedule, p.retentionPolicy.backupRetainDays], ["0 2 * * *", 14]);
        const vsc = one(prod.records, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass", "prod-gcp-euw4-gke-backup-snapshot-class");
        assert.equal(providerName(vsc), "prod-gcp-euw4-k8s");
        assert.deepEqual(ofType(dev.records, "gcp:gkebackup/backupPlan:BackupPlan"), []);
    });

    it("prod: the GKE agent reaches S3 through the cluster's OIDC issuer and a projected STS token", () => {
        const issuer = "https://container.googleapis.com/v1/projects/acme-axon-prod/locations/europe-west4/clusters/prod-gcp-euw4";
        const oidc = one(prod.records, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "prod-gcp-euw4-backup-oidc");
        assert.deepEqual([oidc.inputs.url, oidc.inputs.clientIdLists, providerName(oidc)], [issuer, ["sts.amazonaws.com"], "aws-us-east-1"]);
        const role = one(prod.records, "aws:iam/role:Role", "prod-gcp-euw4-backup-role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0];
        const host = issuer.replace("https://", "");
        assert.equal(trust.Principal.Federated, `arn:aws:iam::123456789012:oidc-provider/${host}`);
        assert.equal(trust.Condition.StringEquals[`${host}:sub`], "system:serviceaccount:axonserver:axonserver");
        const doc = JSON.parse(one(prod.records, "aws:iam/rolePolicy:RolePolicy", "prod-gcp-euw4-backup-policy").inputs.policy as string);
        assert.match(doc.Statement[0].Resource[0], /^arn:aws:s3:::prod-backup-bucket-[0-9a-f]{7}\/prod\/axon-1\/\*$/);

        const sts = one(prod.records, STS, "prod-axon-1-sts");
        const sidecar = containers(sts)[1];
        const e = env(sidecar);
        assert.equal(e.AWS_ROLE_ARN, "arn:aws:iam::123456789012:role/prod-gcp-euw4-backup-role");
        assert.equal(e.AWS_WEB_IDENTITY_TOKEN_FILE, "/var/run/secrets/axonserver-backup/aws/token");
        assert.equal(e.AWS_REGION, "us-east-1");
        const token = (sts.inputs as J).spec.template.spec.volumes.find((v: J) => v.name === "backup-aws-token");
        assert.deepEqual(token.projected.sources, [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 3600, path: "token" } }]);
        assert.deepEqual(sidecar.volumeMounts.find((m: J) => m.name === "backup-aws-token"), { name: "backup-aws-token", mountPath: "/var/run/secrets/axonserver-backup/aws", readOnly: true });
        // No Workload Identity GSA for an S3 bucket, and no annotation on the site's ServiceAccount.
        assert.equal((one(prod.records, SA, "prod-gcp-euw4-sa").inputs as J).metadata.annotations, undefined);
        assert.deepEqual(ofType(prod.records, "gcp:serviceaccount/iAMMember:IAMMember"), []);
    });

    describe("prod's GKE site alone with a GCS bucket in us-east1", () => {
        let run: MockRun<Deployment>;
        before(async () => {
            // Every node runs an agent, and EKS/EC2 agents cannot write to GCS: only the GKE site's nodes.
            const file = readStackFile("prod");
            const c = file.config as J;
            const gke = ["axon-1", "axon-2", "axon-3", "axon-sec-1", "axon-sec-2"];
            const groups = c.replicationGroups.map((g: J) => ({ ...g, members: Object.fromEntries(Object.entries(g.members).filter(([n]) => gke.includes(n))) }));
            run = await runStackFile(
                withConfig(file, {
                    sites: c.sites.filter((x: J) => x.name === "gcp-euw4"),
                    nodes: c.nodes.filter((n: J) => gke.includes(n.name)),
                    replicationGroups: groups,
                    clients: c.clients.filter((x: J) => x.region === "europe-west4"),
                    backup: { cloud: "gcp", drRegion: "us-east1" },
                }),
            );
        });

        it("GKE Workload Identity: a GSA bound to the Axon ServiceAccount, scoped bucket access, the annotation", () => {
            assertUniqueUrns(run.records);
            assert.equal(ofType(run.records, "aws:s3/bucket:Bucket").length, 0);
            const bucket = one(run.records, "gcp:storage/bucket:Bucket", "prod-backup-bucket");
            const b = bucket.inputs as J;
            assert.deepEqual([b.location, b.project, b.publicAccessPrevention, b.versioning.enabled, providerName(bucket)], ["US-EAST1", "acme-axon-prod", "enforced", true, "prod-gcp"]);
            const gsa = one(run.records, "gcp:serviceaccount/account:Account", "prod-gcp-euw4-backup-sa");
            const email = `${gsa.inputs.accountId}@acme-axon-prod.iam.gserviceaccount.com`;
            const wi = one(run.records, "gcp:serviceaccount/iAMMember:IAMMember", "prod-gcp-euw4-backup-wi").inputs as J;
            assert.deepEqual([wi.role, wi.member, wi.serviceAccountId], [
                "roles/iam.workloadIdentityUser",
                "serviceAccount:acme-axon-prod.svc.id.goog[axonserver/axonserver]",
                `projects/acme-axon-prod/serviceAccounts/${email}`,
            ]);
            const access = one(run.records, "gcp:storage/bucketIAMMember:BucketIAMMember", "prod-gcp-euw4-backup-agent").inputs as J;
            assert.deepEqual([access.role, access.member], ["roles/storage.objectUser", `serviceAccount:${email}`]);
            assert.match(access.condition.expression, /resource\.name\.startsWith\("projects\/_\/buckets\/prod-backup-bucket-[0-9a-f]{7}\/objects\/prod\/axon-1\/"\)/);
            assert.deepEqual((one(run.records, SA, "prod-gcp-euw4-sa").inputs as J).metadata.annotations, { "iam.gke.io/gcp-service-account": email });
            const e = env(containers(one(run.records, STS, "prod-axon-1-sts"))[1]);
            assert.match(e.BACKUP_BUCKET_URL, /^gs:\/\/prod-backup-bucket-[0-9a-f]{7}$/);
            assert.equal(e.AWS_ROLE_ARN, undefined);
            // Backup for GKE stores in the DR region when the bucket is on GCP; no copy rule to a GCP region.
            assert.equal((one(run.records, "gcp:gkebackup/backupPlan:BackupPlan", "prod-gcp-euw4-gke-backup-plan").inputs as J).location, "us-east1");
            assert.ok(ofType(run.records, "aws:dlm/lifecyclePolicy:LifecyclePolicy").every((r) => (r.inputs as J).policyDetails.schedules[0].crossRegionCopyRules === undefined));
        });
    });

    describe("an EC2-only stack whose VM node runs the agent", () => {
        let run: MockRun<Deployment>;
        before(async () => {
            const file: StackFile = {
                stack: "vmdr",
                secretKeys: [],
                providerConfig: {},
                config: {
                    environment: "vmdr",
                    axonServer: { version: "2024.2.4", tls: true, download: DOWNLOAD },
                    adminCidrs: ["10.99.0.0/24"],
                    sites: [{ name: "aws-use1", cloud: "aws", platform: "vm", region: "us-east-1", zones: ["us-east-1a", "us-east-1b", "us-east-1c"], cidr: "10.50.0.0/16" }],
                    nodes: [
                        { name: "v1", site: "aws-use1", zone: "us-east-1a" },
                        { name: "v2", site: "aws-use1", zone: "us-east-1b" },
                        { name: "v3", site: "aws-use1", zone: "us-east-1c" },
                    ],
                    replicationGroups: [{ name: "default", contexts: [{ name: "default" }], members: { v1: "PRIMARY", v2: "PRIMARY", v3: "PRIMARY" } }],
                    backup: { drRegion: "us-west-2" },
                },
            };
            run = await runStackFile(file);
        });

        it("installs the agent and its timer through gz+b64 user data under 16 KB, and grants the instance role its prefix", () => {
            assertUniqueUrns(run.records);
            const bucket = one(run.records, "aws:s3/bucket:Bucket", "vmdr-backup-bucket");
            assert.equal(providerName(bucket), "aws-us-west-2");
            const userData = String(one(run.records, "aws:ec2/instance:Instance", "vmdr-aws-use1-v1-vm").inputs.userData);
            assert.ok(Buffer.byteLength(userData) <= 16384, `${Buffer.byteLength(userData)} bytes`);
            const doc = parseYaml(userData) as { write_files: { encoding: string; content: string }[] };
            assert.equal(doc.write_files[0].encoding, "gz+b64");
            const script = gunzipSync(Buffer.from(doc.write_files[0].content, "base64")).toString("utf8");
            assert.match(script, /cat > "\/usr\/local\/bin\/axonserver-backup\.sh" <<'AXONSERVER_BACKUP_AGENT_EOF'\n#!\/usr\/bin\/env bash/);
            assert.match(script, /^Environment=BACKUP_TARGET="s3:\/\/vmdr-backup-bucket-[0-9a-f]{7}\/vmdr\/v1"$/m);
            assert.match(script, /^systemctl enable --now axonserver-backup\.timer$/m);
            // Every node backs up its own control DB, logs and events.
            for (const n of ["v2", "v3"]) assert.ok(Buffer.byteLength(String(one(run.records, "aws:ec2/instance:Instance", `vmdr-aws-use1-${n}-vm`).inputs.userData)) <= 16384, n);

            const policy = one(run.records, "aws:iam/rolePolicy:RolePolicy", "vmdr-aws-use1-v1-backup-policy");
            assert.deepEqual([policy.inputs.role, providerName(policy)], ["axon-vmdr-v1", "aws-us-east-1"]);
            const doc2 = JSON.parse(policy.inputs.policy as string);
            assert.match(doc2.Statement[0].Resource[0], /^arn:aws:s3:::vmdr-backup-bucket-[0-9a-f]{7}\/vmdr\/v1\/\*$/);
            const [dlm] = ofType(run.records, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
            assert.deepEqual((dlm.inputs as J).policyDetails.schedules[0].crossRegionCopyRules.map((c: J) => c.target), ["us-west-2"]);
        });
    });

    describe("a Compute Engine stack whose VM node runs the agent (GCS bucket)", () => {
        let run: MockRun<Deployment>;
        before(async () => {
            const file: StackFile = {
                stack: "gcevm",
                secretKeys: [],
                providerConfig: {},
                config: {
                    environment: "gcevm",
                    gcpProject: "acme-axon-gce",
                    axonServer: { version: "2024.2.4", tls: false, download: DOWNLOAD },
                    adminCidrs: ["10.99.0.0/24"],
                    sites: [{ name: "gcp-euw1", cloud: "gcp", platform: "vm", region: "europe-west1", zones: ["europe-west1-b", "europe-west1-c", "europe-west1-d"], cidr: "10.60.0.0/16" }],
                    nodes: [
                        { name: "g1", site: "gcp-euw1", zone: "europe-west1-b" },
                        { name: "g2", site: "gcp-euw1", zone: "europe-west1-c" },
                        { name: "g3", site: "gcp-euw1", zone: "europe-west1-d" },
                    ],
                    replicationGroups: [{ name: "default", contexts: [{ name: "default" }], members: { g1: "PRIMARY", g2: "PRIMARY", g3: "PRIMARY" } }],
                    backup: { drRegion: "europe-north1" },
                },
            };
            run = await runStackFile(file);
        });

        it("grants the node's service account its prefix, installs the timer, attaches the snapshot schedule to every data disk", () => {
            assertUniqueUrns(run.records);
            const bucket = one(run.records, "gcp:storage/bucket:Bucket", "gcevm-backup-bucket");
            assert.equal((bucket.inputs as J).location, "EUROPE-NORTH1");
            const access = one(run.records, "gcp:storage/bucketIAMMember:BucketIAMMember", "gcevm-gcp-euw1-g1-backup-agent").inputs as J;
            assert.equal(access.member, "serviceAccount:axon-gcevm-g1@acme-axon-gce.iam.gserviceaccount.com");
            assert.match(access.condition.expression, /objects\/gcevm\/g1\/"\)/);
            assert.equal(ofType(run.records, "gcp:storage/bucketIAMMember:BucketIAMMember").length, 3, "one per node, each with its own prefix");
            assert.match(String(one(run.records, "gcp:compute/instance:Instance", "gcevm-gcp-euw1-g1-vm").inputs.metadataStartupScript), /^systemctl enable --now axonserver-backup\.timer$/m);
            const schedule = one(run.records, "gcp:compute/resourcePolicy:ResourcePolicy", "gcevm-europe-west1-vm-snapshots");
            assert.deepEqual([(schedule.inputs as J).region, (schedule.inputs as J).snapshotSchedulePolicy.snapshotProperties.storageLocations], ["europe-west1", "eu"]);
            const attachments = ofType(run.records, "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment").map((r) => [r.inputs.disk, r.inputs.zone, r.inputs.name]);
            assert.deepEqual(attachments.sort(), [
                ["gcevm-g1-data", "europe-west1-b", "gcevm-europe-west1-vm-snapshots"],
                ["gcevm-g2-data", "europe-west1-c", "gcevm-europe-west1-vm-snapshots"],
                ["gcevm-g3-data", "europe-west1-d", "gcevm-europe-west1-vm-snapshots"],
            ]);
            assert.deepEqual(ofType(run.records, "aws:dlm/lifecyclePolicy:LifecyclePolicy"), []);
        });
    });

    describe("an invalid backup section", () => {
        const attempt = (backup: unknown) =>
            runUnderMocks({ stack: "dev", config: mockConfig(withConfig(readStackFile("dev"), { backup })), secretKeys: [] }, () => {
                try {
                    program();
                    return undefined;
                } catch (e) {
                    return e as Error;
                }
            });

        it("makes program() throw, naming each backup.<key>, before creating anything", async () => {
            const run = await attempt({ drRegion: "mars-1", intervalMinutes: 7, colour: "red" });
            assert.ok(run.result instanceof Error, "program() must throw");
            assert.match(run.result.message, /^backup\.drRegion: "mars-1" is not an AWS region/m);
            assert.match(run.result.message, /^backup\.intervalMinutes: 7 does not divide a day/m);
            assert.match(run.result.message, /^backup\.colour: unknown key "colour"/m);
            assert.deepEqual(run.records.filter((r) => r.custom), []);
        });

        it("rejects a bucket the agents cannot reach: EKS agents and a GCS bucket without a project", async () => {
            const run = await attempt({ cloud: "gcp", drRegion: "europe-west1" });
            assert.ok(run.result instanceof Error);
            assert.match(run.result.message, /^backup\.cloud: "gcp" needs the gcpProject config key/m);
            assert.match(run.result.message, /^backup\.cloud: node "axon-1" runs the backup agent .* site "aws-euw1" \(aws\/eks\), which cannot reach a bucket on gcp/m);
            assert.deepEqual(run.records.filter((r) => r.custom), []);
        });
    });
});
