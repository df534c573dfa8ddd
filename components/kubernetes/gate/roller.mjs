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
 *   2. wait until a Ready, schedulable worker matches the StatefulSet's current pod template (its node
 *      affinity: the zone and, on cloud sites, the zone's worker pool by name): a replaced pool without a
 *      worker in that zone yet would leave the new pod Pending and the node down;
 *   3. wait until the node restarted before it is back in every group and this node's groups can lose
 *      it (the rolling gate's `evaluate`, components/kubernetes/gate/rollingGate.mjs: one piece of code
 *      for "is it back" and "can it be lost"; fail closed: a voter out of this Job's view is not UP, and a
 *      node is back only when its group's leader, asked directly, says so);
 *   4. delete the pod (precondition: its uid, so only the pod that was checked is deleted; a 409 means
 *      someone else replaced it meanwhile: re-read it and follow the new pod, checking and deleting it
 *      again only if it still runs the old revision);
 *   5. wait until the controller's new pod (another uid, the update revision) has its Axon Server
 *      container (`container`) ready (that container's `status.containerStatuses[].ready`, not the pod's
 *      Ready condition, which a failing sidecar would hold back forever) and Axon reports the node back in
 *      every one of its groups.
 * A step that does not pass within `timeoutSeconds` exits 1 naming the node and what Axon reported.
 *
 * Override (audited, like the gate's): annotate the running roller pod with `<overrideAnnotation>=` one
 * of three values; the script reads it through the downward-API file and logs `OVERRIDDEN … "<value>"`:
 *   `"<node> worker: <reason>"` passes the worker check before `<node>`'s pod is deleted (step 2: it reads
 *                              the template, and admission may add tolerations or a node selector to the
 *                              pod the API server admits, so its "no" may be wrong);
 *   `"<node>: <reason>"`       passes the check before `<node>`'s pod is deleted (step 3);
 *   `"<node> back: <reason>"`  passes the wait until `<node>` is back in its groups (step 5, or the first
 *                              wait for `after`).
 * A value passes one check only: a check that runs again (the pod replaced before its delete) needs a
 * new value, and what Kubernetes reports (step 1 and the container's readiness) cannot be overridden.
 * The annotation is in the Kubernetes audit log.
 *
 * Environment contract (kept stable: the real-engine test bed runs this script outside a cluster):
 *   ROLLER_CONFIG              JSON, required: {
 *                                site, namespace,
 *                                nodes: [{ node, statefulSet }]   restart order; the pod is `<statefulSet>-0`,
 *                                container: the Axon Server container's name in those pods,
 *                                after?: node restarted just before this Job (checked back first),
 *                                groups: [{ name, members: [{ node, role }] }], minActiveBackups,
 *                                endpoints: { <node>: "<http base URL of its /actuator/health: 8024, or a health relay's 8025>" },
 *                                timeoutSeconds, intervalSeconds, overrideAnnotation }
 *   ROLLER_OVERRIDE_FILE       optional: downward-API annotations file of the Job's pod.
 *   ROLLER_SERVICEACCOUNT_DIR  optional, default /var/run/secrets/kubernetes.io/serviceaccount: a
 *                              directory with `token` (bearer token, re-read before every request) and
 *                              `ca.crt` (the API server's CA).
 *   KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT  required: the API server (HTTPS).
 * API calls: GET apps/v1 statefulsets/<name>, GET and DELETE core/v1 pods/<name> in `namespace`; list
 * core/v1 nodes (cluster-scoped).
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

/** The facts one step needs from the API server. `container`: the Axon Server container's name. */
async function podState(api, ns, sts, container) {
    const s = await api.request("GET", `/apis/apps/v1/namespaces/${enc(ns)}/statefulsets/${enc(sts)}`);
    if (s.status !== 200) throw new Error(`GET statefulset ${sts}: HTTP ${s.status} ${s.text.slice(0, 200)}`);
    const p = await api.request("GET", `/api/v1/namespaces/${enc(ns)}/pods/${enc(sts)}-0`);
    if (p.status !== 200 && p.status !== 404) throw new Error(`GET pod ${sts}-0: HTTP ${p.status} ${p.text.slice(0, 200)}`);
    const pod = p.status === 200 ? p.body : null;
    const axon = (pod?.status?.containerStatuses ?? []).find((c) => c.name === container);
    return {
        // The controller has seen the latest spec only when observedGeneration caught up with generation.
        observed: (s.body?.status?.observedGeneration ?? 0) >= (s.body?.metadata?.generation ?? 1),
        updateRevision: s.body?.status?.updateRevision ?? "",
        pod: pod && {
            uid: pod.metadata?.uid,
            revision: pod.metadata?.labels?.[REVISION_LABEL] ?? "",
            deleting: Boolean(pod.metadata?.deletionTimestamp),
            // The Axon container's own readiness, not the pod's Ready condition: a sidecar (the health relay,
            // the backup agent) that crash-loops or cannot pull its image keeps the pod from Ready forever, and
            // says nothing about Axon Server, which the gate's checks then ask directly.
            containerReady: axon ? axon.ready === true : null,
        },
    };
}

/** One NodeSelectorRequirement (`matchExpressions` / `matchFields`) against a node's labels or fields. */
function satisfies(values, e) {
    const has = Object.prototype.hasOwnProperty.call(values, e.key);
    const v = values[e.key];
    const list = e.values ?? [];
    switch (e.operator) {
        case "In":
            return has && list.includes(v);
        case "NotIn":
            return !has || !list.includes(v);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        case "Gt":
            return has && Number.parseInt(v, 10) > Number.parseInt(list[0], 10);
        case "Lt":
            return has && Number.parseInt(v, 10) < Number.parseInt(list[0], 10);
        default:
            return false;
    }
}

const describeRequirement = (e) =>
    ({ In: `${e.key} in (${(e.values ?? []).join(", ")})`, NotIn: `${e.key} notin (${(e.values ?? []).join(", ")})`, Exists: e.key, DoesNotExist: `!${e.key}`, Gt: `${e.key} > ${e.values?.[0]}`, Lt: `${e.key} < ${e.values?.[0]}` })[e.operator] ??
    `${e.key} ${e.operator} ${(e.values ?? []).join(", ")}`;

/**
 * Whether a toleration of the pod tolerates a node's taint (Kubernetes `Toleration.ToleratesTaint`: the
 * same effect or none; `Exists` with no key tolerates everything; `Exists` ignores the value, `Equal`, the
 * default operator, compares it).
 */
function tolerates(tolerations, taint) {
    return (tolerations ?? []).some(
        (t) =>
            (!t.effect || t.effect === taint.effect) &&
            (t.operator === "Exists" ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? "") === (taint.value ?? "")),
    );
}

/**
 * Can the StatefulSet's new pod be scheduled anywhere? The pod's node constraints from its current
 * template: `nodeSelector` and the required node affinity ("nodeSelectorTerms … are ORed", "matchExpressions
 * … are ANDed", an empty term matches nothing: kubernetes.io/docs/concepts/scheduling-eviction/
 * assign-pod-node/#node-affinity); a worker must match them, be Ready, not cordoned (`spec.unschedulable`)
 * and carry no NoSchedule/NoExecute taint the pod does not tolerate. Pod anti-affinity and free resources
 * are not checked (the scheduler's business; the pod being replaced frees its own worker).
 */
async function placement(api, ns, sts, overrideHint = "") {
    const s = await api.request("GET", `/apis/apps/v1/namespaces/${enc(ns)}/statefulsets/${enc(sts)}`);
    if (s.status !== 200) throw new Error(`GET statefulset ${sts}: HTTP ${s.status} ${s.text.slice(0, 200)}`);
    const spec = s.body?.spec?.template?.spec ?? {};
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const selector = spec.nodeSelector ?? {};
    const n = await api.request("GET", "/api/v1/nodes");
    if (n.status !== 200) throw new Error(`GET nodes: HTTP ${n.status} ${n.text.slice(0, 200)}`);
    const matches = (node) => {
        const labels = node.metadata?.labels ?? {};
        if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
        if (!terms) return true;
        const fields = { "metadata.name": node.metadata?.name };
        return terms.some((t) => (t.matchExpressions?.length || t.matchFields?.length) && (t.matchExpressions ?? []).every((e) => satisfies(labels, e)) && (t.matchFields ?? []).every((e) => satisfies(fields, e)));
    };
    const unusable = [];
    let others = 0;
    for (const node of n.body?.items ?? []) {
        if (!matches(node)) {
            others++;
            continue;
        }
        const ready = (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
        const taint = (node.spec?.taints ?? []).find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(spec.tolerations, t));
        const name = node.metadata?.name;
        if (!ready) unusable.push(`${name} not Ready`);
        else if (node.spec?.unschedulable) unusable.push(`${name} unschedulable`);
        else if (taint) unusable.push(`${name} tainted ${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}`);
        else return { ok: true, problems: [] };
    }
    const needs = [
        ...Object.entries(selector).map(([k, v]) => `${k}=${v}`),
        ...(terms ?? []).map((t) => [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])].map(describeRequirement).join(", ")),
    ];
    const seen = unusable.length ? `: ${unusable.join(", ")}; ${others} other workers do not match` : `: none of the ${others} workers matches`;
    return {
        ok: false,
        problems: [
            `no Ready, schedulable worker matches the new pod template of StatefulSet ${sts} (${needs.length ? needs.join(terms && terms.length > 1 ? " or " : ", ") : "any worker"})${seen}` +
                " (the pod is not deleted meanwhile: it would stay Pending; add or fix a worker there, e.g. the new pool's in that zone)" +
                overrideHint,
        ],
    };
}

