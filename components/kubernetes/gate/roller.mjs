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
 *      affinity: the zone and, on cloud sites, the zone's worker pool by name; its required pod
 *      anti-affinity: no other Axon pod of the site on that worker): a replaced pool without a free worker
 *      in that zone yet would leave the new pod Pending and the node down (`placement`);
 *   3. wait until the node restarted before it is back in every group and this node's groups can lose
 *      it, on two consecutive polls at least `confirmSeconds` apart under the same leaders (as every
 *      wait on Axon's view: a new leader reports every follower UP at first; the rolling gate's `evaluate`, components/kubernetes/gate/rollingGate.mjs: one piece of code
 *      for "is it back" and "can it be lost"; fail closed: a voter out of this Job's view is not UP, and a
 *      node is back only when its group's leader, asked directly, says so); then look for the worker once
 *      more, and if it went meanwhile, wait for steps 2 and 3 again;
 *   4. delete the pod (precondition: its uid, so only the pod that was checked is deleted; a 409 means
 *      someone else replaced it meanwhile: re-read it and follow the new pod, checking (steps 2, 3) and
 *      deleting it again only if it still runs the old revision);
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
 *                                timeoutSeconds, intervalSeconds, overrideAnnotation,
 *                                confirmSeconds?: minimum gap between the two passing polls an Axon check needs (default 5) }
 *   ROLLER_OVERRIDE_FILE       optional: downward-API annotations file of the Job's pod.
 *   ROLLER_SERVICEACCOUNT_DIR  optional, default /var/run/secrets/kubernetes.io/serviceaccount: a
 *                              directory with `token` (bearer token, re-read before every request) and
 *                              `ca.crt` (the API server's CA).
 *   KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT  required: the API server (HTTPS).
 * API calls: GET apps/v1 statefulsets/<name>, GET and DELETE core/v1 pods/<name> in `namespace`; list
 * core/v1 pods in `namespace` by label selector (only when a template has required pod anti-affinity);
 * list core/v1 nodes (cluster-scoped; by label selector, or one by `metadata.name` field selector).
 * Exit code: 0 done (or overridden), 1 a step failed, 2 bad environment.
 */
import { CONFIRM_SECONDS, confirmer, evaluate, httpHealth, isMain, overrideFrom } from "./rollingGate.mjs";

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

/**
 * A base-10 int64 as Kubernetes parses a Gt/Lt operand (Go `strconv.ParseInt(v, 10, 64)`: an optional
 * sign, decimal digits, in range), or null: apimachinery pkg/labels/selector.go `Requirement.Matches`
 * treats a value that does not parse as no match ("5Gi" is not 5).
 */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function int64(v) {
    if (typeof v !== "string" || !/^[+-]?\d+$/.test(v)) return null;
    const n = BigInt(v);
    return n < INT64_MIN || n > INT64_MAX ? null : n;
}

/**
 * One requirement (`NodeSelectorRequirement` of `matchExpressions` / `matchFields`, or a LabelSelector's
 * `matchExpressions`) against a node's or pod's labels or fields.
 */
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
        case "Lt": {
            const a = has ? int64(v) : null;
            const b = list.length === 1 ? int64(list[0]) : null;
            if (a === null || b === null) return false;
            return e.operator === "Gt" ? a > b : a < b;
        }
        default:
            return false;
    }
}

const describeRequirement = (e) =>
    ({ In: `${e.key} in (${(e.values ?? []).join(", ")})`, NotIn: `${e.key} notin (${(e.values ?? []).join(", ")})`, Exists: e.key, DoesNotExist: `!${e.key}`, Gt: `${e.key} > ${e.values?.[0]}`, Lt: `${e.key} < ${e.values?.[0]}` })[e.operator] ??
    `${e.key} ${e.operator} ${(e.values ?? []).join(", ")}`;

/**
 * A metav1 LabelSelector as the `labelSelector` query parameter (kubernetes.io/docs/concepts/overview/
 * working-with-objects/labels/#label-selectors: `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, ANDed).
 */
