/* global process, console, fetch, setTimeout, AbortSignal */
/**
 * The Axon-aware rolling gate: run by a Kubernetes Job between two consecutive nodes of the chain
 * (components/kubernetes/rollingGate.ts). Plain Node.js (18+), no dependencies.
 *
 * It passes when, in Axon Server's own view:
 *   1. the node just changed (`after`) is back in every one of its replication groups: it knows a leader
 *      and is not behind, and the group's leader reports it as a follower with status UP. Fail closed:
 *      when the leader cannot be asked (out of this Job's reach, or not answering), the node's own view
 *      is not enough; the check waits and names the leader and the override; and
 *   2. the next node (`before`) can be lost by each of its groups where it votes: without it, a
 *      majority of the group's PRIMARY nodes (and `minActiveBackups` ACTIVE_BACKUP nodes, if the group
 *      has any) is up and caught up, in the leader's view. The group's members are those the leader
 *      lists (Raft's majority is over them, not over the stack's config): a configured voter it does not
 *      list has not joined yet and is not counted; a member the stack does not have counts as a PRIMARY
 *      while it is not UP. Fail closed: a leader that lists no follower proves nothing (the stack's
 *      members count), nor one that lists followers but none of a voting role the stack has in the
 *      group; without the leader's view only the voters this Job can see and that say so themselves
 *      count, over the stack's members, and only when the leader they name is one of them; a voter out
 *      of reach (not in `endpoints`) or that does not answer is not UP. Roles are the stack's (the health
 *      endpoint names none): a member the stack has as non-voting that the leader reports not UP counts
 *      as a PRIMARY that is down, and a non-voting `before` the leader lists is checked as a PRIMARY
 *      (Axon may still have it as a voter: a role changed in the stack first). A `before` that does not exist yet (`beforeAddress` does not resolve,
 *      or the leader lists its followers and not `before`) has nothing to lose.
 * The leader of a group is a node whose own view names itself; a member's view naming it is not enough
 * (stale views name a node that lost the lead, and a follower lists no followers).
 * `endpoints` names what the Job's site can reach: its own nodes' 8024, VM nodes' 8024, and the health
 * relay (GET /actuator/health only, healthRelay.mjs) of nodes on other Kubernetes sites.
 * It polls until both hold on two consecutive polls at least `confirmSeconds` (default 5) apart, with
 * the same leader of every group checked (`confirmer`: a new leader reports every follower UP at
 * first), or `timeoutSeconds` pass; then it exits 1 naming the nodes and what Axon reported.
 * An operator can override a stuck gate by annotating its pod with any value (a roller takes only
 * `<node>: <reason>` / `<node> back: <reason>` for these checks, and `<node> worker: <reason>` for its
 * worker check, roller.mjs; see README, "Creation order and rolling changes"):
 * the annotation is read from the downward-API file and logged, so the override is in the Job's log and
 * in the Kubernetes audit log.
 *
 * Where the facts come from: `GET /actuator/health` (no token needed with access control on; details are
 * shown by default, `management.endpoint.health.show-details: always`). Its `raft` component
 * (EE `RaftHealthIndicator` / `LeaderState.health`, axon-server-se tag axonserver-ee-4.4.2 and later) has,
 * per group `<g>`: `<g>.leader` (leader name or "None"), `<g>.status` = "BEHIND" when more than 100
 * entries are not applied, and on the leader `<g>.follower.<node>.status` = UP | BEHIND (> 100 entries
 * behind) | NO_ACK_RECEIVED (no answer within the max election timeout). The 2024.2 code is closed: these
 * keys are confirmed in the public EE code only; the gate fails closed (never passes) when they are
 * missing for a node that must be checked, and says so.
 */

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

const RAFT_KEYS = { leader: ".leader", status: ".status", follower: ".follower." };

/** Reads the `raft` health details from a Spring Boot health body (2.2+ `components`, older `details`). */
export function raftDetails(body) {
    const raft = body?.components?.raft ?? body?.details?.raft;
    return raft?.details ?? null;
}

const majority = (n) => Math.floor(n / 2) + 1;

