/**
 * Golden files: every rendering of the three stack files, compared byte for byte with `test/golden/`.
 * They are the product a user deploys, so review diffs by eye. Rewrite them after an intended change:
 *
 *   UPDATE_GOLDEN=1 npx mocha test/golden.test.ts
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderRegionClientConfigs } from "../components/axonserver/render/clientConfig";
import { renderClusterTemplate } from "../components/axonserver/render/clusterTemplate";
import { nodePaths } from "../components/axonserver/render/paths";
import { renderAxonServerProperties } from "../components/axonserver/render/properties";
import { loadTopologyOrThrow } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { creationOrderExplained, rollingOrderExplained, updateOrderExplained } from "../components/topology/rolling";
import { ALLOW_INITIALISE_ANNOTATION, startupGuardFor } from "../components/axonserver/render/startupGuard";
import { POD_ANNOTATIONS_FILE } from "../components/kubernetes/podSpec";
import { VM_ALLOW_INITIALISE_FILE } from "../components/vm/vmAxonServerNode";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";

const REPO_ROOT = path.resolve(__dirname, "..");
const GOLDEN_ROOT = path.join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Relative path under `test/golden/<stack>/` → expected content. */
function renderings(topology: Topology): Map<string, string> {
    const files = new Map<string, string>();
    for (const node of topology.nodes) {
        files.set(`nodes/${node.name}.properties`, renderAxonServerProperties(topology, node, nodePaths(node)));
    }
    files.set("cluster-template.yml", renderClusterTemplate(topology));
    for (const [region, cfg] of Object.entries(renderRegionClientConfigs(topology))) {
        for (const [context, c] of Object.entries(cfg.contexts)) files.set(`clients/${region}/${context}.properties`, c.properties);
    }
    const order = rollingOrderExplained(topology).map((r, i) => `${i + 1}. ${r.node}: ${r.rank}`);
    files.set("rolling-order.txt", order.join("\n") + "\n");
    // The chain `pulumi up` walks to create nodes (with a gate between every two nodes).
    const chain = creationOrderExplained(topology).map((r, i) => `${i + 1}. ${r.node}: ${r.rank}`);
    files.set("creation-order.txt", chain.join("\n") + "\n");
    // The order a change restarts nodes in (VM nodes in the chain, then the roller Jobs).
    files.set("update-order.txt", updateOrderExplained(topology).map((r, i) => `${i + 1}. ${r.node}: ${r.rank}`).join("\n") + "\n");
    for (const node of topology.nodes) {
        const override = node.platform === "vm" ? { file: VM_ALLOW_INITIALISE_FILE } : { annotationsFile: POD_ANNOTATIONS_FILE, key: ALLOW_INITIALISE_ANNOTATION };
        files.set(`startup-guard/${node.name}.sh`, startupGuardFor(topology, node, nodePaths(node), override));
    }
    return files;
}

function listFiles(dir: string, prefix = ""): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
}

describe("golden renderings of the stack files", () => {
    for (const stack of ["local", "dev", "prod"]) {
        it(`${stack}: node properties, cluster template, client config and rolling order`, () => {
            const { raw, options } = stackConfigFromFile(readStackFile(stack, REPO_ROOT));
            const files = renderings(loadTopologyOrThrow(raw, options).topology);
            const dir = path.join(GOLDEN_ROOT, stack);
            if (UPDATE) {
                fs.rmSync(dir, { recursive: true, force: true });
                for (const [rel, text] of files) {
                    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
                    fs.writeFileSync(path.join(dir, rel), text);
                }
                return;
            }
            assert.deepEqual(listFiles(dir).sort(), [...files.keys()].sort(), `golden files of ${stack} (UPDATE_GOLDEN=1 to rewrite)`);
            for (const [rel, text] of files) {
                assert.equal(text, fs.readFileSync(path.join(dir, rel), "utf8"), `${stack}/${rel} differs (UPDATE_GOLDEN=1 to rewrite)`);
            }
        });
    }
});
