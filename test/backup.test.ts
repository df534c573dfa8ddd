/**
 * Backups: settings parsing, the per-group agent plan, the sidecar and VM timer, and the bucket, IAM
 * and snapshot components under mocks (real inputs, counts per type, unique URNs).
 */
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { AwsBackupIrsaRole, AwsBackupRolePolicy, agentScope, backupAgentPolicy, GcpBackupAccess, gcsAgentCondition } from "../components/backup/access";
import { AGENT_SCRIPT_NAME } from "../components/backup/agent";
import { BackupBucket } from "../components/backup/backupBucket";
import { adminOffsetMinutes, planBackups, renderUnits } from "../components/backup/plan";
import { BackupSettings, parseBackupSettings } from "../components/backup/settings";
import { AGENT_IMAGES } from "../components/backup/agentRuntime";
import { backupScriptConfigMapData, backupSidecarContainer, backupSidecarVolumes } from "../components/kubernetes/backupSidecar";
import { renderBackupTimerUnits } from "../components/vm/backupTimer";
import { AwsSnapshotPolicy, gceDailyStartTime, GcpSnapshotSchedule, gcpMultiRegion, GkeBackup } from "../components/backup/snapshots";
import { loadTopologyOrThrow } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { assertUniqueUrns, countByType, ofType, ResourceRecord, runUnderMocks, unwrapSecrets } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

function stack(name: string): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile(name));
    return loadTopologyOrThrow(raw, options).topology;
}

const settings = (over: Partial<BackupSettings> = {}): BackupSettings => {
    const r = parseBackupSettings({ drRegion: "us-east-1", ...over }, { sites: [{ cloud: "aws" }] as unknown as Topology["sites"] });
    assert.deepEqual(r.errors, []);
    return { ...r.settings!, ...over };
};

const inputs = (r: ResourceRecord) => unwrapSecrets(r.inputs) as Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- navigating recorded JSON inputs in assertions
type Json = any;

