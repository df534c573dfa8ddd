/**
 * The start-up guard (components/axonserver/render/startupGuard.ts), run for real with bash against
 * temporary directories and loopback TCP "peers": the template's `first` node on a clean data volume
 * must never initialise a second cluster (EE 4.4.2 `ClusterTemplateRunner.initCluster`: the clean node
 * whose internal host:port equals `first` initialises; every other clean node registers with `first`).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ALLOW_INITIALISE_ANNOTATION, CONTROL_DB_FILE, renderStartupGuard, StartupGuardInput } from "../components/axonserver/render/startupGuard";

const TEMPLATE = ["axoniq:", "  axonserver:", "    cluster-template:", "      first: axon-1.prod.axon.internal:8224", "      replicationGroups: []", ""].join("\n");

interface Box {
    dir: string;
    input: (o: Partial<StartupGuardInput>) => StartupGuardInput;
    run: (o: Partial<StartupGuardInput>) => { status: number | null; stderr: string; template?: string };
}

function box(): Box {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-guard-"));
    for (const d of ["data", "config", "template", "pod-info"]) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, "config", "cluster-template.yml"), TEMPLATE);
    const input = (o: Partial<StartupGuardInput>): StartupGuardInput => ({
        nodeName: "axon-1",
        isFirst: true,
        first: "axon-1.prod.axon.internal:8224",
        peers: [],
        dataDir: path.join(dir, "data"),
        templateSource: path.join(dir, "config", "cluster-template.yml"),
        templateTarget: path.join(dir, "template", "cluster-template.yml"),
        override: { annotationsFile: path.join(dir, "pod-info", "annotations"), key: ALLOW_INITIALISE_ANNOTATION },
        probeTimeoutSeconds: 2,
        ...o,
    });
    const run = (o: Partial<StartupGuardInput>) => {
        const target = path.join(dir, "template", "cluster-template.yml");
        fs.rmSync(target, { force: true });
        const r = spawnSync("bash", ["-c", renderStartupGuard(input(o))], { encoding: "utf8", timeout: 15000 });
        return { status: r.status, stderr: r.stderr, template: fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined };
    };
    return { dir, input, run };
}

/** A TCP listener on loopback standing in for a live peer's internal gRPC port. */
async function livePeer(): Promise<{ address: string; close: () => Promise<void> }> {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    return { address: `127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** A loopback port nobody listens on: the name resolves, nothing answers. */
async function deadPeer(): Promise<string> {
    const p = await livePeer();
    await p.close();
    return p.address;
}

describe("start-up guard (bash, for real)", function () {
    this.timeout(20000);
    let b: Box;
    beforeEach(() => {
        b = box();
    });
    afterEach(() => fs.rmSync(b.dir, { recursive: true, force: true }));

    it("passes shellcheck", () => {
        // A check that passes without its tool checks nothing: shellcheck must be installed (.ci/run installs it).
        const probe = spawnSync("shellcheck", ["--version"]);
        assert.ifError(probe.error ? new Error(`shellcheck is required to test the guard: install it (apt-get install shellcheck): ${probe.error.message}`) : undefined);
        const file = path.join(b.dir, "guard.sh");
        fs.writeFileSync(file, renderStartupGuard(b.input({ peers: ["axon-2.prod.axon.internal:8224"] })));
        const r = spawnSync("shellcheck", ["-s", "bash", "-S", "style", file], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout);
        const vm = path.join(b.dir, "guard-vm.sh");
        fs.writeFileSync(vm, renderStartupGuard(b.input({ override: { file: "/etc/axonserver/allow-initialise" } })));
        assert.equal(spawnSync("shellcheck", ["-s", "bash", "-S", "style", vm], { encoding: "utf8" }).status, 0);
    });

    it("a restart (control DB present) uses the template unchanged, whatever the peers", async () => {
        fs.writeFileSync(path.join(b.dir, "data", CONTROL_DB_FILE), "h2");
        const r = b.run({ peers: [await deadPeer()] });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.template, TEMPLATE);
    });

    it("a clean node that is not first registers with first (template unchanged)", () => {
        const r = b.run({ isFirst: false, nodeName: "axon-2" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.template, TEMPLATE);
        assert.match(r.stderr, /will register with axon-1\.prod\.axon\.internal:8224/);
    });

    it("a rebuilt first (clean volume) with a live _admin PRIMARY joins it: the template names that peer as first", async () => {
        const dead = await deadPeer();
        const peer = await livePeer();
        try {
            const r = b.run({ peers: [dead, peer.address] });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.template, TEMPLATE.replace("first: axon-1.prod.axon.internal:8224", `first: ${peer.address}`));
            assert.match(r.stderr, /registering with it instead of initialising/);
        } finally {
            await peer.close();
        }
    });

    it("refuses to initialise when the peers exist (resolve) but none answers", async () => {
        const r = b.run({ peers: [await deadPeer()] });
        assert.equal(r.status, 1);
        assert.equal(r.template, undefined, "Axon Server gets no template to start from");
        assert.match(r.stderr, /REFUSING to start: clean data volume on the cluster template's first node/);
    });

    it("initialises on the very first creation: no other _admin PRIMARY name resolves yet", () => {
        const r = b.run({ peers: ["axon-2.no-such-zone.invalid:8224"] });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.template, TEMPLATE);
        assert.match(r.stderr, /no other _admin PRIMARY exists yet: initialising the cluster/);
    });

    it("the documented override (pod annotation) initialises and leaves an audit line on the data volume", async () => {
        fs.writeFileSync(path.join(b.dir, "pod-info", "annotations"), `other="x"\n${ALLOW_INITIALISE_ANNOTATION}="INC-42 full restore"\n`);
        const r = b.run({ peers: [await deadPeer()] });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.template, TEMPLATE);
        assert.match(r.stderr, /OVERRIDE: initialising a NEW cluster on a clean data volume; reason: INC-42 full restore/);
        assert.match(fs.readFileSync(path.join(b.dir, "data", "initialised-by-override.log"), "utf8"), /axon-1 initialised a new cluster by override: INC-42 full restore/);
    });

    it("the VM override is a file, renamed after use (one start only)", async () => {
        const file = path.join(b.dir, "allow-initialise");
        fs.writeFileSync(file, "INC-43\n");
        const peers = [await deadPeer()];
        const r = b.run({ peers, override: { file } });
        assert.equal(r.status, 0, r.stderr);
        assert.ok(!fs.existsSync(file));
        assert.equal(fs.readdirSync(b.dir).filter((f) => f.startsWith("allow-initialise.used-")).length, 1);
        assert.equal(b.run({ peers, override: { file } }).status, 1, "the next clean start refuses again");
    });

    it("rejects values that could break out of the script", () => {
        assert.throws(() => renderStartupGuard(b.input({ peers: ['x"; rm -rf /'] })), /unsafe value/);
    });
});