/**
 * The override annotation's value when it is meant for the check `prefix` (`"<prefix>: <reason>"`, a
 * reason required): `<node> worker` for the worker check, `<node>` for the check before the node's pod is
 * deleted, `<node> back` for the wait until it is back in its groups.
 */
export function overrideFor(text, key, prefix) {
    const value = overrideFrom(text, key);
    return typeof value === "string" && value.startsWith(`${prefix}:`) && value.slice(prefix.length + 1).trim() !== "" ? value : null;
}

/**
 * Runs the roller. `deps` (for tests): `api` (`{ request(method, path, body) }`), `health(node)`,
 * `log`, `readOverride()` (annotations text), `sleep(ms)`, `now()`.
 */
export async function roll(cfg, deps) {
    const { api, health, log, readOverride, sleep, now } = deps;
    const label = `roller ${cfg.site}`;
    /** Override values that passed a check: each passes one check only (a check run again needs a new one). */
    const spent = new Set();

    /**
     * Polls `check` until it returns `{ ok: true }`. An override passes the checks that take one
     * (`overridePrefix`: the value must read `"<overridePrefix>: <reason>"` and not have passed a check
     * before): Axon's view, and the worker check (an approximation of the scheduler). What Kubernetes
     * reports as such (a StatefulSet's status, a container's readiness) is no judgement call.
     */
    const waitFor = async (node, what, check, overridePrefix) => {
        const deadline = now() + cfg.timeoutSeconds * 1000;
        let last;
        const told = new Set();
        for (let attempt = 1; ; attempt++) {
            if (overridePrefix !== undefined) {
                const text = readOverride();
                const o = overrideFor(text, cfg.overrideAnnotation, overridePrefix);
                if (o && !spent.has(o)) {
                    spent.add(o);
                    log(`${label}: ${what}: OVERRIDDEN by annotation ${cfg.overrideAnnotation}="${o}"; last check: ${last ? last.problems.join("; ") : "none"}`);
                    return true;
                }
                // Say once why a value there does not count, so the operator knows what to write.
                const raw = overrideFrom(text, cfg.overrideAnnotation);
                if (typeof raw === "string" && raw !== "" && !told.has(raw)) {
                    told.add(raw);
                    log(
                        `${label}: ${what}: override "${raw}" ` +
                            (o ? "was used already (one value passes one check)" : "is not for this check") +
                            `: this check takes a new ${cfg.overrideAnnotation}="${overridePrefix}: <reason>"`,
                    );
                }
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
    /** The gate's checks; `prefix`: the override value this check takes (named in its hints). */
    const axon = (after, before, prefix) => () => evaluate({ ...cfg, after, before, overridePrefix: prefix, mustResolve: [] }, health);
    const back = (node) => `${node} back`;
    const worker = (node) => `${node} worker`;
    /**
     * The worker check reads the StatefulSet's template; admission (PodTolerationRestriction, PodNodeSelector,
     * a mutating webhook) may add tolerations or a node selector to the pod the API server admits, so a
     * "no" may be wrong: it names its override.
     */
    const workerHint = (node) =>
        ` (if a worker takes the pod after all, e.g. admission adds a toleration or node selector the template lacks, override, audited: annotate this Job's pod ${cfg.overrideAnnotation}="${worker(node)}: <reason>"; README "Creation order and rolling changes")`;

    // The node changed just before this Job (a replaced VM) must be back first, even when every pod here
    // is already up to date: nothing else checks it when it ends the creation chain.
    if (cfg.after && !(await waitFor(cfg.after, `${cfg.after}: back in its groups`, axon(cfg.after, undefined, back(cfg.after)), back(cfg.after)))) return 1;
    let previous = cfg.after;
    for (const { node, statefulSet } of cfg.nodes) {
        // The StatefulSet's status must reflect its latest spec before its revision is trusted.
        const observe = async () => {
            let st;
            const fresh = await waitFor(node, `${node}: StatefulSet ${statefulSet} observed`, async () => {
                st = await podState(api, cfg.namespace, statefulSet, cfg.container);
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
        // A pod is deleted only when a worker can take its replacement (a replaced pool may lack one in
        // this zone: the new pod would stay Pending and the node be down).
        if (deleting && !(await waitFor(node, `${node}: a worker for the new pod`, () => placement(api, cfg.namespace, statefulSet, workerHint(node)), worker(node)))) return 1;
        const what = previous ? `${node}: ${previous} back${deleting ? `, ${node} can be lost` : ""}` : `${node}: can be lost`;
        if ((previous || deleting) && !(await waitFor(node, what, axon(previous, deleting ? node : undefined, node), node))) return 1;
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
                if (!(await waitFor(node, `${node}: can be lost`, axon(undefined, node, node), node))) return 1;
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
        const replaced = await waitFor(node, `${node}: container ${cfg.container} of the new pod ready at revision ${state.updateRevision}`, async () => {
            const s = await podState(api, cfg.namespace, statefulSet, cfg.container);
            const p = s.pod;
            if (p && !retired.has(p.uid) && !p.deleting && p.revision === s.updateRevision && p.containerReady) return { ok: true, problems: [] };
            const why = !p
                ? "no pod yet"
                : retired.has(p.uid)
                  ? "old pod still terminating"
                  : p.revision !== s.updateRevision
                    ? `pod at revision ${p.revision}, expected ${s.updateRevision}`
                    : p.containerReady === null
                      ? `no status of container ${cfg.container} yet`
                      : `container ${cfg.container} not ready`;
            return { ok: false, problems: [`${statefulSet}-0: ${why}`] };
        });
        if (!replaced) return 1;
        if (!(await waitFor(node, `${node}: back in its groups`, axon(node, undefined, back(node)), back(node)))) return 1;
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