/**
 * The minimum gap between the two consecutive passing evaluations a check needs, in seconds (the Jobs'
 * `confirmSeconds`, this by default). Right after an election the new leader reports every follower UP
 * and caught up: in axon-server-se tag axonserver-ee-4.4.2, `ReplicatorPeer` starts with
 * `lastMessageReceived` = the clock at its construction and `nextIndex` = lastLogIndex + 1, and
 * `LeaderState.health` says NO_ACK_RECEIVED only once that is older than the max election timeout
 * (`RaftProperties`, 2500 ms by default) and BEHIND only past 100 entries. A down voter is then UP on
 * any poll in that window; 5 s is twice the default timeout, so a second poll that long after the first,
 * under the same leader, sees it as it is.
 */
export const CONFIRM_SECONDS = 5;

/**
 * Confirms passing evaluations. `confirm(result, atMs)` on every evaluation: a failing one resets it; a
 * passing one returns `{ confirmed: true, note }` when an unbroken run of passing evaluations started at
 * least `gapMs` before, under the same leader of every group (`result.leaders`), else
 * `{ confirmed: false, remainingMs, note }` (a leader that changed starts the run over: its window is new).
 */
export function confirmer(gapMs) {
    let first = null;
    const show = (leaders) => Object.entries(leaders).map(([g, l]) => `${g} ${l}`).join(", ") || "none";
    return (result, at) => {
        if (!result.ok) {
            first = null;
            return { confirmed: false, remainingMs: gapMs, note: "" };
        }
        const leaders = result.leaders ?? {};
        let note = "";
        if (first) {
            const groups = [...new Set([...Object.keys(first.leaders), ...Object.keys(leaders)])];
            const changed = groups.filter((g) => first.leaders[g] !== leaders[g]);
            if (changed.length) {
                note = `leader changed between two passing polls (${changed.map((g) => `${g} ${first.leaders[g] ?? "none"} -> ${leaders[g] ?? "none"}`).join(", ")}): confirmation starts over`;
                first = null;
            }
        }
        if (!first) {
            first = { at, leaders };
            return { confirmed: false, remainingMs: gapMs, note, first: true };
        }
        const elapsed = at - first.at;
        if (elapsed >= gapMs) return { confirmed: true, note: `confirmed after ${(elapsed / 1000).toFixed(3).replace(/\.?0+$/, "")}s with the same leaders: ${show(leaders)}` };
        return { confirmed: false, remainingMs: gapMs - elapsed, note };
    };
}

/**
 * One evaluation. `health(node)` resolves to the parsed `/actuator/health` body, or null when the node
 * cannot be reached from here. Returns `{ ok, problems, notes }`.
 */
/**
 * `resolves(name)`: true when the name resolves, false when it does not exist, null when DNS failed
 * otherwise (a name that must resolve then counts as not resolving; a `beforeAddress` as existing).
 */
