/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload, loaded by node before the gate script */
/**
 * Preloaded (`node --require`) into the Job pods the real-engine test bed runs on this machine
 * (tools/e2e/jobs.ts), in place of the cluster's DNS: `dns.promises.lookup` (what the rolling gate calls
 * through `node:dns/promises`) answers
 * - `<service>.<namespace>.svc.cluster.local` when that Service exists in the pod's API server (the
 *   list in E2E_DNS_FILE, rewritten by the runner every second), else ENOTFOUND, like CoreDNS;
 * - any other name (the fake cloud providers' private DNS zones) with a TEST-NET-1 address (RFC 5737),
 *   which nothing ever connects to.
 * Nothing is ever looked up off this machine.
 */
"use strict";
const dns = require("node:dns");
const fs = require("node:fs");
const { syncBuiltinESMExports } = require("node:module");

function notFound(name) {
    const e = new Error(`getaddrinfo ENOTFOUND ${name}`);
    e.code = "ENOTFOUND";
    e.hostname = name;
    return e;
}

dns.promises.lookup = async function lookup(name, options) {
    const all = typeof options === "object" && options !== null && options.all;
    if (name === "localhost" || name === "127.0.0.1") {
        const a = { address: "127.0.0.1", family: 4 };
        return all ? [a] : a;
    }
    if (/\.cluster\.local\.?$/.test(name)) {
        let known = [];
        try {
            known = JSON.parse(fs.readFileSync(process.env.E2E_DNS_FILE, "utf8"));
        } catch {
            // no list yet: nothing resolves
        }
        if (!known.includes(name.replace(/\.$/, ""))) throw notFound(name);
    }
    const a = { address: "192.0.2.1", family: 4 };
    return all ? [a] : a;
};
// `import("node:dns/promises")` sees the replacement only after this.
syncBuiltinESMExports();
