/* global process, console, setTimeout, Buffer */
/**
 * The roller: restarts the Axon Server pods of one Kubernetes site, one at a time, in the update order
 * (least critical first), each step released by Axon Server's own Raft view. Run by a Kubernetes Job
 * (components/kubernetes/roller.ts) after `pulumi up` has written every StatefulSet. Plain Node.js
 * (18+), no dependencies.
 *
 * Why a Job restarts pods: the StatefulSets use `updateStrategy: OnDelete`, so a changed pod template
 * reaches a pod only when the pod is deleted ("Users must manually delete Pods to cause the controller
 * to create new Pods that reflect modifications made to a StatefulSet's .spec.template",
 * kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies). `pulumi up` then
 * changes specs without restarting anything, and this script chooses the order.
 *
 * First, when `after` is given (the node changed just before this Job, e.g. a replaced VM), wait until
 * it is back in every group. Then for each node of `nodes`, in order:
 *   1. skip it when its pod already runs the StatefulSet's `status.updateRevision` (the pod label
 *      `controller-revision-hash` carries the revision it was created from; the StatefulSet controller
 *      sets it, kubernetes pkg/controller/statefulset/stateful_set_utils.go `getPodRevision`);
 *   2. wait until the node restarted before it is back in every group and this node's groups can lose
 *      it (the rolling gate's `evaluate`, components/kubernetes/gate/rollingGate.mjs: one piece of code
 *      for "is it back" and "can it be lost"; fail closed: a voter out of this Job's view is not UP, and a
 *      node is back only when its group's leader, asked directly, says so);
 *   3. delete the pod (precondition: its uid, so only the pod that was checked is deleted; a 409 means
 *      someone else replaced it meanwhile: re-read it and follow the new pod, checking and deleting it
 *      again only if it still runs the old revision);
 *   4. wait until the controller's new pod (another uid, the update revision) is Ready and Axon reports
 *      the node back in every one of its groups.
 * A step that does not pass within `timeoutSeconds` exits 1 naming the node and what Axon reported.
 *
 * Override (audited, like the gate's): annotate the running roller pod with
 * `<overrideAnnotation>="<node>: <reason>"`; the script reads it through the downward-API file, logs
 * `OVERRIDDEN … "<node>: <reason>"` and lets the steps of THAT node pass (check before the delete and
 * the wait after it); other nodes are still checked. The annotation is in the Kubernetes audit log.
 *
 * Environment contract (kept stable: the real-engine test bed runs this script outside a cluster):
 *   ROLLER_CONFIG              JSON, required: {
 *                                site, namespace,
 *                                nodes: [{ node, statefulSet }]   restart order; the pod is `<statefulSet>-0`,
 *                                after?: node restarted just before this Job (checked back first),
 *                                groups: [{ name, members: [{ node, role }] }], minActiveBackups,
 *                                endpoints: { <node>: "<http base URL of its /actuator/health: 8024, or a health relay's 8025>" },
 *                                timeoutSeconds, intervalSeconds, overrideAnnotation }
 *   ROLLER_OVERRIDE_FILE       optional: downward-API annotations file of the Job's pod.
 *   ROLLER_SERVICEACCOUNT_DIR  optional, default /var/run/secrets/kubernetes.io/serviceaccount: a
 *                              directory with `token` (bearer token, re-read before every request) and
 *                              `ca.crt` (the API server's CA).
 *   KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT  required: the API server (HTTPS).
 * API calls: GET apps/v1 statefulsets/<name>, GET and DELETE core/v1 pods/<name> in `namespace`.
 * Exit code: 0 done (or overridden), 1 a step failed, 2 bad environment.
 */
import { evaluate, httpHealth, isMain, overrideFrom } from "./rollingGate.mjs";