export async function evaluate(cfg, health, resolves = async () => true) {
    const problems = [];
    const notes = [];
    /** The leader each checked group had in this evaluation (the confirmation compares them). */
    const leaders = {};
    const lead = (group, leader) => {
        leaders[group.name] = leaders[group.name] && leaders[group.name] !== leader ? `${leaders[group.name]}|${leader}` : leader;
    };
    const cache = new Map();
    const detailsOf = async (node) => {
        if (!cache.has(node)) {
            const reachable = Object.prototype.hasOwnProperty.call(cfg.endpoints, node);
            const body = reachable ? await health(node) : null;
            cache.set(node, { reachable, answered: body !== null, details: body ? raftDetails(body) : null });
        }
        return cache.get(node);
    };
    const hasKey = (details, key) => Object.prototype.hasOwnProperty.call(details ?? {}, key);
    /** The leader `details` name for `group`, or null ("None" or absent). */
    const leaderIn = (details, group) => {
        const l = details?.[group.name + RAFT_KEYS.leader];
        return l && l !== "None" ? l : null;
    };
    /**
     * The leader of `group`. A node counts as the leader only when its own view names itself: a member's
     * view can be stale (it still names a node that lost the lead, and a follower publishes no follower
     * keys, so asking it would make every follower look absent). Candidates: the node `first` names (the
     * view to prefer), then those the members in reach name, in member order. Returns
     *   `{ leader, view }`        confirmed: `view` is its own raft details;
     *   `{ leader, view: null }`  named but out of reach (not in `endpoints`, not answering, no raft details);
     *   `{ leader: null, named }` no member in reach names one (`named` empty), or every node named
     *                             denies leading (an election, or stale views): `named` says who named whom.
     */
    const leaderOf = async (group, first) => {
        const named = [];
        const candidates = first ? [first] : [];
        for (const m of group.members) {
            const l = leaderIn((await detailsOf(m.node)).details, group);
            if (!l) continue;
            named.push(`${m.node} names ${l}`);
            if (!candidates.includes(l)) candidates.push(l);
        }
        let unasked;
        for (const c of candidates) {
            const d = await detailsOf(c);
            if (!d.details) unasked ??= c;
            else if (leaderIn(d.details, group) === c) return { leader: c, view: d.details };
        }
        return unasked !== undefined ? { leader: unasked, view: null } : { leader: null, named };
    };
    /** Followers the confirmed leader lists for `group` (`<g>.follower.<node>.status`): node -> status. */
    const followersIn = (view, group) => {
        const prefix = group.name + RAFT_KEYS.follower;
        const out = new Map();
        for (const [k, v] of Object.entries(view)) {
            if (k.startsWith(prefix) && k.endsWith(RAFT_KEYS.status)) out.set(k.slice(prefix.length, -RAFT_KEYS.status.length), v);
        }
        return out;
    };
    /** `node`'s status in the confirmed leader's view: UP, BEHIND, NO_ACK_RECEIVED, LEADER, or NOT_LISTED. */
    const statusIn = (found, group, node) => (node === found.leader ? "LEADER" : (followersIn(found.view, group).get(node) ?? "NOT_LISTED"));
    /** The members of `group` this Job got raft details from, could reach but got none from, and cannot reach. */
    const reachOf = async (group) => {
        const answered = [];
        const silent = [];
        const unseen = [];
        for (const m of group.members) {
            const d = await detailsOf(m.node);
            if (d.details) answered.push(m.node);
            else if (d.reachable) silent.push(m.node);
            else unseen.push(m.node);
        }
        return { answered, silent, unseen };
    };

    const groupsOf = (node) => cfg.groups.filter((g) => g.members.some((m) => m.node === node));
    /**
     * How to go on when the Job cannot establish a fact (`condition` would establish it): the audited
     * override, in the form this Job takes. A gate takes any value; a roller (it sets `overridePrefix`)
     * passes only a value naming its step's check: `<node>` for "can be lost", `<node> back` for a node's
     * return (roller.mjs `overrideFor`).
     */
    const overrideValue = cfg.overridePrefix === undefined ? "<reason>" : `${cfg.overridePrefix}: <reason>`;
    const overrideHow = `annotate this Job's pod ${cfg.overrideAnnotation}="${overrideValue}"; README "Creation order and rolling changes"`;
    const overrideHint = (condition) => ` (if ${condition}, override, audited: ${overrideHow})`;

    // 1. `after` is back in each of its groups.
    if (cfg.after) {
        for (const g of groupsOf(cfg.after)) {
            const own = await detailsOf(cfg.after);
            if (own.reachable && !own.answered) {
                problems.push(`${cfg.after} does not answer /actuator/health`);
                continue;
            }
            if (own.answered && !own.details) {
                problems.push(`${cfg.after}: /actuator/health has no raft details (cannot verify group ${g.name})`);
                continue;
            }
            const ownLeader = leaderIn(own.details, g);
            if (own.details && !ownLeader) {
                problems.push(`${cfg.after} knows no leader of ${g.name} (${g.name}.leader=${own.details[g.name + RAFT_KEYS.leader] ?? "absent"})`);
                continue;
            }
            if (own.details?.[g.name + RAFT_KEYS.status] === "BEHIND") {
                problems.push(`${cfg.after} is BEHIND in ${g.name} (more than 100 entries not applied)`);
                continue;
            }
            const found = await leaderOf(g, ownLeader);
            if (found.leader) lead(g, found.leader);
            if (!found.leader) {
                const { answered, silent, unseen } = await reachOf(g);
                if (found.named.length)
                    problems.push(`${cfg.after} back in ${g.name} cannot be verified: no member confirms its leader (${found.named.join(", ")})${overrideHint(`the leader reports ${cfg.after} UP`)}`);
                else if (answered.length) problems.push(`no member of ${g.name} reports a leader (asked ${answered.join(", ")})${overrideHint(`the group has a leader that reports ${cfg.after} UP`)}`);
                else
                    problems.push(
                        `${cfg.after} back in ${g.name} cannot be verified: no member of ${g.name} can be asked from this site (` +
                            [silent.length ? `not answering: ${silent.join(", ")}` : "", unseen.length ? `not seen from this site: ${unseen.join(", ")}` : ""].filter(Boolean).join("; ") +
                            `)${overrideHint(`they report ${cfg.after} UP`)}`,
                    );
                continue;
            }
            if (!found.view) {
                // Fail closed: only the leader knows whether `after` is caught up (`<g>.follower.<after>.status`);
                // `after`'s own view (a leader known, not behind) says nothing about what the leader received,
                // and another member's view naming `after` as leader is no answer from `after`.
                const l = await detailsOf(found.leader);
                const why = !l.reachable ? "not reachable from this site" : l.answered ? "its /actuator/health has no raft details" : "it does not answer /actuator/health";
                problems.push(
                    `${cfg.after} back in ${g.name} cannot be verified: its leader ${found.leader} could not be asked (${why}); ` +
                        (own.details ? `${cfg.after}'s own view (leader known, not behind) is not enough` : `${cfg.after} is not reachable from this site either`) +
                        overrideHint(`it reports ${cfg.after} UP`),
                );
                continue;
            }
            // The leader, in its own words: `after` itself, or a node that lists `after` UP among its followers.
            if (found.leader === cfg.after) continue;
            if (followersIn(found.view, g).size === 0) {
                problems.push(`leader ${found.leader} lists no follower of ${g.name} (no ${g.name}${RAFT_KEYS.follower}<node>${RAFT_KEYS.status}): ${cfg.after} back cannot be verified${overrideHint(`it reports ${cfg.after} UP`)}`);
                continue;
            }
            const st = statusIn(found, g, cfg.after);
            // BEHIND / NO_ACK_RECEIVED are the leader's answer; NOT_LISTED is none (another server version's
            // keys, or a member the leader has not added yet): say how to go on.
            if (st !== "UP") problems.push(`leader ${found.leader} reports ${cfg.after} in ${g.name} as ${st}${st === "NOT_LISTED" ? overrideHint(`${cfg.after} is a member of ${g.name} and caught up`) : ""}`);
        }
    }

    // 0. Peers reach `after` by its DNS name: the record may be created after the node (cloud load balancer).
    for (const name of cfg.mustResolve ?? []) {
        if (!(await resolves(name))) problems.push(`${name} does not resolve yet`);
    }

    // 2. `before`'s groups can lose it. Fail closed: a voter this Job cannot see (another Kubernetes
    // cluster) or that does not answer counts as not UP, so a step never takes down a node whose group
    // might not survive it; the problem names the voters and the override.
    if (cfg.before) {
        const isVoter = (role) => role === "PRIMARY" || role === "ACTIVE_BACKUP";
        const roleOf = (g, node) => g.members.find((m) => m.node === node).role;
        const voting = groupsOf(cfg.before).filter((g) => isVoter(roleOf(g, cfg.before)));
        // Roles are the stack's (the health endpoint names none): a node the stack has as non-voting may
        // still be a voter in Axon (a role changed in the stack first). Where the group's leader can be
        // asked and lists it, it is checked as if it were a PRIMARY; elsewhere it is not checked (as before).
        const nonVoting = groupsOf(cfg.before).filter((g) => !isVoter(roleOf(g, cfg.before)));
        // A node that does not exist yet (its in-cluster or private DNS name does not resolve: the
        // creation chain has not reached it) is nothing its groups can lose.
        // Only a definite "no such name" counts; a DNS error (null) proves nothing.
        if (voting.length && cfg.beforeAddress && (await resolves(cfg.beforeAddress)) === false) {
            notes.push(`${cfg.before} does not exist yet (${cfg.beforeAddress} does not resolve): nothing to lose`);
            return { ok: problems.length === 0, problems, notes, leaders };
        }
        for (const g of [...voting, ...nonVoting]) {
            const asVoter = !isVoter(roleOf(g, cfg.before));
            const found = await leaderOf(g);
            if (asVoter && (!found.view || (found.leader !== cfg.before && !followersIn(found.view, g).has(cfg.before)))) {
                notes.push(
                    `${g.name}: ${cfg.before} is ${roleOf(g, cfg.before)} in the stack, not checked: ` +
                        (found.view ? `leader ${found.leader} does not list it` : "the group's leader cannot be asked from this site") +
                        ` (roles are the stack's; README "Changing a node's role")`,
                );
                continue;
            }
            if (found.leader) lead(g, found.leader);
            if (!found.leader) {
                const { answered, silent, unseen } = await reachOf(g);
                if (found.named.length)
                    // Every node named as leader denies it (an election under way, or stale views).
                    problems.push(`${g.name}: no member confirms its leader (${found.named.join(", ")}): ${cfg.before} must not go down${overrideHint("the group has a leader and they are up and caught up")}`);
                // No member it can ask knows a leader: every one it can see is down or not created, or none
                // is within reach. Either way nothing says the group survives losing `before`.
                else if (answered.length) problems.push(`${g.name} has no leader (asked ${answered.join(", ")}): ${cfg.before} must not go down`);
                else
                    problems.push(
                        `${g.name}: cannot verify it can lose ${cfg.before}: no member answers` +
                            (silent.length ? `; not answering: ${silent.join(", ")}` : "") +
                            (unseen.length ? `; not seen from this site: ${unseen.join(", ")}` : "") +
                            overrideHint("they are up and caught up"),
                    );
                continue;
            }
            const leader = found.leader;
            if (!found.view && !g.members.some((m) => m.node === leader)) {
                // The members' views name a leader the stack does not have in this group (removed from the
                // stack, not from Axon) and it cannot be asked: Axon's members are then not the stack's, and
                // counting the stack's could pass a step that loses the group's majority.
                const namedBy = [];
                for (const m of g.members) if (leaderIn((await detailsOf(m.node)).details, g) === leader) namedBy.push(m.node);
                problems.push(
                    `${g.name}: cannot verify it can lose ${cfg.before}: its leader ${leader} (named by ${namedBy.join(", ")}) is not a member of ${g.name} in the stack` +
                        ` (removed from the stack, not from Axon?) and cannot be asked from this site${overrideHint(`the group can lose ${cfg.before}`)}`,
                );
                continue;
            }
            if (!found.view) {
                // The leader's view is out of reach (another site, or it does not answer). Only the voters'
                // own views this Job can see count: one it cannot see, that does not answer, knows no leader,
                // names another leader than the one in reach of no view (views disagree) or is BEHIND in its
                // own view is not UP.
                const up = { PRIMARY: 0, ACTIVE_BACKUP: 0 };
                const total = { PRIMARY: 0, ACTIVE_BACKUP: 0 };
                const down = [];
                const unseen = [];
                for (const m of g.members) {
                    if (m.role !== "PRIMARY" && m.role !== "ACTIVE_BACKUP") continue;
                    total[m.role]++;
                    if (m.node === cfg.before) continue;
                    const d = await detailsOf(m.node);
                    const own = leaderIn(d.details, g);
                    if (!d.reachable) unseen.push(m.node);
                    else if (!d.details) down.push(`${m.node}=${d.answered ? "NO_RAFT_DETAILS" : "NO_ANSWER"}`);
                    // A node publishes `<g>.leader` for every group it is a member of (EE `RaftHealthIndicator`);
                    // with keys for other groups and none for this one it has not joined it yet. It still
                    // counts: without the leader's list, a member the stack no longer has would be invisible,
                    // so leaving the new one out could pass a step that loses the group's majority.
                    else if (!own && !hasKey(d.details, g.name + RAFT_KEYS.leader) && Object.keys(d.details).some((k) => k.endsWith(RAFT_KEYS.leader))) down.push(`${m.node}=NOT_A_MEMBER_YET`);
                    else if (!own) down.push(`${m.node}=NO_LEADER`);
                    else if (own !== leader) down.push(`${m.node}=LEADER_${own}`);
                    else if (d.details[g.name + RAFT_KEYS.status] === "BEHIND") down.push(`${m.node}=BEHIND`);
                    else up[m.role]++;
                }
                const needP = majority(total.PRIMARY);
                if (up.PRIMARY < needP || (total.ACTIVE_BACKUP > 0 && up.ACTIVE_BACKUP < cfg.minActiveBackups)) {
                    problems.push(
                        `${g.name} cannot lose ${cfg.before}: without it ${up.PRIMARY}/${total.PRIMARY} PRIMARY seen UP (needs ${needP})` +
                            (total.ACTIVE_BACKUP ? `, ${up.ACTIVE_BACKUP}/${total.ACTIVE_BACKUP} ACTIVE_BACKUP seen UP (needs ${cfg.minActiveBackups})` : "") +
                            ` in their own views (leader ${leader} not reachable from here)` +
                            (down.length ? `; not UP: ${down.join(", ")}` : "") +
                            (unseen.length ? `; not seen from this site: ${unseen.join(", ")}${overrideHint("they are up and caught up")}` : ""),
                    );
                } else {
                    notes.push(`${g.name}: leader ${leader} not reachable from this site; enough voters UP in their own views` + (unseen.length ? ` without counting ${unseen.join(", ")} (not seen from here)` : ""));
                }
                continue;
            }
            const listed = followersIn(found.view, g);
            if (leader !== cfg.before && !listed.has(cfg.before)) {
                // A leader lists every member it replicates to. Absent from a list that names others: not a
                // member yet (a new node on another site, whose name cannot tell). An empty list proves
                // nothing (another server version's keys, or a group the leader leads alone so far).
                if (listed.size > 0) {
                    notes.push(`${g.name}: ${cfg.before} is not a member yet (new node)`);
                } else {
                    problems.push(
                        `${g.name}: cannot tell whether ${cfg.before} is a member: leader ${leader} lists no follower of ${g.name} (no ${g.name}${RAFT_KEYS.follower}<node>${RAFT_KEYS.status})` +
                            overrideHint("they are up and caught up"),
                    );
                }
                continue;
            }
            // Raft's majority is over the group's members as Axon has them, not as the stack lists them. When
            // the leader lists followers (its keys are readable), it and they are the members: a configured
            // voter it does not list has not joined yet (a node just added to the stack) and is not counted;
            // a member it lists that the stack does not have (removed from the stack, not from Axon) is. Its
            // role is unknown: not UP, it counts as a PRIMARY that is down (the stricter reading); UP, it is
            // left out (as a PRIMARY it would add one to both counts, which never makes a step stricter, and
            // it may not vote at all). A leader that lists nobody proves nothing: the stack's members count.
            const actual = listed.size > 0;
            const up = { PRIMARY: 0, ACTIVE_BACKUP: 0 };
            const total = { PRIMARY: 0, ACTIVE_BACKUP: 0 };
            const down = [];
            /** Members the stack has as non-voting that the leader reports not UP: Axon may still have them as voters. */
            const demoted = [];
            if (asVoter) total.PRIMARY++;
            for (const m of g.members) {
                if (m.role !== "PRIMARY" && m.role !== "ACTIVE_BACKUP") {
                    // Counted like a member the stack does not have: not UP, as a PRIMARY that is down (the
                    // stricter reading); UP, left out (it could only help, and it may not vote).
                    if (m.node === cfg.before || !actual || !listed.has(m.node)) continue;
                    const st = statusIn(found, g, m.node);
                    if (st === "UP") continue;
                    total.PRIMARY++;
                    down.push(`${m.node}=${st}`);
                    demoted.push(m.node);
                    continue;
                }
                if (actual && m.node !== leader && !listed.has(m.node)) {
                    notes.push(`${g.name}: ${m.node} is not a member yet (new node), not counted`);
                    continue;
                }
                total[m.role]++;
                if (m.node === cfg.before) continue;
                const st = statusIn(found, g, m.node);
                if (st === "UP" || st === "LEADER") up[m.role]++;
                else down.push(`${m.node}=${st}`);
            }
            // A list that names followers but none of a voting role the stack has in the group (every
            // configured ACTIVE_BACKUP "not a member yet") is more likely another server version's keys
            // leaving the role out than a role not joined at all: without it `minActiveBackups` would pass unchecked.
            const missing = actual
                ? ["PRIMARY", "ACTIVE_BACKUP"].filter((role) => {
                      const ofRole = g.members.filter((m) => m.role === role);
                      return ofRole.length > 0 && !ofRole.some((m) => m.node === leader || listed.has(m.node));
                  })
                : [];
            if (missing.length) {
                for (const role of missing)
                    problems.push(
                        `${g.name}: cannot tell whether ${g.name} can lose ${cfg.before}: leader ${leader} lists followers of ${g.name} but none of its ${role} nodes in the stack` +
                            ` (${g.members.filter((m) => m.role === role).map((m) => m.node).join(", ")}); another server version may leave a role out` +
                            overrideHint("they are members, up and caught up"),
                    );
                continue;
            }
            const unknown = [];
            if (actual) {
                const configured = new Set(g.members.map((m) => m.node));
                for (const [node, st] of [[leader, "LEADER"], ...listed]) {
                    if (configured.has(node)) continue;
                    if (st === "UP" || st === "LEADER") {
                        notes.push(`${g.name}: ${node} is a member in leader ${leader}'s view but not in the stack (role unknown): ${st}, not counted`);
                        continue;
                    }
                    total.PRIMARY++;
                    down.push(`${node}=${st}`);
                    unknown.push(node);
                }
            }
            const needP = majority(total.PRIMARY);
            const okP = up.PRIMARY >= needP;
            // A non-voting `before` checked as a PRIMARY: only Raft's majority matters for it.
            const okB = asVoter || total.ACTIVE_BACKUP === 0 || up.ACTIVE_BACKUP >= cfg.minActiveBackups;
            if (!okP || !okB) {
                problems.push(
                    `${g.name} cannot lose ${cfg.before}: without it ${up.PRIMARY}/${total.PRIMARY} PRIMARY up (needs ${needP})` +
                        (total.ACTIVE_BACKUP && !asVoter ? `, ${up.ACTIVE_BACKUP}/${total.ACTIVE_BACKUP} ACTIVE_BACKUP up (needs ${cfg.minActiveBackups})` : "") +
                        ` in leader ${leader}'s view${down.length ? `; not UP: ${down.join(", ")}` : ""}` +
                        (asVoter ? `; ${cfg.before} is ${roleOf(g, cfg.before)} in the stack, counted as a PRIMARY (the health endpoint names no role; README "Changing a node's role")` : "") +
                        (demoted.length
                            ? `; members the stack has as non-voting, counted as a PRIMARY that is not UP (the health endpoint names no role; Axon may still have them as voters, README "Changing a node's role"): ${demoted.join(", ")}`
                            : "") +
                        (unknown.length
                            ? `; members in Axon but not in the stack (removed from the stack, not from Axon?): ${unknown.join(", ")}, role unknown, each counted as a PRIMARY` +
                              ` that is not UP (one gone for good: remove it in Axon, DELETE /v1/cluster/<node>; or, if the group can lose ${cfg.before}, override, audited: ${overrideHow})`
                            : ""),
                );
            }
        }
    }
    return { ok: problems.length === 0, problems, notes, leaders };
}