function selectorQuery(sel) {
    return [
        ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(sel.matchExpressions ?? []).map((e) =>
            e.operator === "In" ? `${e.key} in (${e.values.join(",")})` : e.operator === "NotIn" ? `${e.key} notin (${e.values.join(",")})` : e.operator === "Exists" ? e.key : `!${e.key}`,
        ),
    ].join(",");
}

/** Whether a LabelSelector matches `labels`: every `matchLabels` entry and every expression (a null selector matches nothing). */
function selects(sel, labels) {
    if (!sel) return false;
    return Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (sel.matchExpressions ?? []).every((e) => satisfies(labels, e));
}

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
 * The node list's query: the labels every matching worker must carry (the `nodeSelector`, and a single
 * term's single-value `In` expressions: terms are ORed, so with several none is required of all), for the
 * API server to filter, served from its watch cache (`resourceVersion=0`, "Any":
 * kubernetes.io/docs/reference/using-api/api-concepts/#semantics-for-get-and-list). A 128Mi Job then
 * does not read every worker of a big cluster on every poll; the full match is still checked here.
 */
function nodeQuery(selector, terms, fresh = false) {
    const labels = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
    if (terms?.length === 1) for (const e of terms[0].matchExpressions ?? []) if (e.operator === "In" && e.values?.length === 1) labels.push(`${e.key}=${e.values[0]}`);
    return { labels: labels.join(","), query: [labels.length ? `labelSelector=${enc(labels.join(","))}` : "", watchCache(fresh)].filter(Boolean).join("&") };
}

/**
 * The list's `resourceVersion`: `0` ("Any": the watch cache, possibly stale) for the polls; none ("Most
 * recent", read through from etcd) for `fresh`, the last look right before a DELETE, which must not act
 * on a stale worker (kubernetes.io/docs/reference/using-api/api-concepts/#semantics-for-get-and-list).
 */
const watchCache = (fresh) => (fresh ? "" : "resourceVersion=0");

/**
 * Can the StatefulSet's new pod be scheduled anywhere? Approximates the scheduler from the pod's current
 * template:
 * - node constraints: `nodeSelector` and the required node affinity ("nodeSelectorTerms … are ORed",
 *   "matchExpressions … are ANDed", an empty term matches nothing: kubernetes.io/docs/concepts/
 *   scheduling-eviction/assign-pod-node/#node-affinity); the worker must be Ready, not cordoned
 *   (`spec.unschedulable`) and carry no NoSchedule/NoExecute taint the pod does not tolerate;
 * - the template's required pod anti-affinity, for terms on the pod's own namespace: no pod its
 *   `labelSelector` matches may run in the worker's topology domain (the nodes sharing the worker's
 *   `topologyKey` value; a worker without that label is no domain of the term) — except the pod being
 *   replaced, whose worker is free once it is gone (assign-pod-node/#inter-pod-affinity-and-anti-affinity).
 *   On a pool move the old pod is on the old pool, so it frees nothing there: another Axon pod on the new
 *   pool's only worker in the zone leaves the new pod Pending.
 * Not checked (the scheduler's business, or not known from here): free resources, the data volume's
 * node affinity (a zonal disk: the zone term covers it), other pods' anti-affinity towards this one,
 * topology spread, anti-affinity terms on other namespaces, and what admission adds to the admitted pod
 * (hence the override, `overrideHint`).
 */
async function placement(api, ns, sts, overrideHint = "", fresh = false) {
    const s = await api.request("GET", `/apis/apps/v1/namespaces/${enc(ns)}/statefulsets/${enc(sts)}`);
    if (s.status !== 200) throw new Error(`GET statefulset ${sts}: HTTP ${s.status} ${s.text.slice(0, 200)}`);
    const spec = s.body?.spec?.template?.spec ?? {};
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const selector = spec.nodeSelector ?? {};
    const { labels: listedBy, query } = nodeQuery(selector, terms, fresh);
    const n = await api.request("GET", `/api/v1/nodes?${query}`);
    if (n.status !== 200) throw new Error(`GET nodes: HTTP ${n.status} ${n.text.slice(0, 200)}`);
    const matches = (node) => {
        const labels = node.metadata?.labels ?? {};
        if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
        if (!terms) return true;
        const fields = { "metadata.name": node.metadata?.name };
        return terms.some((t) => (t.matchExpressions?.length || t.matchFields?.length) && (t.matchExpressions ?? []).every((e) => satisfies(labels, e)) && (t.matchFields ?? []).every((e) => satisfies(fields, e)));
    };
    const antiTerms = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).filter(
        (t) => !t.namespaceSelector && (!(t.namespaces?.length > 0) || t.namespaces.includes(ns)),
    );
    /** Per anti-affinity term: the topology values its matching pods occupy (read once, when a candidate needs it). */
    let occupied;
    const domains = async () => {
        if (occupied) return occupied;
        const known = new Map((n.body?.items ?? []).map((x) => [x.metadata?.name, x.metadata?.labels ?? {}]));
        /** A worker's labels; one outside the filtered list is listed by name (`list`, as granted). */
        const labelsOf = async (name) => {
            if (!known.has(name)) {
                const r = await api.request("GET", `/api/v1/nodes?${[`fieldSelector=${enc(`metadata.name=${name}`)}`, watchCache(fresh)].filter(Boolean).join("&")}`);
                if (r.status !== 200) throw new Error(`GET nodes ${name}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
                known.set(name, r.body?.items?.[0]?.metadata?.labels ?? {});
            }
            return known.get(name);
        };
        const lists = new Map();
        occupied = [];
        for (const term of antiTerms) {
            const q = selectorQuery(term.labelSelector ?? {});
            if (!lists.has(q)) {
                const r = await api.request("GET", `/api/v1/namespaces/${enc(ns)}/pods?labelSelector=${enc(q)}`);
                if (r.status !== 200) throw new Error(`GET pods ${q}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
                lists.set(q, r.body?.items ?? []);
            }
            const values = new Map();
            for (const pod of lists.get(q)) {
                const on = pod.spec?.nodeName;
                // The pod replaced frees its worker (the controller creates the new pod once it is gone); an
                // unbound pod holds none; the scheduler does not account for a Succeeded/Failed pod, but does
                // for a terminating one (kubernetes/kubernetes#96515, #111793), which therefore still counts.
                if (!on || pod.metadata?.name === `${sts}-0` || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
                if (!selects(term.labelSelector, pod.metadata?.labels ?? {})) continue;
                const value = (await labelsOf(on))[term.topologyKey];
                if (value !== undefined && !values.has(value)) values.set(value, pod.metadata?.name);
            }
            occupied.push({ term, q, values });
        }
        return occupied;
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
        else {
            const labels = node.metadata?.labels ?? {};
            const blocked = (await domains()).find((d) => labels[d.term.topologyKey] !== undefined && d.values.has(labels[d.term.topologyKey]));
            if (blocked) unusable.push(`${name} runs ${blocked.values.get(labels[blocked.term.topologyKey])} (required pod anti-affinity ${blocked.q} on ${blocked.term.topologyKey})`);
            else return { ok: true, problems: [] };
        }
    }
    const needs = [
        ...Object.entries(selector).map(([k, v]) => `${k}=${v}`),
        ...(terms ?? []).map((t) => [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])].map(describeRequirement).join(", ")),
    ];
    const listed = listedBy ? `workers labelled ${listedBy}` : "workers";
    const seen = unusable.length ? `: ${unusable.join(", ")}${others ? `; ${others} other ${listed} do not match` : ""}` : others ? `: none of the ${others} ${listed} matches` : `: no ${listed}`;
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
     * Polls `check` until it returns `{ ok: true }` ("passed"), or an override passes it ("overridden");
     * false at the deadline. An override passes the checks that take one
     * (`overridePrefix`: the value must read `"<overridePrefix>: <reason>"` and not have passed a check
     * before): Axon's view, and the worker check (an approximation of the scheduler). What Kubernetes
     * reports as such (a StatefulSet's status, a container's readiness) is no judgement call.
     */
    const gapMs = (cfg.confirmSeconds ?? CONFIRM_SECONDS) * 1000;
    const waitFor = async (node, what, check, overridePrefix, confirmed = false) => {
        const deadline = now() + cfg.timeoutSeconds * 1000;
        let last;
        const told = new Set();
        // Axon's checks (`confirmed`) pass on two consecutive passing polls `confirmSeconds` apart under the
        // same leaders (rollingGate.mjs `CONFIRM_SECONDS` says why); what Kubernetes reports passes at once.
        const confirm = confirmed ? confirmer(gapMs) : (r) => ({ confirmed: r.ok, note: "" });
        for (let attempt = 1; ; attempt++) {
            if (overridePrefix !== undefined) {
                const text = readOverride();
                const o = overrideFor(text, cfg.overrideAnnotation, overridePrefix);
                if (o && !spent.has(o)) {
                    spent.add(o);
                    log(`${label}: ${what}: OVERRIDDEN by annotation ${cfg.overrideAnnotation}="${o}"; last check: ${last ? last.problems.join("; ") : "none"}`);
                    return "overridden";
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
            const c = confirm(last, now());
            if (c.confirmed) {
                log(`${label}: ${what}: passed (attempt ${attempt}${c.note ? `, ${c.note}` : ""})`);
                return "passed";
            }
            if (last.ok) {
                if (c.note) log(`${label}: ${what}: ${c.note}`);
                if (c.first) log(`${label}: ${what}: passed once (attempt ${attempt}), not confirmed yet: passes when it passes again at least ${gapMs / 1000}s later under the same leaders`);
                // A run of passes ends within the gap (confirmed, or broken by a failing poll); only leaders
                // that keep changing could make it last, so it too ends, one gap past the deadline at most.
                if (now() < deadline + gapMs) {
                    await sleep(Math.min(cfg.intervalSeconds * 1000, c.remainingMs));
                    continue;
                }
                log(`${label}: FAILED at ${node}: ${what}: passing polls not confirmed after ${cfg.timeoutSeconds}s (the leader kept changing)`);
                return false;
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
    /**
     * Everything before a pod is deleted: a worker for its replacement, then Axon's check (`what`,
     * `check`), then the worker once more right before the DELETE: Axon's check may have waited long, and
     * a worker that went meanwhile (NotReady, cordoned, another pod on it) would leave the new pod Pending.
     * Then both run again (an Axon override spent on the first round needs a new value). A worker check
     * passed by its override is not repeated: the operator said the scheduler places the pod.
     */
    const clearToDelete = async (node, statefulSet, what, check) => {
        const place = (fresh = false) => placement(api, cfg.namespace, statefulSet, workerHint(node), fresh);
        for (;;) {
            const w = await waitFor(node, `${node}: a worker for the new pod`, () => place(), worker(node));
            if (!w) return false;
            if (!(await waitFor(node, what, check, node, true))) return false;
            if (w === "overridden") return true;
            const again = await place(true).catch((e) => ({ ok: false, problems: [e.message] }));
            if (again.ok) return true;
            log(`${label}: ${node}: a worker for the new pod: no longer there after the wait for Axon's check: ${again.problems.join("; ")}; not deleting yet`);
        }
    };

    // The node changed just before this Job (a replaced VM) must be back first, even when every pod here
    // is already up to date: nothing else checks it when it ends the creation chain.
    if (cfg.after && !(await waitFor(cfg.after, `${cfg.after}: back in its groups`, axon(cfg.after, undefined, back(cfg.after)), back(cfg.after), true))) return 1;
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
        const what = previous ? `${node}: ${previous} back${deleting ? `, ${node} can be lost` : ""}` : `${node}: can be lost`;
        if (deleting) {
            if (!(await clearToDelete(node, statefulSet, what, axon(previous, node, node)))) return 1;
        } else if (previous && !(await waitFor(node, what, axon(previous, undefined, node), node, true))) return 1;
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
                // Recreated from the old revision: it must go too, once a worker can take its replacement and
                // its groups can lose it again.
                if (!(await clearToDelete(node, statefulSet, `${node}: can be lost`, axon(undefined, node, node)))) return 1;
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
        if (!(await waitFor(node, `${node}: back in its groups`, axon(node, undefined, back(node)), back(node), true))) return 1;
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
