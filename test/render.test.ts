import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CLIENT_CA_FILE, renderClientConfig, renderRegionClientConfigs } from "../components/axonserver/render/clientConfig";
import { clusterTemplateFirst, renderClusterTemplate } from "../components/axonserver/render/clusterTemplate";
import { jvmHeapOptions, quantityBytes } from "../components/axonserver/render/jvm";
import { CONTAINER_PATHS, VM_PATHS } from "../components/axonserver/render/paths";
import {
    INTERNAL_TOKEN_ENV,
    LICENSE_ENV,
    licenseFile,
    propertiesText,
    renderAxonServerProperties,
} from "../components/axonserver/render/properties";
import { Topology } from "../components/topology/model";
import { creationOrder, creationOrderExplained, rollingOrder, rollingOrderExplained } from "../components/topology/rolling";
import { buildTopology } from "./fixtures/topologies";

/** Parses a properties file the simple way (our output has no continuation lines). */
function parseProps(text: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of text.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const i = line.indexOf("=");
        assert.ok(i > 0, `malformed line: ${line}`);
        assert.ok(!out.has(line.slice(0, i)), `duplicate key ${line.slice(0, i)}`);
        out.set(line.slice(0, i), line.slice(i + 1));
    }
    return out;
}

const withTls = (t: Topology, tls: boolean): Topology => ({ ...t, axonServer: { ...t.axonServer, tls } });

