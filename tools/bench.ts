/**
 * `npm run bench`: times loading (validation) plus failure analysis of a large topology against the
 * 200 ms target, and of a 3-node one for reference. Exit code 1 when the large case is over target.
 */
import { analyzeFailures } from "../components/topology/analysis";
import { loadTopology } from "../components/topology/load";
import { LoadResult } from "../components/topology/model";

/** Target for the 60-node case (load + analysis), in milliseconds. */
export const BENCH_TARGET_MS = 200;

const AWS_REGIONS = ["eu-west-1", "us-east-1", "eu-central-1", "us-west-2", "ap-southeast-1", "sa-east-1"];
const GCP_REGIONS = ["europe-west4", "us-central1", "asia-east1", "europe-west1", "us-east4", "australia-southeast1"];

/**
 * A valid raw stack config (the loader's input: config keys by short name) with `nodes` nodes spread
 * round-robin over `sites` sites (alternating AWS/EKS and GCP/GKE regions, three zones each) and
 * `groups` replication groups of five members (3 PRIMARY on different sites, 1 ACTIVE_BACKUP,
 * 1 PASSIVE_BACKUP). `_admin` holds the nodes no group uses (see below). With fewer than 5 nodes,
 * groups use every node as PRIMARY (the 3-node case is three PRIMARY).
 */
export function generateBenchConfig(nodes: number, sites: number, groups: number): Record<string, unknown> {
    const siteList = Array.from({ length: sites }, (_, i) => {
        const aws = i % 2 === 0;
        const region = aws ? AWS_REGIONS[(i / 2) % AWS_REGIONS.length] : GCP_REGIONS[((i - 1) / 2) % GCP_REGIONS.length];
        const zones = ["a", "b", "c"].map((z) => (aws ? `${region}${z}` : `${region}-${z}`));
        return {
            name: `${aws ? "aws" : "gcp"}-${i + 1}`,
            cloud: aws ? "aws" : "gcp",
            platform: aws ? "eks" : "gke",
            region,
            zones,
            cidr: `10.${i + 1}.0.0/16`,
            // One Axon pod per worker (required anti-affinity): enough workers for the busiest zone.
            nodesPerZone: Math.max(1, Math.ceil(nodes / sites / zones.length)),
        };
    });
    const nodeList = Array.from({ length: nodes }, (_, i) => {
        const site = siteList[i % sites];
        return { name: `axon-${i + 1}`, site: site.name, zone: site.zones[Math.floor(i / sites) % site.zones.length] };
    });
    const roles = ["PRIMARY", "PRIMARY", "PRIMARY", "ACTIVE_BACKUP", "PASSIVE_BACKUP"];
    const size = Math.min(5, nodes);
    const groupList = Array.from({ length: groups }, (_, g) => ({
        name: `group-${g + 1}`,
        contexts: [{ name: `context-${g + 1}` }],
        // Consecutive nodes are on consecutive sites, so members spread over `size` sites.
        members: Object.fromEntries(
            Array.from({ length: size }, (_, k) => [nodeList[(g * size + k) % nodes].name, size < 5 ? "PRIMARY" : roles[k]]),
        ),
    }));
    // Every node must belong to a group: `_admin` takes the nodes no group uses (three PRIMARY, the
    // rest PASSIVE_BACKUP), or the first three nodes when every node is already used.
    const used = new Set(groupList.flatMap((g) => Object.keys(g.members)));
    const spare = nodeList.filter((n) => !used.has(n.name));
    const adminNodes = spare.length ? spare : nodeList.slice(0, Math.min(3, nodes));
    const admin = {
        name: "_admin",
        contexts: [{ name: "_admin" }],
        members: Object.fromEntries(adminNodes.map((n, i) => [n.name, i < 3 ? "PRIMARY" : "PASSIVE_BACKUP"])),
    };
    return {
        environment: "bench",
        ...(siteList.some((s) => s.cloud === "gcp") ? { gcpProject: "bench-project" } : {}),
        axonServer: { version: "2024.2.4", tls: true, minActiveBackups: 1 },
        adminCidrs: ["10.99.0.0/24"],
        clusterAccess: { runnerCidrs: ["203.0.113.10/32"] },
        sites: siteList,
        nodes: nodeList,
        replicationGroups: [admin, ...groupList],
        clients: [{ region: siteList[0].region, cidrs: [siteList[0].cidr], namespaces: ["default"] }],
    };
}

export interface BenchResult {
    /** Median of the runs, in milliseconds. */
    medianMs: number;
    runs: number;
    result: LoadResult;
    scenarios: number;
}

/** Times `loadTopology` + `analyzeFailures` on `raw`; median of `runs` runs after one warm-up. */
export function timeLoadAndAnalyze(raw: Record<string, unknown>, runs = 7): BenchResult {
    const once = () => {
        const result = loadTopology(raw, { licensed: true });
        const scenarios = result.topology ? analyzeFailures(result.topology).length : 0;
        return { result, scenarios };
    };
    once();
    const times: number[] = [];
    let last = once();
    for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        last = once();
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    return { medianMs: times[Math.floor(times.length / 2)], runs, ...last };
}

function main(): number {
    const cases: [string, Record<string, unknown>, boolean][] = [
        ["60 nodes, 6 sites, 10 groups", generateBenchConfig(60, 6, 10), true],
        ["3 nodes, 1 site, 1 group", generateBenchConfig(3, 1, 1), false],
    ];
    let failed = false;
    for (const [label, raw, gated] of cases) {
        const r = timeLoadAndAnalyze(raw);
        if (r.result.errors.length) {
            console.log(`${label}: INVALID config (${r.result.errors.map((e) => `${e.path}: ${e.message}`).join("; ")})`);
            failed = true;
            continue;
        }
        const pass = r.medianMs <= BENCH_TARGET_MS;
        if (gated && !pass) failed = true;
        const verdict = gated ? (pass ? "PASS" : "FAIL") : "info";
        console.log(
            `${label}: load + analysis ${r.medianMs.toFixed(2)} ms (median of ${r.runs}; ${r.scenarios} scenarios, ${r.result.warnings.length} warnings), target ${BENCH_TARGET_MS} ms: ${verdict}`,
        );
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    process.exitCode = main();
}
