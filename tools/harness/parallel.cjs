/**
 * `npm test`: runs chains of npm scripts side by side, e.g.
 *
 *   node tools/harness/parallel.cjs typecheck "lint test:unit"
 *
 * runs `typecheck` while `lint` then `test:unit` run one after the other. Each chain stops at its first
 * failing script. The last chain's output streams; the others' is printed when they end, so lines never
 * interleave. Exit code 1 when any script failed. Typecheck is single-threaded and the unit tests run in
 * two mocha workers, so on two cores this takes about as long as the longer chain instead of the sum.
 */
/* global require, process, console, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node, runs before any TypeScript */
const { spawn } = require("node:child_process");

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs one script; resolves with its exit code. Output goes to `sink` or streams when there is none. */
function runScript(script, sink) {
    return new Promise((resolve) => {
        const child = spawn(npm, ["run", "--silent", script], { stdio: sink ? ["ignore", "pipe", "pipe"] : "inherit" });
        if (sink) {
            child.stdout.on("data", (d) => sink.push(d));
            child.stderr.on("data", (d) => sink.push(d));
        }
        child.on("error", (e) => {
            if (sink) sink.push(Buffer.from(`${e.message}\n`));
            resolve(1);
        });
        child.on("close", (code) => resolve(code ?? 1));
    });
}

async function runChain(scripts, streams) {
    const output = streams ? undefined : [];
    const results = [];
    for (const script of scripts) {
        const started = Date.now();
        const code = await runScript(script, output);
        results.push({ script, code, seconds: (Date.now() - started) / 1000 });
        if (code !== 0) break;
    }
    if (output && output.length > 0) process.stdout.write(Buffer.concat(output));
    return results;
}

async function main(chains) {
    if (chains.length === 0) {
        console.error("usage: node tools/harness/parallel.cjs <script> [\"<script> <script>\" ...]");
        return 2;
    }
    const all = await Promise.all(chains.map((chain, i) => runChain(chain.split(/\s+/).filter(Boolean), i === chains.length - 1)));
    const results = all.flat();
    for (const r of results) console.log(`${r.code === 0 ? "ok  " : "FAIL"} npm run ${r.script} (${r.seconds.toFixed(1)} s)`);
    const planned = chains.flatMap((c) => c.split(/\s+/).filter(Boolean)).length;
    return results.every((r) => r.code === 0) && results.length === planned ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