/** Two regions on AWS plus one on GCP; every role present. */
function multiRegion(): Topology {
    return buildTopology({
        environment: "prod",
        sites: [
            { name: "gcp-eu", cloud: "gcp", region: "europe-west4", zones: ["europe-west4-a", "europe-west4-b", "europe-west4-c"] },
            { name: "aws-eu", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"] },
            { name: "aws-us", region: "us-east-1", zones: ["us-east-1a"] },
        ],
        nodes: [
            "axon-1",
            "axon-2",
            "axon-3",
            { name: "axon-sec", site: "gcp-eu" },
            { name: "axon-ab", site: "aws-eu", tags: { team: "core" } },
            { name: "axon-msg", site: "aws-eu" },
            { name: "axon-dr", site: "aws-us" },
        ],
        groups: {
            orders: {
                "axon-1": "PRIMARY",
                "axon-2": "PRIMARY",
                "axon-3": "PRIMARY",
                "axon-sec": "SECONDARY",
                "axon-ab": "ACTIVE_BACKUP",
                "axon-msg": "MESSAGING_ONLY",
                "axon-dr": "PASSIVE_BACKUP",
            },
        },
        minActiveBackups: 1,
        clients: [
            { region: "europe-west4", cidrs: ["10.0.0.0/16"], namespaces: ["default"], contexts: ["orders"] },
            { region: "eu-west-1", cidrs: ["10.1.0.0/16"], namespaces: ["default"], contexts: ["orders"] },
            { region: "us-east-1", cidrs: ["10.2.0.0/16"], namespaces: [], contexts: ["orders"] },
            { region: "ap-south-1", cidrs: ["10.9.0.0/16"], namespaces: [], contexts: ["orders"] },
        ],
    });
}

describe("render: axonserver.properties", () => {
    const topo = multiRegion();
    const node = topo.nodes.find((n) => n.name === "axon-ab")!;

    it("writes identity, ports and every storage location of the container layout", () => {
        const p = parseProps(renderAxonServerProperties(topo, node));
        const expected: Record<string, string> = {
            "axoniq.axonserver.name": "axon-ab",
            "axoniq.axonserver.hostname": "axon-ab",
            "axoniq.axonserver.domain": "prod.axon.internal",
            "axoniq.axonserver.internal-hostname": "axon-ab",
            "axoniq.axonserver.internal-domain": "prod.axon.internal",
            "server.port": "8024",
            "axoniq.axonserver.port": "8124",
            "axoniq.axonserver.internal-port": "8224",
            "axoniq.axonserver.event.storage": "/axonserver/events",
            "axoniq.axonserver.snapshot.storage": "/axonserver/events",
            "axoniq.axonserver.controldb-path": "/axonserver/data",
            "axoniq.axonserver.controldb-backup-location": "/axonserver/data/controldb-backups",
            "axoniq.axonserver.pid-file-location": "/axonserver/data",
            // Always set: read only when the file exists (a restore with other host names writes it).
            "axoniq.axonserver.recoveryfile": "/axonserver/data/recovery.json",
            "axoniq.axonserver.replication.log-storage-folder": "/axonserver/log",
            "axoniq.axonserver.plugin-package-directory": "/axonserver/plugins/bundles",
            "axoniq.axonserver.plugin-cache-directory": "/axonserver/plugins/cache",
            "axoniq.axonserver.enterprise.license-directory": "/axonserver/data/license",
            "logging.file.name": "/axonserver/data/axonserver.log",
            "axoniq.axonserver.tags.cloud": "aws",
            "axoniq.axonserver.tags.region": "eu-west-1",
            "axoniq.axonserver.tags.site": "aws-eu",
            "axoniq.axonserver.tags.team": "core",
            "axoniq.axonserver.tags.zone": "eu-west-1a",
            "axoniq.axonserver.accesscontrol.enabled": "true",
            "axoniq.axonserver.accesscontrol.systemtokenfile": "/axonserver/security/system.token",
            "axoniq.axonserver.replication.min-active-backups": "1",
            "axoniq.axonserver.clustertemplate.path": "/axonserver/template/cluster-template.yml", // the guard's copy
        };
        assert.deepEqual(Object.fromEntries(p), expected);
    });

    it("writes tags in sorted key order", () => {
        const keys = [...parseProps(renderAxonServerProperties(topo, node)).keys()].filter((k) => k.includes(".tags."));
        assert.deepEqual(keys, [...keys].sort());
    });

    it("adds the ssl keys pointing into the TLS mount only when TLS is on", () => {
        const on = parseProps(renderAxonServerProperties(withTls(topo, true), node));
        assert.equal(on.get("axoniq.axonserver.ssl.enabled"), "true");
        assert.equal(on.get("axoniq.axonserver.ssl.cert-chain-file"), "/axonserver/tls/tls.crt");
        assert.equal(on.get("axoniq.axonserver.ssl.private-key-file"), "/axonserver/tls/tls.key");
        assert.equal(on.get("axoniq.axonserver.ssl.internal-trust-manager-file"), "/axonserver/tls/ca.crt");
        const off = parseProps(renderAxonServerProperties(withTls(topo, false), node));
        assert.ok(![...off.keys()].some((k) => k.includes(".ssl.")));
    });

    it("carries min-active-backups from the topology", () => {
        const t = { ...topo, axonServer: { ...topo.axonServer, minActiveBackups: 2 } };
        assert.equal(parseProps(renderAxonServerProperties(t, node)).get("axoniq.axonserver.replication.min-active-backups"), "2");
    });

    it("never writes a secret, autocluster or internal token", () => {
        const text = renderAxonServerProperties(withTls(topo, true), node);
        for (const forbidden of ["internal-token", "autocluster", "password", "accesscontrol.token=", "admin-token"]) {
            assert.ok(!text.includes(forbidden), `must not contain ${forbidden}`);
        }
        assert.equal(INTERNAL_TOKEN_ENV, "AXONIQ_AXONSERVER_ACCESSCONTROL_INTERNALTOKEN");
        assert.equal(LICENSE_ENV, "AXONIQ_LICENSE");
        assert.equal(licenseFile(CONTAINER_PATHS), "/axonserver/license/axoniq.license");
        assert.equal(licenseFile(VM_PATHS), "/run/axonserver/license/axoniq.license");
    });

    it("starts with the generated/immutable header and is deterministic", () => {
        const text = renderAxonServerProperties(topo, node);
        const header = text.split("\n").slice(0, 4).join("\n");
        assert.match(header, /Generated by axonserver-multiregion/);
        assert.match(header, /Do not edit/);
        assert.match(header, /node name .* immutable/);
        assert.equal(renderAxonServerProperties(topo, node), text);
    });

    it("uses the VM layout when asked", () => {
        const p = parseProps(renderAxonServerProperties(topo, node, VM_PATHS));
        assert.equal(p.get("axoniq.axonserver.event.storage"), "/var/lib/axonserver/events");
        assert.equal(p.get("axoniq.axonserver.replication.log-storage-folder"), "/var/lib/axonserver/log");
        assert.equal(p.get("axoniq.axonserver.accesscontrol.systemtokenfile"), "/run/axonserver/security/system.token");
        assert.equal(p.get("axoniq.axonserver.clustertemplate.path"), "/run/axonserver/cluster-template.yml");
        assert.equal(p.get("axoniq.axonserver.enterprise.license-directory"), "/var/lib/axonserver/data/license");
    });

    it("uses in-cluster Service DNS for a single existing Kubernetes cluster", () => {
        const local = buildTopology({ sites: [{ name: "kind", cloud: "none", region: "local" }], nodes: ["axonserver-1"] });
        const p = parseProps(renderAxonServerProperties(local, local.nodes[0]));
        assert.equal(p.get("axoniq.axonserver.domain"), "axonserver.svc.cluster.local");
        assert.equal(p.get("axoniq.axonserver.internal-domain"), "axonserver.svc.cluster.local");
        assert.equal(p.has("axoniq.axonserver.tags.zone"), false);
        // Cloud `none` is no locality: the client gets only the region tag.
        const withClient = { ...local, clients: [{ region: "local", cidrs: [], namespaces: [], contexts: ["default"] }] };
        assert.deepEqual(renderRegionClientConfigs(withClient).local.contexts.default.tags, { region: "local" });
    });

    it("escapes property syntax in values and keys", () => {
        const text = propertiesText([{ key: "a b=c", value: " x\\y=ü" }]);
        assert.equal(text, "a\\ b\\=c=\\ x\\\\y=\\u00fc\n");
    });
});

describe("render: cluster template", () => {
    it("names the first PRIMARY of _admin, by FQ internal hostname and port", () => {
        const t = multiRegion();
        assert.equal(clusterTemplateFirst(t), "axon-1.prod.axon.internal:8224");
        const explicit = buildTopology({
            nodes: ["a", "b", "c"],
            groups: { _admin: { a: "SECONDARY", b: "PRIMARY", c: "PRIMARY" }, default: { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" } },
        });
        assert.equal(clusterTemplateFirst(explicit), "b.test.axon.internal:8224");
    });

    it("lists every group with roles and contexts in the exact reference field names", () => {
        const base = multiRegion();
        const t: Topology = {
            ...base,
            replicationGroups: base.replicationGroups.map((g) =>
                g.name === "orders"
                    ? { ...g, contexts: [{ name: "orders", metaData: { "event.retention-time": "30d", "event.index-format": "JUMP_SKIP_INDEX" } }, { name: "payments", metaData: {} }] }
                    : g,
            ),
        };
        const text = renderClusterTemplate(t);
        const doc = parseYaml(text);
        assert.deepEqual(Object.keys(doc), ["axoniq"]);
        assert.deepEqual(Object.keys(doc.axoniq.axonserver), ["cluster-template"]);
        const tpl = doc.axoniq.axonserver["cluster-template"];
        assert.deepEqual(Object.keys(tpl), ["first", "replicationGroups"]);
        assert.equal(tpl.first, "axon-1.prod.axon.internal:8224");
        assert.deepEqual(tpl.replicationGroups[0], {
            name: "_admin",
            roles: [
                { node: "axon-1", role: "PRIMARY" },
                { node: "axon-2", role: "PRIMARY" },
                { node: "axon-3", role: "PRIMARY" },
            ],
            contexts: [{ name: "_admin" }],
        });
        const orders = tpl.replicationGroups[1];
        assert.equal(orders.name, "orders");
        assert.deepEqual(
            orders.roles.map((r: { node: string; role: string }) => `${r.node}:${r.role}`),
            ["axon-1:PRIMARY", "axon-2:PRIMARY", "axon-3:PRIMARY", "axon-sec:SECONDARY", "axon-ab:ACTIVE_BACKUP", "axon-msg:MESSAGING_ONLY", "axon-dr:PASSIVE_BACKUP"],
        );
        // metaData only when non-empty, keys sorted.
        assert.deepEqual(orders.contexts, [
            { name: "orders", metaData: { "event.index-format": "JUMP_SKIP_INDEX", "event.retention-time": "30d" } },
            { name: "payments" },
        ]);
        assert.ok(!/applications|users|token|password/.test(text.split("\n").filter((l) => !l.startsWith("#")).join("\n")));
        assert.match(text, /^# .*\n# Generated by axonserver-multiregion/);
    });

    it("throws when _admin has no PRIMARY", () => {
        const t = buildTopology({ nodes: ["a"], groups: { _admin: { a: "SECONDARY" }, default: { a: "PRIMARY" } } });
        assert.throws(() => clusterTemplateFirst(t), /_admin has no PRIMARY/);
    });
});

describe("render: client config", () => {
    const topo = withTls(multiRegion(), true);
    const client = (region: string) => topo.clients.find((c) => c.region === region)!;

    it("lists only PRIMARY and MESSAGING_ONLY nodes, same region first", () => {
        const eu = renderClientConfig(topo, client("eu-west-1"), "orders");
        assert.deepEqual(eu.servers, [
            "axon-msg.prod.axon.internal:8124", // same region
            "axon-1.prod.axon.internal:8124",
            "axon-2.prod.axon.internal:8124",
            "axon-3.prod.axon.internal:8124",
        ]);
        const gcp = renderClientConfig(topo, client("europe-west4"), "orders");
        assert.deepEqual(gcp.servers, [
            "axon-1.prod.axon.internal:8124",
            "axon-2.prod.axon.internal:8124",
            "axon-3.prod.axon.internal:8124",
            "axon-msg.prod.axon.internal:8124",
        ]);
    });

    it("puts same-cloud nodes before other clouds when the region has no server", () => {
        // us-east-1 hosts only a PASSIVE_BACKUP (AWS): the AWS MESSAGING_ONLY node comes before the GCP primaries.
        const us = renderClientConfig(topo, client("us-east-1"), "orders");
        assert.equal(us.servers[0], "axon-msg.prod.axon.internal:8124");
        assert.deepEqual(us.tags, { cloud: "aws", region: "us-east-1" });
        // A region without any Axon node: no cloud tag, plain config order.
        const ap = renderClientConfig(topo, client("ap-south-1"), "orders");
        assert.deepEqual(ap.tags, { region: "ap-south-1" });
        assert.equal(ap.servers[0], "axon-1.prod.axon.internal:8124");
    });

    it("renders properties, map and env with TLS", () => {
        const c = renderClientConfig(topo, client("europe-west4"), "orders");
        const servers = c.servers.join(",");
        assert.deepEqual(c.map, {
            "axon.axonserver.servers": servers,
            "axon.axonserver.context": "orders",
            "axon.axonserver.ssl-enabled": "true",
            "axon.axonserver.cert-file": CLIENT_CA_FILE,
            "axon.tags.cloud": "gcp",
            "axon.tags.region": "europe-west4",
        });
        assert.deepEqual(c.env, {
            AXON_AXONSERVER_SERVERS: servers,
            AXON_AXONSERVER_CONTEXT: "orders",
            AXON_AXONSERVER_SSLENABLED: "true",
            AXON_AXONSERVER_CERTFILE: CLIENT_CA_FILE,
            AXON_TAGS_CLOUD: "gcp",
            AXON_TAGS_REGION: "europe-west4",
        });
        assert.deepEqual(c.tls, { enabled: true, certFile: CLIENT_CA_FILE });
        assert.deepEqual(Object.fromEntries(parseProps(c.properties)), c.map);
        assert.match(c.properties, /lower-cased/);
        assert.ok(!/token=/i.test(c.properties) && !Object.keys(c.env).some((k) => k.includes("TOKEN")));
    });

    it("omits the ssl settings without TLS", () => {
        const c = renderClientConfig(withTls(topo, false), client("europe-west4"), "orders");
        assert.deepEqual(c.tls, { enabled: false });
        assert.ok(!("axon.axonserver.ssl-enabled" in c.map) && !("AXON_AXONSERVER_CERTFILE" in c.env));
    });

    it("renders every region with its default context; rejects unknown contexts", () => {
        const all = renderRegionClientConfigs(topo);
        assert.deepEqual(Object.keys(all), ["europe-west4", "eu-west-1", "us-east-1", "ap-south-1"]);
        assert.equal(all["eu-west-1"].defaultContext, "orders");
        assert.deepEqual(Object.keys(all["eu-west-1"].contexts), ["orders"]);
        assert.throws(() => renderClientConfig(topo, client("eu-west-1"), "nope"), /context nope is in no replication group/);
    });
});

describe("render: JVM heap", () => {
    it("uses half the memory limit in MiB", () => {
        assert.equal(jvmHeapOptions("4Gi"), "-Xms2048m -Xmx2048m -XX:+ExitOnOutOfMemoryError");
        assert.match(jvmHeapOptions("1Gi"), /^-Xms512m -Xmx512m /);
        assert.match(jvmHeapOptions("1.5Gi"), /^-Xms768m -Xmx768m /);
        assert.match(jvmHeapOptions("3G"), /^-Xms1430m -Xmx1430m /); // 1.5e9 B / 1 MiB, rounded down
        assert.match(jvmHeapOptions("1000Mi"), /^-Xms500m /);
    });
    it("rejects malformed quantities", () => {
        assert.equal(quantityBytes("2Ki"), 2048);
        assert.throws(() => quantityBytes("4GB"), /invalid memory quantity "4GB"/);
        assert.throws(() => jvmHeapOptions("1Ki"), /too small/);
    });
});

describe("topology: creation order (the chain pulumi up walks)", () => {
    it("starts the template's first, then the other PRIMARY nodes, then ACTIVE_BACKUP, then the rest", () => {
        // EE 4.4.2 `createReplicationGroup` refuses a group whose first joining node is not PRIMARY
        // ("No primary nodes provided"): every group must see a PRIMARY before any other member.
        const t = multiRegion();
        assert.deepEqual(
            creationOrder(t).map((n) => n.name),
            ["axon-1", "axon-2", "axon-3", "axon-ab", "axon-sec", "axon-msg", "axon-dr"],
        );
        for (const g of t.replicationGroups) {
            const order = creationOrder(t).map((n) => n.name);
            const firstMember = order.find((n) => g.members.some((m) => m.node === n))!;
            assert.equal(g.members.find((m) => m.node === firstMember)!.role, "PRIMARY", `${g.name} starts with a PRIMARY`);
        }
    });

    it("puts the template's first before PRIMARY nodes listed earlier in config", () => {
        const t = buildTopology({
            nodes: ["a", "b", "c", "d"],
            groups: { _admin: { b: "PRIMARY", a: "PRIMARY", c: "PRIMARY" }, g1: { a: "PRIMARY", d: "PASSIVE_BACKUP" }, g2: { d: "ACTIVE_BACKUP", c: "SECONDARY" } },
        });
        assert.deepEqual(creationOrderExplained(t), [
            { node: "b", rank: "PRIMARY (_admin), cluster-template first: initialises the cluster" },
            { node: "a", rank: "PRIMARY (_admin, g1)" },
            { node: "c", rank: "PRIMARY (_admin)" },
            { node: "d", rank: "ACTIVE_BACKUP (g2)" },
        ]);
    });
});

describe("topology: least-critical order (stopping by hand)", () => {
    it("updates non-voters first (config order), then ACTIVE_BACKUP, then PRIMARY, the template's first last", () => {
        const t = multiRegion();
        assert.deepEqual(
            rollingOrder(t).map((n) => n.name),
            ["axon-sec", "axon-msg", "axon-dr", "axon-ab", "axon-2", "axon-3", "axon-1"],
        );
    });

    it("ranks a node by its most critical role over all groups", () => {
        const t = buildTopology({
            nodes: ["a", "b", "c", "d"],
            groups: {
                _admin: { b: "PRIMARY", a: "PRIMARY", c: "PRIMARY" },
                g1: { a: "PRIMARY", d: "PASSIVE_BACKUP" },
                g2: { d: "ACTIVE_BACKUP", c: "SECONDARY" },
            },
        });
        assert.deepEqual(
            rollingOrder(t).map((n) => n.name),
            ["d", "a", "c", "b"],
        );
        assert.deepEqual(rollingOrderExplained(t), [
            { node: "d", rank: "ACTIVE_BACKUP (g2)" },
            { node: "a", rank: "PRIMARY (_admin, g1)" },
            { node: "c", rank: "PRIMARY (_admin)" },
            { node: "b", rank: "PRIMARY (_admin), cluster-template first: last of all" },
        ]);
    });

    it("explains non-voting ranks with role@group", () => {
        const t = multiRegion();
        assert.deepEqual(rollingOrderExplained(t)[0], { node: "axon-sec", rank: "non-voting (SECONDARY@orders)" });
    });
});