describe("backup settings", () => {
    const prod = stack("prod");

    it("absent backup: disabled without errors; defaults and the first site's cloud", () => {
        assert.deepEqual(parseBackupSettings(undefined, prod), { errors: [] });
        const r = parseBackupSettings({ drRegion: "europe-west1" }, prod);
        assert.deepEqual(r.errors, []);
        assert.deepEqual(r.settings, {
            enabled: true,
            drRegion: "europe-west1",
            cloud: "gcp",
            intervalMinutes: 60,
            retentionDays: 30,
            objectLock: false,
            snapshotTime: "02:00",
            snapshotRetentionCount: 14,
        });
        assert.equal(parseBackupSettings({ enabled: false }, prod).settings, undefined);
    });

    it("reports every problem with its path, the bad value and what is allowed", () => {
        const r = parseBackupSettings(
            { cloud: "azure", drRegion: "Europe", intervalMinutes: 7, retentionDays: 0, snapshotTime: "2am", snapshotRetentionCount: "x", color: 1 },
            prod,
        );
        const byPath = Object.fromEntries(r.errors.map((e) => [e.path, e.message]));
        assert.equal(r.settings, undefined);
        assert.match(byPath["backup.color"], /unknown key "color"; allowed keys: "enabled", "drRegion", "cloud"/);
        assert.match(byPath["backup.cloud"], /"azure" is not a valid bucket cloud; allowed: "aws", "gcp"/);
        assert.match(byPath["backup.intervalMinutes"], /7 does not divide a day .* allowed e\.g\. 15, 30, 60/);
        assert.match(byPath["backup.retentionDays"], /0 is too small; retentionDays must be an integer from 1 to 3650/);
        assert.match(byPath["backup.snapshotTime"], /"2am" is not a valid time: expected "HH:MM"/);
        assert.match(byPath["backup.snapshotRetentionCount"], /expected an integer from 1 to 1000, got "x"/);
        const gcp = parseBackupSettings({ drRegion: "us-east-1", objectLock: true }, prod);
        assert.match(gcp.errors.map((e) => `${e.path}: ${e.message}`).join("\n"), /backup.drRegion: "us-east-1" is not a GCP region[\s\S]*backup.objectLock: true is only supported for S3 buckets/);
        const local = parseBackupSettings({ drRegion: "us-east-1" }, stack("local"));
        assert.match(local.errors[0].message, /the first site's cloud is "none"/);
        assert.equal(parseBackupSettings({ drRegion: "us-east-1", cloud: "aws" }, stack("local")).settings?.cloud, "aws");
        assert.match(parseBackupSettings({}, prod).errors[0].message, /backup bucket, e\.g\. "europe-west1"/);
    });
});

describe("backup plan", () => {
    // Each node is restored with its own control DB (docs.axoniq.io, Axon Server backups, "Restore with no
    // pre-existing data": "each node gets restored the ConfigDB backed up for that node").
    it("prod: every node backs up its own control DB, and the log and events of every group it stores data for", () => {
        const plan = planBackups(stack("prod"), settings());
        assert.deepEqual(
            plan.agents.map((a) => `${a.node}@${a.offsetMinutes}: ${renderUnits(a.units)}`),
            [
                "axon-1@50: _admin: orders:orders,payments",
                "axon-2@50: _admin: orders:orders,payments",
                "axon-3@50: _admin: orders:orders,payments",
                // SECONDARY nodes hold the segments older than the retention time that PRIMARY nodes drop.
                "axon-sec-1@50: orders:orders,payments",
                "axon-sec-2@50: orders:orders,payments",
                // Prod's _admin keeps ACTIVE_BACKUP copies in eu-west-1 (Pulumi.prod.yaml).
                "axon-ab-1@50: _admin: orders:orders,payments",
                "axon-ab-2@50: _admin: orders:orders,payments",
                "axon-dr-1@50: orders:orders,payments",
            ],
        );
        assert.deepEqual(plan.warnings, []);
        assert.equal(adminOffsetMinutes({ intervalMinutes: 240, snapshotTime: "02:00" }), 110);
        assert.equal(adminOffsetMinutes({ intervalMinutes: 60, snapshotTime: "00:05" }), 55);
    });

    it("the six-node case: b1–b3 back up g2 themselves; MESSAGING_ONLY members keep only their control DB", () => {
        const t = buildTopology({
            sites: ["eu", "us"],
            nodes: ["a1", "a2", "a3", { name: "b1", site: "us" }, { name: "b2", site: "us" }, { name: "b3", site: "us" }],
            groups: [
                { name: "_admin", members: { a1: "PRIMARY", a2: "PRIMARY", a3: "PRIMARY" } },
                { name: "g1", members: { a1: "PRIMARY", a2: "PRIMARY", a3: "PRIMARY", b3: "MESSAGING_ONLY" } },
                { name: "g2", members: { b1: "PRIMARY", b2: "PRIMARY", b3: "PRIMARY" }, contexts: ["g2", "g2-eu"] },
            ],
        });
        const plan = planBackups(t, settings());
        assert.deepEqual(
            plan.agents.map((a) => `${a.node}: ${renderUnits(a.units)}`),
            ["a1: _admin: g1:g1", "a2: _admin: g1:g1", "a3: _admin: g1:g1", "b1: g2:g2,g2-eu", "b2: g2:g2,g2-eu", "b3: g2:g2,g2-eu"],
        );
        assert.deepEqual(agentScope("test", plan, ["b1", "b2", "b3"]), { prefixes: ["test/b1", "test/b2", "test/b3"] });
    });
});

describe("backup sidecar and VM timer", () => {
    const prod = stack("prod");
    const s = settings({ cloud: "gcp", drRegion: "europe-west1" });
    const base = { topology: prod, settings: s, targetUrl: "gs://bkt", tokenVolumeName: "security", volumeMountNames: { events: "events", data: "data", log: "log" } };

    it("mounts the data volumes and the token read-only, runs the script from the ConfigMap, no secrets in env", () => {
        assert.ok(backupSidecarContainer({ ...base, node: { name: "axon-sec-1" } }), "every node runs an agent");
        const c = backupSidecarContainer({ ...base, node: { name: "axon-1" } })!;
        assert.equal(c.image, AGENT_IMAGES.gcp);
        assert.match(c.image as string, /^google\/cloud-sdk:\d+\.\d+\.\d+-slim$/);
        assert.deepEqual(c.command, ["bash", `/opt/axonserver-backup/${AGENT_SCRIPT_NAME}`]);
        assert.deepEqual(c.args, ["--loop"]);
        const mounts = c.volumeMounts as Json[];
        for (const m of mounts.filter((m) => ["events", "data", "log", "security", "backup-agent"].includes(m.name) && !m.subPath)) assert.equal(m.readOnly, true, m.name);
        assert.deepEqual(
            mounts.map((m) => `${m.name}:${m.mountPath}${m.subPath ? `(${m.subPath})` : ""}`),
            [
                "events:/axonserver/events",
                "data:/axonserver/data",
                "log:/axonserver/log",
                // The agent deletes older control DB zips: their directory only is writable.
                "data:/axonserver/data/controldb-backups(controldb-backups)",
                "security:/axonserver/security",
                "backup-agent:/opt/axonserver-backup",
                "backup-tmp:/tmp",
            ],
        );
        assert.equal(mounts.find((m) => m.subPath)!.readOnly, undefined);
        const env = Object.fromEntries((c.env as Json[]).map((e) => [e.name, e.value]));
        assert.deepEqual(env, {
            BACKUP_BUCKET_URL: "gs://bkt",
            BACKUP_TARGET: "$(BACKUP_BUCKET_URL)/prod/axon-1",
            BACKUP_UNITS: "_admin: orders:orders,payments",
            AXON_URL: "http://127.0.0.1:8024",
            AXON_TOKEN_FILE: "/axonserver/security/system.token",
            BACKUP_CONTROLDB_PRUNE: "true",
            BACKUP_LOG_WINDOW_SECONDS: "1800",
            BACKUP_INTERVAL_MINUTES: "60",
            BACKUP_OFFSET_MINUTES: "50",
            BACKUP_RETRIES: "5",
            BACKUP_RETRY_DELAY_SECONDS: "5",
            HOME: "/tmp",
            TMPDIR: "/tmp",
            CLOUDSDK_CONFIG: "/tmp/gcloud",
        });
        assert.ok((c.env as Json[]).every((e) => e.valueFrom === undefined), "no secret reaches the env");
        const sc = c.securityContext as Json;
        assert.deepEqual([sc.runAsUser, sc.runAsNonRoot, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities.drop], [1001, true, true, false, ["ALL"]]);
        assert.deepEqual((c.resources as Json).requests, { cpu: "50m", memory: "128Mi" });
        assert.equal(backupSidecarContainer({ ...base, settings: settings(), node: { name: "axon-1" } })!.image, AGENT_IMAGES.aws);
        const vols = backupSidecarVolumes("cm");
        assert.deepEqual(vols.map((v) => v.name), ["backup-agent", "backup-tmp"]);
        assert.match(backupScriptConfigMapData()[AGENT_SCRIPT_NAME], /^#!\/usr\/bin\/env bash/);
    });

    it("VM timer: oneshot --once as axonserver, aligned OnCalendar, VM paths", () => {
        const t = buildTopology({ environment: "dr", sites: [{ name: "vm", platform: "vm", region: "us-east-1" }], nodes: ["v1", "v2", "v3"] });
        const u = renderBackupTimerUnits({ node: { name: "v1" }, topology: t, settings: settings({ intervalMinutes: 360 }), bucketName: "bkt" })!;
        assert.match(u.service, /^ExecStart=\/bin\/bash \/usr\/local\/bin\/axonserver-backup\.sh --once$/m);
        assert.match(u.service, /^User=axonserver$/m);
        assert.match(u.service, /^Environment=BACKUP_TARGET="s3:\/\/bkt\/dr\/v1"$/m);
        assert.match(u.service, /^Environment=AXON_TOKEN_FILE="\/run\/axonserver\/security\/system.token"$/m);
        assert.match(u.service, /^Environment=BACKUP_CONTROLDB_PRUNE="true"$/m);
        assert.deepEqual(
            u.timer.split("\n").filter((l) => l.startsWith("OnCalendar=")),
            ["OnCalendar=*-*-* 01:50:00 UTC", "OnCalendar=*-*-* 07:50:00 UTC", "OnCalendar=*-*-* 13:50:00 UTC", "OnCalendar=*-*-* 19:50:00 UTC"],
        );
        // Every node backs up its own control DB, log and events.
        assert.match(renderBackupTimerUnits({ node: { name: "v2" }, topology: t, settings: settings(), bucketName: "bkt" })!.service, /^Environment=BACKUP_TARGET="s3:\/\/bkt\/dr\/v2"$/m);
    });
});

describe("IAM documents", () => {
    it("S3 policy: objects and listing only under the node's prefix, KMS on the bucket key", () => {
        const doc = JSON.parse(backupAgentPolicy({ bucketArn: "arn:aws:s3:::bkt", kmsKeyArn: "arn:aws:kms:us-east-1:1:key/k", scope: { prefixes: ["prod/axon-1"] } }));
        const [objects, list, kms] = doc.Statement;
        assert.deepEqual(objects.Resource, ["arn:aws:s3:::bkt/prod/axon-1/*"]);
        assert.deepEqual(objects.Action, ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]);
        assert.equal(list.Action, "s3:ListBucket");
        assert.equal(list.Resource, "arn:aws:s3:::bkt");
        assert.deepEqual(list.Condition, { StringLike: { "s3:prefix": ["prod/axon-1/", "prod/axon-1/*"] } });
        assert.deepEqual(kms.Action, ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]);
        assert.equal(kms.Resource, "arn:aws:kms:us-east-1:1:key/k");
        const resources = doc.Statement.flatMap((st: Json) => [st.Resource].flat());
        assert.ok(resources.every((r: string) => r === "arn:aws:s3:::bkt" || r.startsWith("arn:aws:s3:::bkt/prod/axon-1/") || r.startsWith("arn:aws:kms:")), resources.join());
    });

    it("GCS condition: the node's object prefix (and the bucket, for listing)", () => {
        assert.equal(
            gcsAgentCondition("bkt", { prefixes: ["prod/axon-1"], }).expression,
            'resource.type == "storage.googleapis.com/Bucket" || resource.name.startsWith("projects/_/buckets/bkt/objects/prod/axon-1/")',
        );
    });
});