export const REVISION_LABEL = "controller-revision-hash";
export const DEFAULT_SERVICEACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** A minimal Kubernetes API client over node's https module with the service account's credentials. */
export async function kubeClient(env = process.env) {
    const fs = await import("node:fs");
    const https = await import("node:https");
    const dir = env.ROLLER_SERVICEACCOUNT_DIR || DEFAULT_SERVICEACCOUNT_DIR;
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT || "443";
    if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set");
    const ca = fs.readFileSync(`${dir}/ca.crt`);
    const request = (method, path, body) =>
        new Promise((resolve, reject) => {
            const token = fs.readFileSync(`${dir}/token`, "utf8").trim();
            const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
            const req = https.request(
                {
                    // An IPv6 service host comes without brackets; strip them if given.
                    host: host.replace(/^\[|\]$/g, ""),
                    port,
                    path,
                    method,
                    ca,
                    headers: {
                        authorization: `Bearer ${token}`,
                        accept: "application/json",
                        ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}),
                    },
                    timeout: 15000,
                },
                (res) => {
                    const chunks = [];
                    res.on("data", (c) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let json;
                        try {
                            json = text ? JSON.parse(text) : null;
                        } catch {
                            json = null;
                        }
                        resolve({ status: res.statusCode, body: json, text });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    return { request };
}

const enc = encodeURIComponent;

/** The facts one step needs from the API server. */
async function podState(api, ns, sts) {
    const s = await api.request("GET", `/apis/apps/v1/namespaces/${enc(ns)}/statefulsets/${enc(sts)}`);
    if (s.status !== 200) throw new Error(`GET statefulset ${sts}: HTTP ${s.status} ${s.text.slice(0, 200)}`);
    const p = await api.request("GET", `/api/v1/namespaces/${enc(ns)}/pods/${enc(sts)}-0`);
    if (p.status !== 200 && p.status !== 404) throw new Error(`GET pod ${sts}-0: HTTP ${p.status} ${p.text.slice(0, 200)}`);
    const pod = p.status === 200 ? p.body : null;
    return {
        // The controller has seen the latest spec only when observedGeneration caught up with generation.
        observed: (s.body?.status?.observedGeneration ?? 0) >= (s.body?.metadata?.generation ?? 1),
        updateRevision: s.body?.status?.updateRevision ?? "",
        pod: pod && {
            uid: pod.metadata?.uid,
            revision: pod.metadata?.labels?.[REVISION_LABEL] ?? "",
            deleting: Boolean(pod.metadata?.deletionTimestamp),
            ready: (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        },
    };
}

/** True when the override annotation names `node` (`"<node>: <reason>"`). */
export function overrideFor(text, key, node) {
    const value = overrideFrom(text, key);
    return typeof value === "string" && value.startsWith(`${node}:`) && value.slice(node.length + 1).trim() !== "" ? value : null;
}

/**
 * Runs the roller. `deps` (for tests): `api` (`{ request(method, path, body) }`), `health(node)`,
 * `log`, `readOverride()` (annotations text), `sleep(ms)`, `now()`.
 */
export async function roll(cfg, deps) {
    const { api, health, log, readOverride, sleep, now } = deps;
    const label = `roller ${cfg.site}`;
    const overridden = (node) => overrideFor(readOverride(), cfg.overrideAnnotation, node);

    /**
     * Polls `check` until it returns `{ ok: true }`. The node's override passes Axon checks only
     * (`overridable`); what Kubernetes reports (a StatefulSet's status, a pod's readiness) is no
     * judgement call.
     */
    const waitFor = async (node, what, check, overridable = false) => {
        const deadline = now() + cfg.timeoutSeconds * 1000;
        let last;
        for (let attempt = 1; ; attempt++) {
            const o = overridable ? overridden(node) : null;
            if (o) {
                log(`${label}: ${what}: OVERRIDDEN by annotation ${cfg.overrideAnnotation}="${o}"; last check: ${last ? last.problems.join("; ") : "none"}`);
                return true;
            }
            // An API or network error is one more reason to wait, not a crash.
            last = await check().catch((e) => ({ ok: false, problems: [e.message] }));
            for (const n of last.notes ?? []) log(`${label}: ${what}: note: ${n}`);
            if (last.ok) {
                log(`${label}: ${what}: passed (attempt ${attempt})`);
                return true;
            }
            log(`${label}: ${what}: waiting (attempt ${attempt}): ${last.problems.join("; ")}`);
            if (now() >= deadline) {
                log(`${label}: FAILED at ${node}: ${what} not reached after ${cfg.timeoutSeconds}s: ${last.problems.join("; ")}`);
                return false;
            }
            await sleep(cfg.intervalSeconds * 1000);
        }
    };
    // `step`: the node whose override passes this check (the waitFor's node), named in the gate's hints.
    const axon = (after, before, step) => () => evaluate({ ...cfg, after, before, overridePrefix: step, mustResolve: [] }, health);

    // The node changed just before this Job (a replaced VM) must be back first, even when every pod here
    // is already up to date: nothing else checks it when it ends the creation chain.
    if (cfg.after && !(await waitFor(cfg.after, `${cfg.after}: back in its groups`, axon(cfg.after, undefined, cfg.after), true))) return 1;
    let previous = cfg.after;
    for (const { node, statefulSet } of cfg.nodes) {
        // The StatefulSet's status must reflect its latest spec before its revision is trusted.
        const observe = async () => {
            let st;
            const fresh = await waitFor(node, `${node}: StatefulSet ${statefulSet} observed`, async () => {
                st = await podState(api, cfg.namespace, statefulSet);
                return st.observed && st.updateRevision
                    ? { ok: true, problems: [] }
                    : { ok: false, problems: [`StatefulSet ${statefulSet}: status not yet observed for its latest generation`] };
            });
            return fresh ? st : null;
        };
        let state = await observe();
        if (!state) return 1;
        if (state.pod && state.pod.revision === state.updateRevision && !state.pod.deleting) {
            log(`${label}: ${node}: pod ${statefulSet}-0 already at revision ${state.updateRevision}, skipped`);
            continue;
        }
        // "Can be lost" is asked only of a pod this Job is about to delete; a missing or terminating pod is
        // already going, and the controller recreates it whatever happens here.
        const deleting = state.pod && !state.pod.deleting;
        const what = previous ? `${node}: ${previous} back${deleting ? `, ${node} can be lost` : ""}` : `${node}: can be lost`;
        if ((previous || deleting) && !(await waitFor(node, what, axon(previous, deleting ? node : undefined, node), true))) return 1;
        const oldUid = state.pod?.uid;
        let target = state.pod;
        while (target && !target.deleting) {
            const del = await api.request("DELETE", `/api/v1/namespaces/${enc(cfg.namespace)}/pods/${enc(statefulSet)}-0`, {
                kind: "DeleteOptions",
                apiVersion: "v1",
                preconditions: { uid: target.uid },
            });
            if (del.status === 409) {
                // The uid precondition failed: the pod checked is gone and the controller made another (an
                // eviction, someone else's delete). Go on with that pod's state instead of failing.
                log(`${label}: ${node}: pod ${statefulSet}-0 is no longer the one checked (HTTP 409 on the uid precondition): re-reading it`);
                state = await observe();
                if (!state) return 1;
                const p = state.pod;
                if (!p || p.deleting || p.revision === state.updateRevision) {
                    log(`${label}: ${node}: pod ${statefulSet}-0 ${!p ? "not recreated yet" : p.deleting ? "terminating" : `recreated at revision ${p.revision}`}: waiting for it`);
                    break;
                }
                // Recreated from the old revision: it must go too, once its groups can lose it again.
                if (!(await waitFor(node, `${node}: can be lost`, axon(undefined, node, node), true))) return 1;
                target = p;
                continue;
            }
            // 404: the pod is already gone (the controller recreates it).
            if (del.status !== 200 && del.status !== 202 && del.status !== 404) {
                log(`${label}: FAILED at ${node}: DELETE pod ${statefulSet}-0: HTTP ${del.status} ${del.text.slice(0, 300)}`);
                return 1;
            }
            log(`${label}: ${node}: deleted pod ${statefulSet}-0 (revision ${target.revision} -> ${state.updateRevision})`);
            break;
        }
        const retired = new Set([oldUid, target?.uid].filter(Boolean));
        const replaced = await waitFor(node, `${node}: new pod Ready at revision ${state.updateRevision}`, async () => {
            const s = await podState(api, cfg.namespace, statefulSet);
            const p = s.pod;
            if (p && !retired.has(p.uid) && !p.deleting && p.revision === s.updateRevision && p.ready) return { ok: true, problems: [] };
            const why = !p ? "no pod yet" : retired.has(p.uid) ? "old pod still terminating" : p.revision !== s.updateRevision ? `pod at revision ${p.revision}, expected ${s.updateRevision}` : "pod not Ready";
            return { ok: false, problems: [`${statefulSet}-0: ${why}`] };
        });
        if (!replaced) return 1;
        if (!(await waitFor(node, `${node}: back in its groups`, axon(node, undefined, node), true))) return 1;
        previous = node;
    }
    log(`${label}: done`);
    return 0;
}

export async function main(env = process.env, log = console.log) {
    let cfg;
    let api;
    try {
        cfg = JSON.parse(env.ROLLER_CONFIG ?? "");
        api = await kubeClient(env);
    } catch (e) {
        log(`roller: bad environment: ${e.message}`);
        return 2;
    }
    const fs = await import("node:fs");
    const readOverride = () => {
        if (!env.ROLLER_OVERRIDE_FILE) return "";
        try {
            return fs.readFileSync(env.ROLLER_OVERRIDE_FILE, "utf8");
        } catch {
            return "";
        }
    };
    try {
        return await roll(cfg, {
            api,
            health: (node) => httpHealth(cfg.endpoints[node], 5000),
            log,
            readOverride,
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
            now: () => Date.now(),
        });
    } catch (e) {
        log(`roller ${cfg.site}: FAILED: ${e.message}`);
        return 1;
    }
}

// Run as a program (`isMain` explains why it compares real paths).
if (isMain(import.meta.url)) {
    main().then((code) => process.exit(code));
}
