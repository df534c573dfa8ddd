import assert from "node:assert/strict";
import { loadTopology as loadStackConfig } from "../components/backup/stackLoader";
import { loadTopology, loadTopologyOrThrow, TopologyError } from "../components/topology/load";
import { ConfigIssue, Topology } from "../components/topology/model";
import { RUNNER_CIDR } from "./fixtures/topologies";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test configs are mutated freely by path
type Cfg = Record<string, any>;

/** A valid two-cloud config: 3 PRIMARY on GKE, a PASSIVE_BACKUP on EKS in another region. */
function base(): Cfg {
    return {
        environment: "test",
        gcpProject: "acme-axon-test",
        axonServer: { version: "2024.2.4" },
        sites: [
            { name: "gcp-a", cloud: "gcp", platform: "gke", region: "europe-west4", zones: ["europe-west4-a", "europe-west4-b", "europe-west4-c"], cidr: "10.30.0.0/16" },
            { name: "aws-b", cloud: "aws", platform: "eks", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"], cidr: "10.40.0.0/16" },
        ],
        nodes: [
            { name: "axon-1", site: "gcp-a", zone: "europe-west4-a" },
            { name: "axon-2", site: "gcp-a", zone: "europe-west4-b" },
            { name: "axon-3", site: "gcp-a", zone: "europe-west4-c" },
            { name: "axon-bk", site: "aws-b", zone: "eu-west-1a", nodePortSlot: 0 },
        ],
        replicationGroups: [
            {
                name: "orders",
                contexts: [{ name: "orders" }, { name: "payments", metaData: { "event.retention-time": "30d" } }],
                members: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY", "axon-bk": "PASSIVE_BACKUP" },
            },
        ],
        clients: [{ region: "europe-west4", cidrs: ["10.30.0.0/16"] }],
        clusterAccess: { runnerCidrs: [RUNNER_CIDR] },
    };
}

/** A minimal single-site config on an existing cluster (no zones). */
function minimal(): Cfg {
    return {
        environment: "mini",
        axonServer: { version: "2024.2.4" },
        sites: [{ name: "kind", cloud: "none", platform: "kubernetes", region: "local", cidr: "10.244.0.0/16" }],
        nodes: [
            { name: "axon-1", site: "kind" },
            { name: "axon-2", site: "kind" },
            { name: "axon-3", site: "kind" },
        ],
        replicationGroups: [{ name: "default", members: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY" } }],
    };
}

function show(issues: readonly ConfigIssue[]): string {
    return issues.map((e) => `  ${e.path}: ${e.message}`).join("\n");
}

function mustLoad(cfg: Cfg): { topology: Topology; warnings: readonly ConfigIssue[] } {
    const r = loadTopology(cfg);
    assert.deepEqual(r.errors, [], `unexpected errors:\n${show(r.errors)}`);
    assert.ok(r.topology);
    return { topology: r.topology, warnings: r.warnings };
}

interface BadCase {
    name: string;
    cfg?: () => Cfg;
    mutate: (c: Cfg) => void;
    /** Expected error path, exactly. */
    path: string;
    /** Substrings of that error's message: the bad value (quoted) and what is allowed. */
    contains: string[];
}

const ALL_ROLES = '"PRIMARY", "SECONDARY", "ACTIVE_BACKUP", "PASSIVE_BACKUP", "MESSAGING_ONLY"';

const badCases: BadCase[] = [
    // ---- top level
    { name: "unknown top-level key (typo)", mutate: (c) => (c.replicationgroups = []), path: "replicationgroups", contains: ['"replicationgroups"', "replicationGroups", "nodeDefaults"] },
    { name: "environment missing", mutate: (c) => delete c.environment, path: "environment", contains: ["is required"] },
    { name: "environment not DNS-1123", mutate: (c) => (c.environment = "Prod_1"), path: "environment", contains: ['"Prod_1"', "DNS-1123", "at most 16", "resource name"] },
    { name: "environment too long", mutate: (c) => (c.environment = "a".repeat(17)), path: "environment", contains: [`"${"a".repeat(17)}"`, "at most 16", "17 characters"] },
    { name: "environment not a string", mutate: (c) => (c.environment = 42), path: "environment", contains: ["42", "a string"] },
    { name: "gcpProject missing with a GCP site", mutate: (c) => delete c.gcpProject, path: "gcpProject", contains: ["is required", '"gcp-a"', "sites[0]"] },
    { name: "gcpProject malformed", mutate: (c) => (c.gcpProject = "Acme"), path: "gcpProject", contains: ['"Acme"', "[a-z][a-z0-9-]{4,28}[a-z0-9]"] },
    // ---- axonServer
    { name: "axonServer missing", mutate: (c) => delete c.axonServer, path: "axonServer", contains: ["is required"] },
    { name: "axonServer.version malformed", mutate: (c) => (c.axonServer.version = "2024"), path: "axonServer.version", contains: ['"2024"', "\\d+\\.\\d+(\\.\\d+)?", "2024.2.4"] },
    { name: "axonServer.tls not a boolean", mutate: (c) => (c.axonServer.tls = "yes"), path: "axonServer.tls", contains: ['"yes"', "true or false"] },
    { name: "axonServer.minActiveBackups negative", mutate: (c) => (c.axonServer.minActiveBackups = -1), path: "axonServer.minActiveBackups", contains: ["-1", "from 0 to 16"] },
    { name: "axonServer.minActiveBackups not whole", mutate: (c) => (c.axonServer.minActiveBackups = "1.5"), path: "axonServer.minActiveBackups", contains: ["1.5", "integer"] },
    { name: "axonServer.startupBudgetSeconds too small", mutate: (c) => (c.axonServer.startupBudgetSeconds = 300), path: "axonServer.startupBudgetSeconds", contains: ["300", "at least 600"] },
    { name: "axonServer.terminationGracePeriodSeconds too small (string)", mutate: (c) => (c.axonServer.terminationGracePeriodSeconds = "60"), path: "axonServer.terminationGracePeriodSeconds", contains: ["60", "at least 120"] },
    { name: "axonServer.download.url not https", mutate: (c) => (c.axonServer.download = { url: "http://example.com/a.zip", sha256: "a".repeat(64) }), path: "axonServer.download.url", contains: ['"http://example.com/a.zip"', "https://"] },
    { name: "axonServer.download.url not a jar", mutate: (c) => (c.axonServer.download = { url: "https://example.com/axonserver.zip", sha256: "a".repeat(64) }), path: "axonServer.download.url", contains: ['"https://example.com/axonserver.zip"', ".jar"] },
    { name: "axonServer.download missing with a VM site", mutate: (c) => (c.sites[1].platform = "vm"), path: "axonServer.download", contains: ["is required", 'sites[1] ("aws-b")', '"vm"', "sha256"] },
    { name: "axonServer.download.sha256 malformed", mutate: (c) => (c.axonServer.download = { url: "https://example.com/a.zip", sha256: "abc" }), path: "axonServer.download.sha256", contains: ['"abc"', "[0-9a-fA-F]{64}"] },
    { name: "axonServer unknown key", mutate: (c) => (c.axonServer.minActiveBackup = 1), path: "axonServer.minActiveBackup", contains: ['"minActiveBackup"', "minActiveBackups", "startupBudgetSeconds"] },
    {
        name: "minActiveBackups above the ACTIVE_BACKUP count",
        mutate: (c) => {
            c.axonServer.minActiveBackups = 3;
            c.replicationGroups[0].members["axon-bk"] = "ACTIVE_BACKUP";
        },
        path: "axonServer.minActiveBackups",
        contains: ["3", "1 ACTIVE_BACKUP member", '"orders"', "replicationGroups[0]", "at most 1"],
    },
    // ---- kubernetes, dns, CIDR lists, nodeDefaults
    { name: "kubernetes.namespace not DNS-1123", mutate: (c) => (c.kubernetes = { namespace: "Axon" }), path: "kubernetes.namespace", contains: ['"Axon"', "DNS-1123", "[a-z0-9]([-a-z0-9]*[a-z0-9])?"] },
    { name: "dns.domain malformed", mutate: (c) => (c.dns = { domain: "axon..internal" }), path: "dns.domain", contains: ['"axon..internal"', "DNS-1123", "axon.internal"] },
    { name: "adminCidrs open to the world", mutate: (c) => (c.adminCidrs = ["10.0.0.0/8", "0.0.0.0/0"]), path: "adminCidrs[1]", contains: ['"0.0.0.0/0"', "nothing is public", "/1 to /32"] },
    { name: "adminCidrs with host bits", mutate: (c) => (c.adminCidrs = ["10.1.2.3/16"]), path: "adminCidrs[0]", contains: ['"10.1.2.3/16"', "host bits", "10.1.0.0/16"] },
    { name: "adminCidrs malformed", mutate: (c) => (c.adminCidrs = ["10.0.0.0/33"]), path: "adminCidrs[0]", contains: ['"10.0.0.0/33"', "a.b.c.d/prefix"] },
    { name: "nodeDefaults.memory below 1Gi", mutate: (c) => (c.nodeDefaults = { memory: "512Mi" }), path: "nodeDefaults.memory", contains: ['"512Mi"', "at least 1Gi"] },
    { name: "nodeDefaults.cpu malformed", mutate: (c) => (c.nodeDefaults = { cpu: "2 cores" }), path: "nodeDefaults.cpu", contains: ['"2 cores"', "500m", "\\d+(\\.\\d+)?m?"] },
    { name: "nodeDefaults.storage unknown tier", mutate: (c) => (c.nodeDefaults = { storage: "ssd" }), path: "nodeDefaults.storage", contains: ['"ssd"', '"fast", "standard", "cold"'] },
    { name: "nodeDefaults.cpuLimit below cpu", mutate: (c) => (c.nodeDefaults = { cpu: "2", cpuLimit: "1" }), path: "nodeDefaults.cpuLimit", contains: ['"1"', 'request "2"'] },
    // ---- sites
    { name: "sites not a list", mutate: (c) => (c.sites = { name: "x" }), path: "sites", contains: ['{"name":"x"}', "a list"] },
    { name: "site cloud unknown", mutate: (c) => (c.sites[0].cloud = "azure"), path: "sites[0].cloud", contains: ['"azure"', '"aws", "gcp", "none"'] },
    { name: "site platform unknown", mutate: (c) => (c.sites[0].platform = "openshift"), path: "sites[0].platform", contains: ['"openshift"', '"eks", "gke", "kubernetes", "vm"'] },
    { name: "gke on aws", mutate: (c) => (c.sites[1].platform = "gke"), path: "sites[1].platform", contains: ['"gke"', '"aws"', 'aws allows: "eks", "kubernetes", "vm"'] },
    { name: "AWS region malformed", mutate: (c) => (c.sites[1].region = "eu-west"), path: "sites[1].region", contains: ['"eu-west"', "AWS region", "eu-west-1"] },
    { name: "GCP region malformed", mutate: (c) => (c.sites[0].region = "europe_west4"), path: "sites[0].region", contains: ['"europe_west4"', "GCP region", 'did you mean "europe-west4"'] },
    { name: "AWS zone outside the region", mutate: (c) => (c.sites[1].zones[1] = "eu-west-2b"), path: "sites[1].zones[1]", contains: ['"eu-west-2b"', '"eu-west-1"', "eu-west-1a"] },
    { name: "GCP zone outside the region", mutate: (c) => (c.sites[0].zones[2] = "europe-west1-c"), path: "sites[0].zones[2]", contains: ['"europe-west1-c"', '"europe-west4"', "europe-west4-a"] },
    { name: "duplicate zone", mutate: (c) => (c.sites[0].zones = ["europe-west4-a", "europe-west4-b", "europe-west4-c", "europe-west4-a"]), path: "sites[0].zones[3]", contains: ['"europe-west4-a"', "duplicate", "sites[0].zones[0]"] },
    { name: "EKS site without zones", mutate: (c) => (c.sites[1].zones = []), path: "sites[1].zones", contains: ['"eks"', "at least one zone", '"eu-west-1"'] },
    { name: "site name not DNS-1123", mutate: (c) => (c.sites[1].name = "AWS_B"), path: "sites[1].name", contains: ['"AWS_B"', "DNS-1123", "at most 20", "IAM"] },
    { name: "site name too long", mutate: (c) => (c.sites[1].name = "aws-b-" + "x".repeat(15)), path: "sites[1].name", contains: ["at most 20", "21 characters"] },
    { name: "duplicate site name", mutate: (c) => (c.sites[1].name = "gcp-a"), path: "sites[1].name", contains: ['"gcp-a"', "duplicate", "sites[0]"] },
    { name: "overlapping site CIDRs", mutate: (c) => (c.sites[1].cidr = "10.30.128.0/17"), path: "sites[1].cidr", contains: ['"10.30.128.0/17"', '"aws-b"', '"10.30.0.0/16"', '"gcp-a"', "sites[0].cidr"] },
    { name: "GKE site CIDR too small", mutate: (c) => (c.sites[0].cidr = "10.30.0.0/22"), path: "sites[0].cidr", contains: ['"10.30.0.0/22"', "/22", "between /8 and /20"] },
    { name: "AWS site CIDR too large", mutate: (c) => (c.sites[1].cidr = "8.0.0.0/6"), path: "sites[1].cidr", contains: ['"8.0.0.0/6"', "between /8 and /22"] },
    { name: "site CIDR is the whole internet", mutate: (c) => (c.sites[1].cidr = "0.0.0.0/0"), path: "sites[1].cidr", contains: ['"0.0.0.0/0"', "nothing is public"] },
    { name: "kube context on an EKS site", mutate: (c) => (c.sites[1].context = "kind-kind"), path: "sites[1].context", contains: ['"kind-kind"', 'platform "kubernetes"', '"eks"'] },
    { name: "natGateways on GCP", mutate: (c) => (c.sites[0].natGateways = "single"), path: "sites[0].natGateways", contains: ['"single"', 'cloud "aws"', '"gcp"'] },
    { name: "natGateways unknown", mutate: (c) => (c.sites[1].natGateways = "all"), path: "sites[1].natGateways", contains: ['"all"', '"perZone", "single"'] },
    { name: "nodesPerZone zero", mutate: (c) => (c.sites[1].nodesPerZone = 0), path: "sites[1].nodesPerZone", contains: ["0", "from 1 to 100"] },
    { name: "unknown site key", mutate: (c) => (c.sites[0].zone = "europe-west4-a"), path: "sites[0].zone", contains: ['"zone"', "zones", "natGateways"] },
    {
        name: "site without nodes",
        mutate: (c) => c.sites.push({ name: "gcp-c", cloud: "gcp", platform: "gke", region: "europe-west1", zones: ["europe-west1-b"], cidr: "10.31.0.0/16" }),
        path: "sites[2]",
        contains: ['"gcp-c"', "no nodes", "site: gcp-c"],
    },
    // ---- nodes
    { name: "node on an unknown site", mutate: (c) => (c.nodes[3].site = "aws-c"), path: "nodes[3].site", contains: ['"aws-c"', '"gcp-a", "aws-b"'] },
    { name: "node zone not of its site", mutate: (c) => (c.nodes[0].zone = "europe-west4-d"), path: "nodes[0].zone", contains: ['"europe-west4-d"', '"gcp-a"', '"europe-west4-a", "europe-west4-b", "europe-west4-c"'] },
    { name: "node zone missing on a zoned site", mutate: (c) => delete c.nodes[0].zone, path: "nodes[0].zone", contains: ["is required", '"gcp-a"', '"europe-west4-a", "europe-west4-b", "europe-west4-c"'] },
    { name: "node zone on a site without zones", cfg: minimal, mutate: (c) => (c.nodes[1].zone = "zone-a"), path: "nodes[1].zone", contains: ['"zone-a"', '"kind"', "has no zones"] },
    { name: "duplicate node name", mutate: (c) => (c.nodes[1].name = "axon-1"), path: "nodes[1].name", contains: ['"axon-1"', "duplicate", "nodes[0]"] },
    { name: "node name not DNS-1123", mutate: (c) => (c.nodes[0].name = "Axon_1"), path: "nodes[0].name", contains: ['"Axon_1"', "DNS-1123", "at most 40", "StatefulSet"] },
    { name: "node storage unknown", mutate: (c) => (c.nodes[0].storage = "nvme"), path: "nodes[0].storage", contains: ['"nvme"', '"fast", "standard", "cold"'] },
    { name: "node memory malformed", mutate: (c) => (c.nodes[0].memory = "4GB"), path: "nodes[0].memory", contains: ['"4GB"', "Mi, Gi or Ti"] },
    { name: "node volume size malformed", mutate: (c) => (c.nodes[0].volumes = { events: "lots" }), path: "nodes[0].volumes.events", contains: ['"lots"', "Mi, Gi or Ti"] },
    { name: "node volume unknown", mutate: (c) => (c.nodes[0].volumes = { backups: "1Gi" }), path: "nodes[0].volumes.backups", contains: ['"backups"', '"events", "data", "log", "plugins"'] },
    { name: "node tag overrides a default tag", mutate: (c) => (c.nodes[0].tags = { region: "eu" }), path: "nodes[0].tags.region", contains: ['"region"', '"region", "zone", "cloud", "site"'] },
    { name: "node tag key malformed", mutate: (c) => (c.nodes[0].tags = { "1rack": "r1" }), path: "nodes[0].tags.1rack", contains: ['"1rack"', "[A-Za-z][A-Za-z0-9_.-]*"] },
    { name: "node cpuLimit below cpu", mutate: (c) => Object.assign(c.nodes[0], { cpu: "1", cpuLimit: "500m" }), path: "nodes[0].cpuLimit", contains: ['"500m"', 'request "1"'] },
    { name: "node in no group", mutate: (c) => c.nodes.push({ name: "axon-4", site: "gcp-a", zone: "europe-west4-a" }), path: "nodes[4]", contains: ['"axon-4"', "not a member", ALL_ROLES] },
    // ---- replication groups
    { name: "member is not a node", mutate: (c) => (c.replicationGroups[0].members["axon-9"] = "SECONDARY"), path: "replicationGroups[0].members.axon-9", contains: ['"axon-9"', '"axon-1", "axon-2", "axon-3", "axon-bk"'] },
    { name: "unknown role", mutate: (c) => (c.replicationGroups[0].members["axon-1"] = "PRIMRY"), path: "replicationGroups[0].members.axon-1", contains: ['"PRIMRY"', ALL_ROLES] },
    {
        name: "group without PRIMARY",
        mutate: (c) => (c.replicationGroups[0].members = { "axon-1": "SECONDARY", "axon-2": "SECONDARY", "axon-3": "SECONDARY", "axon-bk": "PASSIVE_BACKUP" }),
        path: "replicationGroups[0].members",
        contains: ['"orders"', "no PRIMARY", "axon-1: SECONDARY"],
    },
    { name: "group name not DNS-1123", mutate: (c) => (c.replicationGroups[0].name = "Orders"), path: "replicationGroups[0].name", contains: ['"Orders"', "DNS-1123", "at most 50", '"_admin"'] },
    {
        name: "duplicate group name",
        mutate: (c) => c.replicationGroups.push({ name: "orders", contexts: [{ name: "shipping" }], members: { "axon-1": "PRIMARY" } }),
        path: "replicationGroups[1].name",
        contains: ['"orders"', "duplicate", "replicationGroups[0]"],
    },
    {
        name: "context in two groups",
        mutate: (c) => c.replicationGroups.push({ name: "billing", contexts: [{ name: "payments" }], members: { "axon-1": "PRIMARY" } }),
        path: "replicationGroups[1].contexts[0].name",
        contains: ['"payments"', 'group "orders"', "replicationGroups[0].contexts[1].name"],
    },
    { name: "_admin context in another group", mutate: (c) => c.replicationGroups[0].contexts.push({ name: "_admin" }), path: "replicationGroups[0].contexts[2].name", contains: ['"_admin"', "reserved", '"orders"'] },
    {
        name: "_admin group with another context",
        mutate: (c) => c.replicationGroups.push({ name: "_admin", contexts: [{ name: "config" }], members: { "axon-1": "PRIMARY" } }),
        path: "replicationGroups[1].contexts[0].name",
        contains: ['"config"', 'only context "_admin"'],
    },
    { name: "context name malformed", mutate: (c) => (c.replicationGroups[0].contexts[0].name = "Orders"), path: "replicationGroups[0].contexts[0].name", contains: ['"Orders"', "DNS-1123", '"_admin"'] },
    { name: "context metaData value not text", mutate: (c) => (c.replicationGroups[0].contexts[1].metaData["event.retention-time"] = { days: 30 }), path: 'replicationGroups[0].contexts[1].metaData["event.retention-time"]', contains: ['{"days":30}', "a string"] },
    {
        name: "_admin cannot be defaulted (first site has no PRIMARY)",
        mutate: (c) => (c.sites = [c.sites[1], c.sites[0]]),
        path: "replicationGroups",
        contains: ['"_admin"', '"aws-b"', "sites[0]", "add a replication group named"],
    },
    { name: "empty replicationGroups", mutate: (c) => (c.replicationGroups = []), path: "replicationGroups", contains: ["at least 1", "empty"] },
    // ---- clients
    { name: "client context unknown", mutate: (c) => (c.clients[0].contexts = ["shipping"]), path: "clients[0].contexts[0]", contains: ['"shipping"', '"orders", "payments"'] },
    { name: "client uses _admin", mutate: (c) => (c.clients[0].contexts = ["_admin"]), path: "clients[0].contexts[0]", contains: ['"_admin"', '"orders", "payments"'] },
    { name: "client without cidrs", mutate: (c) => (c.clients[0].cidrs = []), path: "clients[0].cidrs", contains: ["at least 1", "got 0"] },
    { name: "client cidr open to the world", mutate: (c) => (c.clients[0].cidrs = ["0.0.0.0/0"]), path: "clients[0].cidrs[0]", contains: ['"0.0.0.0/0"', "nothing is public"] },
    { name: "duplicate client region", mutate: (c) => c.clients.push({ region: "europe-west4", cidrs: ["10.60.0.0/16"] }), path: "clients[1].region", contains: ['"europe-west4"', "duplicate", "clients[0]"] },
    { name: "client unknown key", mutate: (c) => (c.clients[0].cidr = "10.0.0.0/8"), path: "clients[0].cidr", contains: ['"cidr"', '"region", "cidrs", "namespaces", "contexts"'] },
    { name: "client namespace malformed", mutate: (c) => (c.clients[0].namespaces = ["My-Apps"]), path: "clients[0].namespaces[0]", contains: ['"My-Apps"', "DNS-1123"] },
];

describe("loadTopology", () => {
    it("the base configs are valid", () => {
        mustLoad(base());
        mustLoad(minimal());
    });

    describe(`rejects bad input (${badCases.length} cases)`, () => {
        for (const tc of badCases) {
            it(tc.name, () => {
                const cfg = (tc.cfg ?? base)();
                tc.mutate(cfg);
                const r = loadTopology(cfg);
                assert.equal(r.topology, undefined, "no topology with errors");
                const hit = r.errors.filter((e) => e.path === tc.path);
                assert.ok(hit.length > 0, `no error at ${tc.path}; got:\n${show(r.errors)}`);
                const ok = hit.some((e) => tc.contains.every((s) => e.message.includes(s)));
                assert.ok(ok, `error at ${tc.path} lacks ${JSON.stringify(tc.contains)}; got:\n${show(hit)}`);
            });
        }
    });

    it("reports all errors at once, semantic checks included", () => {
        const cfg = base();
        cfg.environment = "BAD";
        cfg.colour = "blue";
        cfg.axonServer.version = "latest";
        cfg.sites[0].cloud = "azure"; // site fails the schema: nodes on it must not be reported as "unknown site"
        cfg.sites[1].zones[1] = "us-east-1b";
        cfg.nodes[3].storage = "ssd";
        cfg.nodes.push({ name: "axon-5", site: "nowhere" });
        cfg.replicationGroups[0].members["axon-9"] = "PRIMARY";
        cfg.replicationGroups[0].members["axon-2"] = "LEADER";
        cfg.clients[0].cidrs = ["0.0.0.0/0"];
        const r = loadTopology(cfg);
        const paths = r.errors.map((e) => e.path).sort();
        assert.deepEqual(
            paths,
            [
                "axonServer.version",
                "clients[0].cidrs[0]",
                "colour",
                "environment",
                "nodes[3].storage",
                "nodes[4]",
                "nodes[4].site",
                "replicationGroups[0].members.axon-2",
                "replicationGroups[0].members.axon-9",
                "sites[0].cloud",
                "sites[1].zones[1]",
            ].sort(),
            show(r.errors),
        );
        assert.throws(
            () => loadTopologyOrThrow(cfg),
            (e: unknown) => {
                assert.ok(e instanceof TopologyError);
                assert.equal(e.errors.length, 11);
                const lines = e.message.split("\n");
                assert.match(lines[0], /^invalid stack configuration \(11 errors\):$/);
                for (const issue of e.errors) assert.ok(lines.includes(`${issue.path}: ${issue.message}`));
                return true;
            },
        );
    });

    it("does not report references to elements that failed to parse", () => {
        const cfg = base();
        cfg.nodes[0].storage = "ssd"; // axon-1 fails the schema
        const r = loadTopology(cfg);
        assert.deepEqual(r.errors.map((e) => e.path), ["nodes[0].storage"], show(r.errors));
    });

    it("a minimal 3-node config round-trips to the documented defaults", () => {
        const { topology } = mustLoad(minimal());
        const node = (name: string, index: number) => ({
            name,
            site: "kind",
            region: "local",
            cloud: "none",
            platform: "kubernetes",
            storage: "fast",
            resources: { cpu: "1", cpuLimit: "2", memory: "4Gi" },
            volumes: { events: "50Gi", data: "5Gi", log: "10Gi", plugins: "1Gi" },
            tags: { region: "local", cloud: "none", site: "kind" },
            roles: { _admin: "PRIMARY", default: "PRIMARY" },
            index,
        });
        const members = ["axon-1", "axon-2", "axon-3"].map((n) => ({ node: n, role: "PRIMARY" }));
        assert.deepEqual(topology, {
            environment: "mini",
            axonServer: {
                version: "2024.2.4",
                image: "axoniq/axonserver:2024.2.4-jdk-17-nonroot",
                tls: false,
                minActiveBackups: 1,
                licensed: false,
                startupBudgetSeconds: 900,
                terminationGracePeriodSeconds: 180,
            },
            kubernetes: { namespace: "axonserver", appNamespace: "default" },
            dns: { domain: "axon.internal" },
            adminCidrs: [],
            sites: [
                {
                    name: "kind",
                    cloud: "none",
                    platform: "kubernetes",
                    region: "local",
                    zones: [],
                    cidr: "10.244.0.0/16",
                    index: 0,
                    existingCluster: { storageClasses: { fast: "standard", standard: "standard", cold: "standard" } },
                    cluster: { machineType: "n/a", nodesPerZone: 1, natGateways: "perZone", deletionProtection: true, maintenanceExclusions: [], allowIapSsh: false },
                },
            ],
            nodes: [node("axon-1", 0), node("axon-2", 1), node("axon-3", 2)],
            replicationGroups: [
                { name: "_admin", contexts: [{ name: "_admin", metaData: {} }], members, defaulted: true },
                { name: "default", contexts: [{ name: "default", metaData: {} }], members, defaulted: false },
            ],
            clients: [],
            clusterAccess: { runnerCidrs: [], privateOnly: false, runnerRoutes: [], eksAdminPrincipals: [] },
        });
    });

    it("applies derived defaults: machine types, CPU limits, partial volumes, tags, client contexts", () => {
        const cfg = base();
        cfg.sites.push({ name: "aws-vm", cloud: "aws", platform: "vm", region: "us-east-1", zones: ["us-east-1a"], cidr: "10.50.0.0/16" });
        cfg.sites.push({ name: "gcp-vm", cloud: "gcp", platform: "vm", region: "us-central1", zones: ["us-central1-a"], cidr: "10.60.0.0/16", machineType: "n2-standard-8" });
        cfg.nodes.push({ name: "axon-dr", site: "aws-vm", zone: "us-east-1a" });
        cfg.nodes.push({ name: "axon-dr2", site: "gcp-vm", zone: "us-central1-a" });
        cfg.replicationGroups[0].members["axon-dr"] = "PASSIVE_BACKUP";
        cfg.replicationGroups[0].members["axon-dr2"] = "PASSIVE_BACKUP";
        cfg.nodeDefaults = { cpu: "500m", volumes: { events: "100Gi" } };
        cfg.axonServer.download = { url: "https://artifacts.example.com/axonserver-2024.2.4.jar", sha256: "a".repeat(64) };
        Object.assign(cfg.nodes[1], { cpu: "2", volumes: { log: "20Gi" }, tags: { rack: "r1" }, storage: "cold" });
        Object.assign(cfg.nodes[2], { cpu: "750m" });
        Object.assign(cfg.nodes[3], { cpuLimit: "3" });
        const { topology } = mustLoad(cfg);
        assert.deepEqual(
            topology.sites.map((s) => [s.name, s.cluster.machineType, s.existingCluster]),
            [
                ["gcp-a", "e2-standard-4", undefined],
                ["aws-b", "m6i.xlarge", undefined],
                ["aws-vm", "m7i.large", undefined],
                ["gcp-vm", "n2-standard-8", undefined],
            ],
        );
        const [n1, n2, n3, n4] = topology.nodes;
        assert.deepEqual(n1.resources, { cpu: "500m", cpuLimit: "1", memory: "4Gi" });
        assert.deepEqual(n2.resources, { cpu: "2", cpuLimit: "4", memory: "4Gi" });
        assert.deepEqual(n3.resources, { cpu: "750m", cpuLimit: "1500m", memory: "4Gi" });
        assert.deepEqual(n4.resources, { cpu: "500m", cpuLimit: "3", memory: "4Gi" });
        assert.deepEqual(n2.volumes, { events: "100Gi", data: "5Gi", log: "20Gi", plugins: "1Gi" });
        assert.equal(n2.storage, "cold");
        assert.equal(n1.storage, "fast");
        assert.deepEqual(n2.tags, { region: "europe-west4", zone: "europe-west4-b", cloud: "gcp", site: "gcp-a", rack: "r1" });
        assert.deepEqual(n4.roles, { orders: "PASSIVE_BACKUP" });
        assert.deepEqual(n1.roles, { _admin: "PRIMARY", orders: "PRIMARY" });
        assert.deepEqual(topology.clients[0], { region: "europe-west4", cidrs: ["10.30.0.0/16"], namespaces: [], contexts: ["orders", "payments"] });
        assert.deepEqual(topology.replicationGroups[1].contexts[1], { name: "payments", metaData: { "event.retention-time": "30d" } });
        assert.equal(topology.gcpProject, "acme-axon-test");
    });

    it("accepts booleans and numbers given as strings (Pulumi config)", () => {
        const cfg = base();
        cfg.axonServer = { version: "2024.2.4", tls: "true", minActiveBackups: "0", startupBudgetSeconds: "1200" };
        cfg.sites[1].nodesPerZone = "2";
        cfg.nodes[0].cpu = 2;
        cfg.replicationGroups[0].contexts[0].metaData = { "event.segment-size": 268435456 };
        const { topology } = mustLoad(cfg);
        assert.equal(topology.axonServer.tls, true);
        assert.equal(topology.axonServer.minActiveBackups, 0);
        assert.equal(topology.axonServer.startupBudgetSeconds, 1200);
        assert.equal(topology.sites[1].cluster.nodesPerZone, 2);
        assert.deepEqual(topology.nodes[0].resources, { cpu: "2", cpuLimit: "4", memory: "4Gi" });
        assert.deepEqual(topology.replicationGroups[1].contexts[0].metaData, { "event.segment-size": "268435456" });
    });

    it("kubernetes sites: context and partial storage classes", () => {
        const cfg = minimal();
        Object.assign(cfg.sites[0], { context: "kind-kind", storageClasses: { fast: "premium-rwo" } });
        const { topology } = mustLoad(cfg);
        assert.deepEqual(topology.sites[0].existingCluster, { context: "kind-kind", storageClasses: { fast: "premium-rwo", standard: "standard", cold: "standard" } });
    });

    it("an explicit _admin comes first; licensed comes from the options; secret keys and backup are accepted", () => {
        const cfg = base();
        cfg.replicationGroups.push({ name: "_admin", members: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-bk": "PRIMARY" } });
        cfg.adminToken = "not-in-the-model";
        cfg.backup = { drRegion: "us-east-1", cloud: "aws" };
        const r = loadTopology(cfg, { licensed: true, secretKeys: ["adminToken"] });
        assert.deepEqual(r.errors, []);
        const t = r.topology!;
        assert.deepEqual(t.replicationGroups.map((g) => [g.name, g.defaulted]), [["_admin", false], ["orders", false]]);
        assert.deepEqual(t.replicationGroups[0].contexts, [{ name: "_admin", metaData: {} }]);
        assert.equal(t.axonServer.licensed, true);
        assert.ok(!JSON.stringify(t).includes("not-in-the-model"));
        // Warnings of the explicit _admin point at its own position in the config.
        assert.ok(r.warnings.some((w) => w.path === "replicationGroups[1]" && w.message.includes('"_admin"')), show(r.warnings));
        assert.equal(loadTopology(base()).topology!.axonServer.licensed, false);
    });

    it("rejects a backup value that is not a map", () => {
        const cfg = base();
        cfg.backup = "daily";
        const r = loadTopology(cfg);
        assert.deepEqual(r.errors.map((e) => e.path), ["backup"]);
        assert.match(r.errors[0].message, /"daily"/);
    });
});

describe("loadTopology warnings", () => {
    const warningsOf = (cfg: Cfg, group: string) => mustLoad(cfg).warnings.filter((w) => w.path === group);
    const has = (ws: readonly ConfigIssue[], text: string) => ws.some((w) => w.message.includes(text));

    it("the base config warns only that the PRIMARY nodes share one site", () => {
        const { warnings } = mustLoad(base());
        assert.deepEqual(
            warnings.map((w) => w.path),
            ["replicationGroups", "replicationGroups", "replicationGroups[0]"],
            show(warnings),
        );
        // Defaulted _admin: one site, and no backup outside the PRIMARY region.
        assert.ok(has(warnings.filter((w) => w.path === "replicationGroups"), "defaulted"));
        assert.ok(has(warnings.filter((w) => w.path === "replicationGroups"), "no ACTIVE_BACKUP or PASSIVE_BACKUP node outside"));
        assert.ok(has(warningsOf(base(), "replicationGroups[0]"), 'all PRIMARY nodes of group "orders" are in site "gcp-a"'));
    });

    it("an even number of PRIMARY nodes", () => {
        const cfg = base();
        cfg.replicationGroups[0].members["axon-bk"] = "PRIMARY";
        assert.ok(has(warningsOf(cfg, "replicationGroups[0]"), "4 PRIMARY nodes, an even number"));
    });

    it("all PRIMARY nodes in one zone", () => {
        const cfg = base();
        for (const n of cfg.nodes.slice(0, 3)) n.zone = "europe-west4-b";
        assert.ok(has(warningsOf(cfg, "replicationGroups[0]"), 'in zone "europe-west4-b"'));
        // No zones known (existing cluster without zones): no zone warning.
        assert.ok(!has(mustLoad(minimal()).warnings, "in zone"));
    });

    it("one site only matters when there are several sites", () => {
        assert.ok(!has(mustLoad(minimal()).warnings, "in site"));
    });

    it("exactly one SECONDARY", () => {
        const cfg = base();
        cfg.nodes.push({ name: "axon-sec", site: "gcp-a", zone: "europe-west4-a", storage: "cold" });
        cfg.replicationGroups[0].members["axon-sec"] = "SECONDARY";
        assert.ok(has(warningsOf(cfg, "replicationGroups[0]"), 'exactly one SECONDARY node ("axon-sec")'));
        cfg.nodes.push({ name: "axon-sec2", site: "gcp-a", zone: "europe-west4-b", storage: "cold" });
        cfg.replicationGroups[0].members["axon-sec2"] = "SECONDARY";
        assert.ok(!has(warningsOf(cfg, "replicationGroups[0]"), "SECONDARY"));
    });

    it("no backup outside the PRIMARY region", () => {
        const cfg = base();
        assert.ok(!has(warningsOf(cfg, "replicationGroups[0]"), "outside the region"));
        cfg.nodes[3] = { name: "axon-bk", site: "gcp-a", zone: "europe-west4-a" };
        cfg.sites.pop();
        assert.ok(has(warningsOf(cfg, "replicationGroups[0]"), "no ACTIVE_BACKUP or PASSIVE_BACKUP node outside the region of its PRIMARY nodes (europe-west4)"));
    });

    it("an ACTIVE_BACKUP in a region without a PRIMARY: every commit waits for it", () => {
        const cfg = base();
        cfg.replicationGroups[0].members["axon-bk"] = "ACTIVE_BACKUP";
        assert.ok(has(warningsOf(cfg, "replicationGroups[0]"), 'ACTIVE_BACKUP node "axon-bk" of group "orders" is in region eu-west-1 without a PRIMARY of the group: every commit waits for it'));
        // With min-active-backups 0 no commit waits for it.
        cfg.axonServer.minActiveBackups = 0;
        assert.ok(!has(warningsOf(cfg, "replicationGroups[0]"), "every commit waits"));
        // An ACTIVE_BACKUP next to the PRIMARY nodes satisfies min-active-backups 1 without the remote one.
        cfg.axonServer.minActiveBackups = 1;
        cfg.nodes.push({ name: "axon-ab", site: "gcp-a", zone: "europe-west4-a" });
        cfg.replicationGroups[0].members["axon-ab"] = "ACTIVE_BACKUP";
        assert.ok(!has(warningsOf(cfg, "replicationGroups[0]"), "every commit waits"));
    });

    it("clients in a region without a site", () => {
        const cfg = base();
        cfg.clients.push({ region: "us-east-1", cidrs: ["172.16.0.0/16"] });
        const { warnings } = mustLoad(cfg);
        assert.ok(warnings.some((w) => w.path === "clients[1].region" && w.message.includes('"us-east-1"')), show(warnings));
    });
});

describe("loadTopology: the model checks run on the valid part of a config with errors", () => {
    // The loader with the platform limits and the capacity check, as every door calls it.
    const load = (cfg: Cfg) => loadStackConfig(cfg);
    const typo = (c: Cfg) => {
        c.clients[0] = { ...c.clients[0], namespace: ["default"] };
    };
    /** sc1 is 125 GiB to 16 TiB (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html). */
    const smallSc1 = (c: Cfg) => {
        c.nodes[3] = { ...c.nodes[3], storage: "cold", volumes: { events: "50Gi" } };
    };
    const noRunner = (c: Cfg) => {
        c.clusterAccess = { runnerCidrs: [] };
    };
    /** An e2-standard-2 has 8 GiB (https://cloud.google.com/compute/docs/general-purpose-machines#e2_machine_types): no room for a 16Gi Axon pod. */
    const smallWorkers = (c: Cfg) => {
        c.sites[0] = { ...c.sites[0], machineType: "e2-standard-2" };
        c.nodes[0] = { ...c.nodes[0], memory: "16Gi" };
    };
    const mutated = (...fs: ((c: Cfg) => void)[]) => {
        const c = base();
        for (const f of fs) f(c);
        return c;
    };

    it("a typo does not hide the platform limits, the capacity and clusterAccess; the same text as after fixing it", () => {
        const fixed = load(mutated(smallSc1, noRunner, smallWorkers)).errors;
        assert.ok(fixed.some((e) => e.path === "nodes[3].volumes.events" && e.message.includes("sc1")), show(fixed));
        assert.ok(fixed.some((e) => e.path === "clusterAccess.runnerCidrs"), show(fixed));
        assert.ok(fixed.some((e) => e.path === "sites[0].zones[0]" && e.message.includes("do not fit")), show(fixed));
        const all = load(mutated(typo, smallSc1, noRunner, smallWorkers)).errors;
        assert.deepEqual(
            all.filter((e) => e.path !== "clients[0].namespace"),
            fixed,
            `with the typo:\n${show(all)}\nwithout:\n${show(fixed)}`,
        );
        assert.equal(all.filter((e) => e.path === "clients[0].namespace").length, 1, show(all));
    });

    it("a site with an error is left out: no clusterAccess error judged on the other sites only", () => {
        // aws-b is the only EKS site; without it, eksAdminPrincipals would look like they had no EKS site.
        const cfg = mutated((c) => {
            c.sites[1] = { ...c.sites[1], natGateways: "many" };
            c.clusterAccess = { runnerCidrs: [RUNNER_CIDR], eksAdminPrincipals: ["arn:aws:iam::123456789012:role/platform-admin"] };
        });
        const errors = load(cfg).errors;
        assert.deepEqual(
            errors.map((e) => e.path),
            ["sites[1].natGateways"],
            show(errors),
        );
    });

    it("a node with an error is left out, and its site's capacity is not judged on the other nodes", () => {
        // axon-2 joins axon-1 in zone a with a bad field: the pods of zone a are not known, and the pods per
        // zone decide whether each pod of the site needs a worker of its own, so zone c is not judged either.
        const errors = load(
            mutated(smallWorkers, (c) => {
                c.nodes[1] = { ...c.nodes[1], zone: "europe-west4-a", cpu: "lots" };
                c.nodes[2] = { ...c.nodes[2], memory: "16Gi" };
            }),
        ).errors;
        assert.deepEqual(
            errors.map((e) => e.path),
            ["nodes[1].cpu"],
            show(errors),
        );
    });

    it("a section with an error skips the checks that read it, not the others", () => {
        // nodeDefaults decides every node's volumes and pod size: the volume limits wait; clusterAccess does not.
        const defaults = load(
            mutated(smallSc1, noRunner, (c) => {
                c.nodeDefaults = { storage: "coldest" };
            }),
        ).errors;
        assert.deepEqual(
            defaults.map((e) => e.path),
            ["nodeDefaults.storage", "clusterAccess.runnerCidrs"],
            show(defaults),
        );
        // A private range in runnerCidrs: clusterAccess is not judged further, the platform limits are.
        const access = load(
            mutated(smallSc1, (c) => {
                c.clusterAccess = { runnerCidrs: ["10.0.0.0/8"] };
            }),
        ).errors;
        assert.deepEqual(
            access.map((e) => e.path),
            ["clusterAccess.runnerCidrs[0]", "nodes[3].volumes.events"],
            show(access),
        );
        // gcpProject is read by no model check.
        const project = load(mutated(smallSc1, (c) => delete c.gcpProject)).errors;
        assert.deepEqual(
            project.map((e) => e.path),
            ["gcpProject", "nodes[3].volumes.events"],
            show(project),
        );
    });
});
