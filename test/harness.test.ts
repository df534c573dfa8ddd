import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import {
    assertUniqueUrns,
    containsSecretWrapper,
    countByType,
    ofType,
    outputValue,
    redactSecrets,
    runUnderMocks,
    unwrapSecrets,
} from "../tools/harness/mocks";

class Box extends pulumi.ComponentResource {
    readonly cm: k8s.core.v1.ConfigMap;
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, {}, opts);
        this.cm = new k8s.core.v1.ConfigMap(`${name}-cm`, { data: { a: "b" } }, { parent: this });
        this.registerOutputs({});
    }
}

describe("tools/harness/mocks", () => {
    it("records registrations with parent, dependencies, options and wrapped secrets", async () => {
        const run = await runUnderMocks(
            { stack: "h1", config: { "axonserver-multiregion:token": "s3cr3t", "axonserver-multiregion:plain": "p" }, secretKeys: ["axonserver-multiregion:token"] },
            () => {
                const cfg = new pulumi.Config();
                assert.equal(cfg.get("plain"), "p");
                const box = new Box("box");
                const secret = new k8s.core.v1.Secret(
                    "sec",
                    { stringData: { token: cfg.requireSecret("token") } },
                    { dependsOn: [box], retainOnDelete: true, protect: true, ignoreChanges: ["metadata"], deleteBeforeReplace: true },
                );
                return { box, secret, token: cfg.requireSecret("token") };
            },
        );
        assert.deepEqual(countByType(run.records), {
            "kubernetes:core/v1:ConfigMap": 1,
            "kubernetes:core/v1:Secret": 1,
            "test:index:Box": 1,
        });
        assertUniqueUrns(run.records);
        const [box] = ofType(run.records, "test:index:Box");
        const [cm] = ofType(run.records, "kubernetes:core/v1:ConfigMap");
        const [sec] = ofType(run.records, "kubernetes:core/v1:Secret");
        assert.equal(box.urn, "urn:pulumi:h1::axonserver-multiregion::test:index:Box::box");
        assert.equal(cm.parent, box.urn);
        assert.equal(cm.custom, true);
        assert.equal(box.custom, false);
        // dependsOn on a component expands to its custom children.
        assert.deepEqual(sec.dependencies, [cm.urn]);
        assert.equal(sec.retainOnDelete, true);
        assert.equal(sec.protect, true);
        assert.equal(sec.deleteBeforeReplace, true);
        assert.deepEqual(sec.ignoreChanges, ["metadata"]);
        assert.equal(containsSecretWrapper(sec.inputs), true);
        assert.equal(containsSecretWrapper(cm.inputs), false);
        assert.deepEqual((unwrapSecrets(sec.inputs) as { stringData: unknown }).stringData, { token: "s3cr3t" });
        // The whole property holding a secret Output is wrapped by the serializer.
        assert.equal((redactSecrets(sec.inputs) as { stringData: unknown }).stringData, "[secret]");
        assert.equal(await outputValue(run.result.token), "s3cr3t");
        assert.equal(await pulumi.isSecret(run.result.token), true);
        assert.equal(await outputValue(run.result.secret.metadata.name), "sec");
    });

    it("isolates runs: config is replaced and nothing leaks into the next run", async () => {
        const run = await runUnderMocks({ stack: "h2" }, () => {
            assert.equal(new pulumi.Config().get("plain"), undefined);
            new k8s.core.v1.Namespace("ns", { metadata: { name: "axon" } });
            return pulumi.getStack();
        });
        assert.equal(run.result, "h2");
        assert.deepEqual(countByType(run.records), { "kubernetes:core/v1:Namespace": 1 });
        assert.ok(run.records[0].urn.startsWith("urn:pulumi:h2::axonserver-multiregion::"));
    });

    it("answers state per package and invokes", async () => {
        const run = await runUnderMocks({ stack: "h3" }, async () => {
            const pw = new random.RandomPassword("pw", { length: 24, special: false });
            const key = new tls.PrivateKey("key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
            const ca = new tls.SelfSignedCert("ca", {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: 1,
                allowedUses: ["cert_signing"],
                subject: { commonName: "ca" },
            });
            const aws = new k8s.core.v1.Service("aws-lb", {
                metadata: { name: "n1", annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } },
                spec: { type: "LoadBalancer", ports: [{ port: 8124 }] },
            });
            const gke = new k8s.core.v1.Service("gke-lb", { metadata: { name: "n2" }, spec: { type: "LoadBalancer", ports: [{ port: 8124 }] } });
            const invoked = pulumi.runtime.invoke("aws:index/getCallerIdentity:getCallerIdentity", {});
            return {
                pw: await outputValue(pw.result),
                key: await outputValue(key.privateKeyPem),
                cert: await outputValue(ca.certPem),
                awsIngress: await outputValue(aws.status.loadBalancer.ingress),
                gkeIngress: await outputValue(gke.status.loadBalancer.ingress),
                accountId: (await invoked).accountId as string,
            };
        });
        assert.equal(run.result.pw.length, 24);
        assert.match(run.result.key, /^-----BEGIN PRIVATE KEY-----/);
        assert.match(run.result.cert, /^-----BEGIN CERTIFICATE-----/);
        assert.equal(run.result.awsIngress[0].hostname, "n1.elb.amazonaws.com");
        assert.match(run.result.gkeIngress[0].ip ?? "", /^10\.\d+\.\d+\.\d+$/);
        assert.equal(run.result.accountId, "123456789012");
    });

    it("assertUniqueUrns lists duplicates", () => {
        const rec = { type: "t", name: "n", urn: "urn:x", parent: "", provider: "", custom: true, remote: false, dependencies: [], inputs: {}, protect: false, retainOnDelete: false, ignoreChanges: [], deleteBeforeReplace: false, replaceOnChanges: [] };
        assert.throws(() => assertUniqueUrns([rec, { ...rec }]), /urn:x x2/);
    });
});