/** The override annotation's value from a downward-API annotations file (`key="value"` lines). */
export function overrideFrom(text, key) {
    for (const line of (text ?? "").split("\n")) {
        const i = line.indexOf("=");
        if (i > 0 && line.slice(0, i) === key) {
            const raw = line.slice(i + 1);
            try {
                return JSON.parse(raw);
            } catch {
                return raw;
            }
        }
    }
    return null;
}

/** `GET <url>/actuator/health`, parsed; null when the node does not answer. */
export async function httpHealth(url, timeoutMs) {
    try {
        const res = await fetch(`${url}/actuator/health`, { signal: AbortSignal.timeout(timeoutMs) });
        // Spring answers 503 with the same JSON body when the status is DOWN.
        return await res.json();
    } catch {
        return null;
    }
}

/** true: the name resolves; false: it does not exist (ENOTFOUND/ENODATA); null: DNS failed otherwise. */
async function resolveName(name) {
    const dns = await import("node:dns/promises");
    try {
        await dns.lookup(name);
        return true;
    } catch (e) {
        return e?.code === "ENOTFOUND" || e?.code === "ENODATA" ? false : null;
    }
}

export async function main(env = process.env, log = console.log) {
    const cfg = JSON.parse(env.GATE_CONFIG);
    const label = `gate ${cfg.after ?? "-"} -> ${cfg.before ?? "-"}`;
    const deadline = Date.now() + cfg.timeoutSeconds * 1000;
    const gapMs = (cfg.confirmSeconds ?? CONFIRM_SECONDS) * 1000;
    const confirm = confirmer(gapMs);
    const fs = await import("node:fs");
    let last;
    for (let attempt = 1; ; attempt++) {
        if (env.GATE_OVERRIDE_FILE && cfg.overrideAnnotation) {
            let text;
            try {
                text = fs.readFileSync(env.GATE_OVERRIDE_FILE, "utf8");
            } catch {
                text = "";
            }
            const reason = overrideFrom(text, cfg.overrideAnnotation);
            if (reason) {
                log(`${label}: OVERRIDDEN by annotation ${cfg.overrideAnnotation}="${reason}"; last check: ${last ? last.problems.join("; ") : "none"}`);
                return 0;
            }
        }
        last = await evaluate(cfg, (node) => httpHealth(cfg.endpoints[node], 5000), resolveName);
        for (const n of last.notes) log(`${label}: note: ${n}`);
        const c = confirm(last, Date.now());
        if (c.confirmed) {
            log(`${label}: passed (attempt ${attempt}, ${c.note})`);
            return 0;
        }
        if (last.ok) {
            if (c.note) log(`${label}: ${c.note}`);
            if (c.first) log(`${label}: passed once (attempt ${attempt}), not confirmed yet: passes when it passes again at least ${gapMs / 1000}s later under the same leaders`);
            // A run of passes ends within the gap (confirmed, or broken by a failing poll); only leaders that
            // keep changing could make it last, so it too ends, one gap past the deadline at most.
            if (Date.now() < deadline + gapMs) {
                await new Promise((r) => setTimeout(r, Math.min(cfg.intervalSeconds * 1000, c.remainingMs)));
                continue;
            }
            log(`${label}: FAILED after ${cfg.timeoutSeconds}s: passing polls not confirmed (the leader kept changing)`);
            return 1;
        }
        log(`${label}: waiting (attempt ${attempt}): ${last.problems.join("; ")}`);
        if (Date.now() >= deadline) {
            log(`${label}: FAILED after ${cfg.timeoutSeconds}s: ${last.problems.join("; ")}`);
            return 1;
        }
        await new Promise((r) => setTimeout(r, cfg.intervalSeconds * 1000));
    }
}

/**
 * Run as a program: compare real paths. A ConfigMap volume mounts each key as a symlink into a `..data`
 * directory, and Node resolves the main module to its real path (`import.meta.url`) while `argv[1]` keeps
 * the link: a plain comparison would never run `main` and the Job would pass without checking anything.
 */
export function isMain(moduleUrl) {
    if (!process.argv[1]) return false;
    try {
        return realpathSync(process.argv[1]) === fileURLToPath(moduleUrl);
    } catch {
        return false;
    }
}

if (isMain(import.meta.url)) {
    main().then((code) => process.exit(code));
}