describe("backup resources under mocks", () => {
    it("S3 bucket, IRSA role, VM role policy, DLM policies (AWS)", async () => {
        const s = settings({ objectLock: true, retentionDays: 45 });
        const { records } = await runUnderMocks({ stack: "prod" }, () => {
            const bucket = new BackupBucket("prod-backup", { environment: "prod", settings: s, awsAccountId: "123456789012" });
            const scope = { prefixes: ["prod/axon-ab-1"], };
            new AwsBackupIrsaRole("prod-aws-euw1-backup", {
                oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                namespace: "axonserver",
                serviceAccount: "axonserver",
                bucketArn: "arn:aws:s3:::bkt",
                kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
                scope,
            });
            new AwsBackupRolePolicy("prod-aws-use1-axon-dr-1-backup", { role: "vm-role", bucketArn: "arn:aws:s3:::bkt", kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k", scope: { prefixes: ["prod/axon-dr-1"], } });
            new AwsSnapshotPolicy("prod-eu-west-1-snapshots", { environment: "prod", region: "eu-west-1", sites: ["aws-euw1"], settings: s, volumeKmsKeyArns: ["arn:aws:kms:eu-west-1:123456789012:key/site"] });
            new AwsSnapshotPolicy("prod-us-east-1-snapshots", { environment: "prod", region: "us-east-1", sites: ["aws-use1"], settings: s });
            return bucket;
        });
        assertUniqueUrns(records);
        assert.deepEqual(countByType(records.filter((r) => r.custom)), {
            "aws:dlm/lifecyclePolicy:LifecyclePolicy": 2,
            "aws:iam/role:Role": 3,
            "aws:iam/rolePolicy:RolePolicy": 3,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2,
            "aws:kms/key:Key": 2, // bucket key + eu-west-1's snapshot copies in us-east-1
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": 1,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
        });

        const bucket = ofType(records, "aws:s3/bucket:Bucket")[0];
        assert.deepEqual([inputs(bucket).region, inputs(bucket).forceDestroy, inputs(bucket).objectLockEnabled], ["us-east-1", false, true]);
        assert.deepEqual([bucket.protect, bucket.retainOnDelete], [true, true]);
        const key = inputs(ofType(records, "aws:kms/key:Key")[0]);
        assert.deepEqual([key.region, key.enableKeyRotation], ["us-east-1", true]);
        assert.equal(JSON.parse(key.policy as string).Statement[0].Principal.AWS, "arn:aws:iam::123456789012:root");
        assert.deepEqual(inputs(ofType(records, "aws:s3/bucketVersioning:BucketVersioning")[0]).versioningConfiguration, { status: "Enabled" });
        const sse = inputs(ofType(records, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]) as Json;
        assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.match(sse.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, /^arn:aws:kms:us-east-1:/);
        const pab = inputs(ofType(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]);
        assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
        const lc = inputs(ofType(records, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0]) as Json;
        assert.deepEqual(lc.rules[0].noncurrentVersionExpiration, { noncurrentDays: 45 });
        assert.equal(lc.rules[0].status, "Enabled");
        const lock = inputs(ofType(records, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0]) as Json;
        assert.deepEqual(lock.rule, { defaultRetention: { mode: "GOVERNANCE", days: 45 } });

        const irsa = ofType(records, "aws:iam/role:Role").find((r) => r.name === "prod-aws-euw1-backup-role")!;
        const trust = JSON.parse(inputs(irsa).assumeRolePolicy as string);
        assert.equal(trust.Statement[0].Principal.Federated, "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC");
        assert.equal(trust.Statement[0].Condition.StringEquals["oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub"], "system:serviceaccount:axonserver:axonserver");
        const policies = ofType(records, "aws:iam/rolePolicy:RolePolicy");
        const irsaPolicy = JSON.parse(inputs(policies.find((p) => p.name === "prod-aws-euw1-backup-policy")!).policy as string);
        assert.deepEqual(irsaPolicy.Statement[0].Resource, ["arn:aws:s3:::bkt/prod/axon-ab-1/*"]);
        const vmPolicy = inputs(policies.find((p) => p.name === "prod-aws-use1-axon-dr-1-backup-policy")!);
        assert.equal(vmPolicy.role, "vm-role");
        assert.deepEqual(JSON.parse(vmPolicy.policy as string).Statement[0].Resource, ["arn:aws:s3:::bkt/prod/axon-dr-1/*"]);

        const dlmRole = inputs(ofType(records, "aws:iam/role:Role").find((r) => r.name === "prod-eu-west-1-snapshots-dlm-role")!);
        assert.equal(JSON.parse(dlmRole.assumeRolePolicy as string).Statement[0].Principal.Service, "dlm.amazonaws.com");
        assert.ok(
            ofType(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").every(
                (r) => inputs(r).policyArn === "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
            ),
        );
        const dlm = (name: string) => inputs(ofType(records, "aws:dlm/lifecyclePolicy:LifecyclePolicy").find((r) => r.name === name)!) as Json;
        const [eu, us] = [dlm("prod-eu-west-1-snapshots-dlm"), dlm("prod-us-east-1-snapshots-dlm")];
        assert.equal(eu.region, "eu-west-1");
        assert.equal(eu.state, "ENABLED");
        assert.deepEqual(eu.policyDetails.resourceTypes, ["VOLUME"]);
        assert.deepEqual(eu.policyDetails.targetTags, { "axonserver-environment": "prod" });
        const sched = eu.policyDetails.schedules[0];
        assert.deepEqual(sched.createRule, { interval: 24, intervalUnit: "HOURS", times: "02:00" });
        assert.deepEqual(sched.retainRule, { count: 14 });
        const { cmkArn, ...copyRule } = sched.crossRegionCopyRules[0];
        assert.deepEqual(copyRule, { target: "us-east-1", encrypted: true, copyTags: true, retainRule: { interval: 14, intervalUnit: "DAYS" } });
        assert.equal(sched.crossRegionCopyRules.length, 1);
        assert.match(cmkArn, /^arn:aws:kms:us-east-1:/, "copies encrypted with the stack's own DR-region key");
        assert.equal(us.policyDetails.schedules[0].crossRegionCopyRules, undefined, "no copy into its own region");
        assert.ok(policies.some((p) => p.name === "prod-eu-west-1-snapshots-dlm-kms"));
    });

    it("GCS bucket, conditional IAM, GCE snapshot schedule, Backup for GKE (GCP)", async () => {
        const s = settings({ cloud: "gcp", drRegion: "europe-west1", snapshotTime: "06:30", retentionDays: 20 });
        const { records } = await runUnderMocks({ stack: "prod" }, () => {
            const bucket = new BackupBucket("prod-backup", { environment: "prod", settings: s, gcpProject: "acme-axon-prod" });
            new GcpBackupAccess("prod-gcp-euw4-backup", { bucketName: "bkt", member: "serviceAccount:backup@acme-axon-prod.iam.gserviceaccount.com", scope: { prefixes: ["prod/axon-1"] } });
            new GcpSnapshotSchedule("prod-europe-west4-snapshots", { environment: "prod", project: "acme-axon-prod", region: "europe-west4", settings: s });
            const provider = new k8s.Provider("gke", { kubeconfig: "{}" });
            new GkeBackup("prod-gcp-euw4-backup-gke", {
                environment: "prod",
                project: "acme-axon-prod",
                region: "europe-west4",
                clusterId: "projects/acme-axon-prod/locations/europe-west4/clusters/prod-gcp-euw4",
                namespace: "axonserver",
                settings: s,
                kubernetesProvider: provider,
            });
            return bucket;
        });
        assertUniqueUrns(records);
        assert.deepEqual(countByType(records.filter((r) => r.custom && !r.type.startsWith("pulumi:providers"))), {
            "gcp:compute/resourcePolicy:ResourcePolicy": 1,
            "gcp:gkebackup/backupPlan:BackupPlan": 1,
            "gcp:storage/bucket:Bucket": 1,
            "gcp:storage/bucketIAMMember:BucketIAMMember": 1,
            "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass": 1,
        });
        const b = ofType(records, "gcp:storage/bucket:Bucket")[0];
        const bi = inputs(b) as Json;
        assert.equal(bi.location, "EUROPE-WEST1");
        assert.deepEqual([bi.uniformBucketLevelAccess, bi.publicAccessPrevention, bi.versioning, bi.forceDestroy], [true, "enforced", { enabled: true }, false]);
        assert.deepEqual(bi.lifecycleRules[0], { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 20, withState: "ARCHIVED" } });
        assert.equal(bi.retentionPolicy, undefined, "a retention policy would block the agent's overwrites");
        assert.deepEqual([b.protect, b.retainOnDelete], [true, true]);
        const [agent] = ofType(records, "gcp:storage/bucketIAMMember:BucketIAMMember").map((r) => inputs(r) as Json);
        assert.equal(agent.role, "roles/storage.objectUser");
        assert.match(agent.condition.expression, /resource\.name\.startsWith\("projects\/_\/buckets\/bkt\/objects\/prod\/axon-1\/"\)/);
        const rp = inputs(ofType(records, "gcp:compute/resourcePolicy:ResourcePolicy")[0]) as Json;
        assert.equal(rp.region, "europe-west4");
        assert.deepEqual(rp.snapshotSchedulePolicy.schedule, { dailySchedule: { daysInCycle: 1, startTime: "04:00" } });
        assert.deepEqual(rp.snapshotSchedulePolicy.retentionPolicy, { maxRetentionDays: 14, onSourceDiskDelete: "KEEP_AUTO_SNAPSHOTS" });
        assert.equal(rp.snapshotSchedulePolicy.snapshotProperties.storageLocations, "eu");
        const plan = inputs(ofType(records, "gcp:gkebackup/backupPlan:BackupPlan")[0]) as Json;
        assert.deepEqual([plan.location, plan.cluster], ["europe-west1", "projects/acme-axon-prod/locations/europe-west4/clusters/prod-gcp-euw4"]);
        assert.deepEqual(plan.backupConfig, { selectedNamespaces: { namespaces: ["axonserver"] }, includeVolumeData: true, includeSecrets: false });
        assert.deepEqual(plan.backupSchedule, { cronSchedule: "30 6 * * *" });
        assert.deepEqual(plan.retentionPolicy, { backupRetainDays: 14 });
        const vsc = inputs(ofType(records, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass")[0]) as Json;
        assert.deepEqual([vsc.driver, vsc.deletionPolicy], ["pd.csi.storage.gke.io", "Retain"]);
    });

    it("helpers: GCE start slots and multi-regions", () => {
        assert.deepEqual(["00:10", "02:00", "04:00", "23:59"].map(gceDailyStartTime), ["00:00", "00:00", "04:00", "20:00"]);
        assert.deepEqual(["europe-west4", "us-east1", "asia-southeast1", "australia-southeast1"].map(gcpMultiRegion), ["eu", "us", "asia", "australia-southeast1"]);
    });
});
