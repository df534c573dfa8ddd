/**
 * The topology report: validation issues, the node layout and the failure analysis, as a stable JSON
 * document (schema in docs/topology-report.md; other tools read it) and as text for a terminal.
 * Pure functions, no Pulumi import.
 */
import {
    analyzeFailures,
    drainAnalysis,
    drainWarnings,
    FailureSummary,
    GroupDrainVerdict,
    Scenario,
    SiteDisruptionBudget,
    siteDisruptionBudgets,
    summarizeFailures,
    tieringWarnings,
} from "./analysis";
import { licenseIssues, licenseNote } from "./license";
import { ConfigIssue, LoadResult, Role } from "./model";
import { chainGateSite, rollerCheckedAfter, unverifiableRollerNodes } from "./connectivity";
import { creationOrder, creationOrderExplained, rollerSegments, rollingOrderExplained, updateOrderExplained } from "./rolling";

export interface ReportNode {
    name: string;
    site: string;
    region: string;
    zone?: string;
    /** Role per replication group this node is a member of. */
    roles: Record<string, Role>;
    /** All tags the node advertises (defaults `region`, `zone`, `cloud`, `site` + extra tags). */
    tags: Record<string, string>;
}

/** One position of a node order, with the reason. */
export interface OrderEntry {
    node: string;
    rank: string;
}

/** An Axon-aware rolling gate between two consecutive nodes of the creation chain. */
export interface ReportGate {
    /** Axon must report this node back and caught up in every group… */
    after: string;
    /** …and this node's groups must be able to lose it, before `pulumi up` creates (or replaces) it. */
    before: string;
    /**
     * Kubernetes site whose Job runs the gate. Absent: no gate (two VM nodes no Kubernetes site has a
     * network path to both; a warning names them), `pulumi up` goes straight on.
     */
    site?: string;
}

/** A roller Job: restarts these Kubernetes nodes of one site, in this order, one at a time. */
export interface ReportRoller {
    site: string;
    /** Nodes in restart order (a segment of `updateOrder`). */
    nodes: string[];
    /** Node restarted just before this roller (the previous node of `updateOrder`). */
    after?: string;
    /**
     * With `after`: whether the roller first waits until Axon reports `after` back (`rollerCheckedAfter`):
     * true for a VM node its site sees (replaced in the creation chain; nothing else waits for it when it
     * ends the chain), false for another site's Kubernetes node (the roller before, on that site, already
     * waited for it) or a VM its site cannot see (a warning names it).
     */
    checksAfter?: boolean;
    /**
     * Nodes whose step the Job cannot verify (a voter or possible leader of a group it checks is out of its
     * view: `unverifiableRollerNodes`): the check before the node's delete, the node before it back, or the
     * node itself back after its restart; `after` when the Job's first check (that VM back) cannot be
     * verified. Each stops for the audited override on every rolling change (values `<node>: …` and
     * `<node> back: …`; README, "What a Job can see"). Schema 4: before, "can be lost" only.
     */
    needsOverride?: string[];
}

export interface TopologyReport {
    schemaVersion: 4;
    stack?: string;
    /** True when there are no errors (the topology loaded). */
    valid: boolean;
    errors: ConfigIssue[];
    warnings: ConfigIssue[];
    /** Empty when invalid. */
    nodes: ReportNode[];
    /** Empty when invalid. */
    scenarios: Scenario[];
    /** Empty when invalid. */
    summary: FailureSummary;
    /**
     * The `dependsOn` chain `pulumi up` walks: `first`, PRIMARY, ACTIVE_BACKUP, the rest. It creates nodes
     * (and replaces VM nodes) in this order. Empty when invalid.
     */
    creationOrder: OrderEntry[];
    /**
     * The order in which an update restarts nodes, one at a time: VM nodes (replaced in the creation
     * chain), then the Kubernetes nodes least critical first (the roller Jobs). Empty when invalid.
     */
    updateOrder: OrderEntry[];
    /** Least critical first over all nodes: the order to stop nodes by hand. */
    leastCriticalOrder: OrderEntry[];
    /** The gates between consecutive nodes of `creationOrder`. */
    gates: ReportGate[];
    /** The roller Jobs, in the order they run (`updateOrder`'s Kubernetes nodes, per site segment). */
    rollers: ReportRoller[];
    /** The PodDisruptionBudgets of the Kubernetes sites. */
    disruptionBudgets: SiteDisruptionBudget[];
    /** Per group: voters one simultaneous drain in every site can remove. */
    drains: GroupDrainVerdict[];
}

/** Builds the report; runs the failure analysis only when the topology is valid. */
export function buildReport(result: LoadResult, stack?: string): TopologyReport {
    const topology = result.errors.length === 0 ? result.topology : undefined;
    const issues = (xs: readonly ConfigIssue[]) => xs.map((i) => ({ path: i.path, message: i.message }));
    const report: TopologyReport = {
        schemaVersion: 4,
        ...(stack !== undefined ? { stack } : {}),
        valid: topology !== undefined,
        // A loader returning neither a topology nor errors would be a bug; never report it as valid.
        errors: topology || result.errors.length ? issues(result.errors) : [{ path: "", message: "the topology did not load" }],
        warnings: issues(result.warnings),
        nodes: [],
        scenarios: [],
        summary: {},
        creationOrder: [],
        updateOrder: [],
        leastCriticalOrder: [],
        gates: [],
        rollers: [],
        disruptionBudgets: [],
        drains: [],
    };
    if (!topology) return report;
    // `render`/`topology` warn where `pulumi up` stops (stacks/program.ts turns the same issues into errors).
    const licensing = licenseIssues(topology, topology.axonServer.licensed).map((i) => ({ ...i, message: `pulumi up will fail: ${i.message}` }));
    report.warnings = [...report.warnings, ...licensing, ...tieringWarnings(topology), ...drainWarnings(topology)];
    report.nodes = topology.nodes.map((n) => ({
        name: n.name,
        site: n.site,
        region: n.region,
        ...(n.zone !== undefined ? { zone: n.zone } : {}),
        roles: { ...n.roles },
        tags: { ...n.tags },
    }));
    report.scenarios = analyzeFailures(topology);
    report.summary = summarizeFailures(report.scenarios);
    report.creationOrder = creationOrderExplained(topology);
    report.updateOrder = updateOrderExplained(topology);
    report.leastCriticalOrder = rollingOrderExplained(topology);
    const chain = creationOrder(topology);
    report.gates = chain.slice(1).map((before, i) => {
        const site = chainGateSite(topology, chain[i], before);
        return { after: chain[i].name, before: before.name, ...(site !== undefined ? { site } : {}) };
    });
    report.rollers = rollerSegments(topology).map((r) => {
        const blind = unverifiableRollerNodes(topology, r);
        return {
            site: r.site,
            nodes: [...r.nodes],
            ...(r.after !== undefined ? { after: r.after, checksAfter: rollerCheckedAfter(topology, r) !== undefined } : {}),
            ...(blind.length ? { needsOverride: blind } : {}),
        };
    });
    report.disruptionBudgets = siteDisruptionBudgets(topology);
    report.drains = drainAnalysis(topology, report.disruptionBudgets);
    return report;
}

/** Target width of the text report. Tables wider than this are split into column blocks. */
export const TEXT_WIDTH = 100;

const ROLE_CODES: Record<Role, string> = {
    PRIMARY: "P",
    SECONDARY: "S",
    ACTIVE_BACKUP: "AB",
    PASSIVE_BACKUP: "PB",
    MESSAGING_ONLY: "MO",
};

/** Default tags every node carries; the node table shows only the others (site/zone have columns). */
const DEFAULT_TAG_KEYS = new Set(["region", "zone", "cloud", "site"]);

/** Text form of one matrix cell, e.g. `E+W+S`, `S ~2`, `-`. */
export function verdictCell(v: Scenario["groups"][number]): string {
    const flags = [v.electable && "E", v.writable && "W", v.dataSafe && "S", v.tiered && v.oldEventsReadable && "R"].filter((x): x is string => !!x);
    const base = flags.length ? flags.join("+") : "-";
    return v.bestEffortCopies.length ? `${base} ~${v.bestEffortCopies.length}` : base;
}

function scenarioLabel(s: Scenario): string {
    return s.kind === "none" ? "no failure" : `${s.kind} ${s.name}`;
}

export function renderReportText(report: TopologyReport): string {
    const out: string[] = [];
    const title = `Topology report${report.stack ? ` for stack ${report.stack}` : ""}`;
    const status = report.valid
        ? `valid, ${report.warnings.length} warning(s)`
        : `INVALID: ${report.errors.length} error(s), ${report.warnings.length} warning(s)`;
    out.push(`${title}: ${status}`, "");

    const issueBlock = (heading: string, xs: ConfigIssue[]) => {
        if (!xs.length) return;
        out.push(`${heading} (${xs.length})`);
        for (const i of xs) out.push(...wrap(`${i.path || "(root)"}: ${i.message}`, "  ", "    "));
        out.push("");
    };
    issueBlock("Errors", report.errors);
    issueBlock("Warnings", report.warnings);
    if (!report.valid) {
        out.push("No failure analysis: fix the errors first.");
        return out.join("\n") + "\n";
    }

    const groups = report.scenarios[0]?.groups.map((g) => g.group) ?? [];

    out.push(`Nodes (${report.nodes.length})`);
    const nodeRows = report.nodes.map((n) => [
        n.name,
        n.site,
        n.zone ?? "-",
        ...groups.map((g) => (n.roles[g] ? ROLE_CODES[n.roles[g]] : "-")),
        Object.entries(n.tags)
            .filter(([k]) => !DEFAULT_TAG_KEYS.has(k))
            .map(([k, v]) => `${k}=${v}`)
            .join(",") || "-",
    ]);
    out.push(...renderTable(["NODE", "SITE", "ZONE", ...groups, "TAGS"], nodeRows, 1));
    out.push(
        "  Roles: P PRIMARY, S SECONDARY, AB ACTIVE_BACKUP, PB PASSIVE_BACKUP, MO MESSAGING_ONLY, - none.",
        "  Tags: extra tags only (every node also has region, zone, cloud and site tags).",
        ...(report.nodes.length > 1 ? [`  License: ${licenseNote({ nodes: report.nodes })}.`] : []),
        "",
    );

    out.push("Failure matrix");
    const matrixRows = report.scenarios.map((s) => [scenarioLabel(s), String(s.failed.length), ...s.groups.map(verdictCell)]);
    out.push(...renderTable(["SCENARIO", "LOST", ...groups], matrixRows, 1));
    out.push(
        "  E electable (a leader can be elected)   W writable (events can be committed)",
        "  S data-safe (no committed event lost)   - none of these",
        "  R  events past the retention time readable (tiered groups only: a SECONDARY is up)",
        "  ~n  n best-effort copies survive (PASSIVE_BACKUP/SECONDARY; may lag behind commits)",
        "  In a tiered group (SECONDARY members) S also needs a surviving SECONDARY or backup node: PRIMARY",
        "  nodes drop events past the retention time.",
        "  LOST = nodes failed in the scenario. E and W follow the same rule in Axon Server: a majority",
        "  of the group's PRIMARY nodes, plus minActiveBackups ACTIVE_BACKUP nodes if it has any.",
        "",
    );

    const degraded = report.scenarios.flatMap((s) =>
        s.groups.filter((g) => !g.writable || !g.dataSafe || !g.oldEventsReadable).map((g) => ({ s, g })),
    );
    if (degraded.length) {
        out.push("Degraded");
        for (const { s, g } of degraded) {
            const reasons = g.notes.filter((n) => !n.startsWith("writable = electable") && !n.startsWith("not counted"));
            const copies = g.bestEffortCopies.length ? `; best-effort copies: ${g.bestEffortCopies.join(", ")}` : "";
            const impact = g.writable ? "writes continue" : "writes stop";
            const data = g.dataSafe ? "no commit lost" : !g.oldEventsSafe ? "events past retention lost" : "commits may be lost";
            out.push(...wrap(`${scenarioLabel(s)} / ${g.group}: ${impact}, ${data}. ${reasons.join("; ")}${copies}`, "  ", "    "));
        }
        out.push("");
    }

    out.push("Creation order (the dependsOn chain pulumi up walks; a gate between every two nodes)");
    report.creationOrder.forEach((e, i) => out.push(...wrap(`${i + 1}. ${e.node}: ${e.rank}`, "  ", "     ")));
    out.push(
        "  A gate between two nodes waits until Axon reports the first back and caught up in all its groups,",
        "  and until the next node's groups can lose it (README, \"Creation order and rolling changes\").",
    );
    const ungated = report.gates.filter((g) => g.site === undefined).map((g) => `${g.after} -> ${g.before}`);
    if (ungated.length) {
        out.push(...wrap(`No gate between ${ungated.join(", ")}: no Kubernetes site has a network path to both VM nodes (see the warnings).`, "  ", "    "));
    }
    out.push("", "Update order (restarts on a change, one node at a time, least critical first)");
    report.updateOrder.forEach((e, i) => out.push(...wrap(`${i + 1}. ${e.node}: ${e.rank}`, "  ", "     ")));
    for (const r of report.rollers) {
        out.push(...wrap(`roller on ${r.site}: ${r.nodes.join(" -> ")}${r.after && r.checksAfter ? ` (after ${r.after} is back)` : ""}`, "  ", "    "));
        if (r.needsOverride) {
            out.push(
                ...wrap(
                    `needs the audited override at ${r.needsOverride.join(", ")} ("<node>: …" before the delete, "<node> back: …" after the restart, as the Job asks): voters or leaders of their groups are out of the Job's view (no health relay path to them)`,
                    "    ",
                    "      ",
                ),
            );
        }
    }
    out.push(
        "  Each roller step: a Ready worker can take the new pod and the node's groups can lose it; its pod",
        "  is deleted; the new pod's Axon container is ready; Axon reports it back in every group. Pods",
        "  already at their StatefulSet's revision are skipped.",
    );
    out.push(...wrap(`Least critical first over all nodes (stop order by hand): ${report.leastCriticalOrder.map((e) => e.node).join(", ")}`, "  ", "    "), "");

    if (report.disruptionBudgets.length) {
        out.push("Maintenance: PodDisruptionBudgets (per Kubernetes site) and simultaneous drains");
        for (const b of report.disruptionBudgets) {
            out.push(...wrap(`${b.site}/${b.class}: maxUnavailable ${b.maxUnavailable} over ${b.nodes.join(", ")}${b.reason ? ` (${b.reason})` : ""}`, "  ", "    "));
        }
        const rows = report.drains.map((d) => [
            d.group,
            `${d.primariesDrainable}/${d.primariesTolerated}`,
            d.activeBackupsDrainable || d.activeBackupsTolerated ? `${d.activeBackupsDrainable}/${d.activeBackupsTolerated}` : "-",
            d.safe ? "yes" : "NO",
        ]);
        out.push(...renderTable(["GROUP", "PRIMARY DRAINED/TOLERATED", "AB DRAINED/TOLERATED", "SAFE"], rows, 1));
        out.push("  One drain in every site at the same time; PodDisruptionBudgets do not see other clusters.", "");
    }

    out.push("Summary (writable after losing any one ...; data safe after losing any one region)");
    // `n/a` where the topology has no scenario of that kind (e.g. no zones); the JSON says `true`.
    const has = (kind: Scenario["kind"]) => report.scenarios.some((s) => s.kind === kind);
    const yn = (b: boolean, kind: Scenario["kind"]) => (!has(kind) ? "n/a" : b ? "yes" : "NO");
    const summaryRows = Object.entries(report.summary).map(([g, s]) => [
        g,
        yn(s.survivesAnyNode, "node"),
        yn(s.survivesAnyZone, "zone"),
        yn(s.survivesAnySite, "site"),
        yn(s.survivesAnyRegion, "region"),
        yn(s.dataSafeOnAnyRegionLoss, "region"),
    ]);
    out.push(...renderTable(["GROUP", "NODE", "ZONE", "SITE", "REGION", "DATA SAFE (REGION)"], summaryRows, 1));
    return out.join("\n") + "\n";
}

/**
 * Aligned columns, two spaces apart, indented by two. When the table is wider than `TEXT_WIDTH`, the
 * columns after the first `fixed` ones are split into blocks, each repeating the fixed columns.
 */
export function renderTable(headers: string[], rows: string[][], fixed: number, width = TEXT_WIDTH): string[] {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const indent = "  ";
    const gap = 2;
    const fixedWidth = indent.length + widths.slice(0, fixed).reduce((a, w) => a + w + gap, 0);
    const blocks: number[][] = [];
    let current: number[] = [];
    let used = fixedWidth;
    for (let i = fixed; i < headers.length; i++) {
        if (current.length && used + widths[i] > width) {
            blocks.push(current);
            current = [];
            used = fixedWidth;
        }
        current.push(i);
        used += widths[i] + gap;
    }
    if (current.length || blocks.length === 0) blocks.push(current);

    const lines: string[] = [];
    blocks.forEach((block, b) => {
        if (b > 0) lines.push("");
        const cols = [...Array(fixed).keys(), ...block];
        const line = (cells: string[]) =>
            (indent + cols.map((c, k) => (k === cols.length - 1 ? cells[c] ?? "" : (cells[c] ?? "").padEnd(widths[c]))).join(" ".repeat(gap))).trimEnd();
        lines.push(line(headers));
        for (const r of rows) lines.push(line(r));
    });
    return lines;
}

/** Word-wraps `text` to `TEXT_WIDTH`, first line prefixed by `first`, the others by `rest`. */
function wrap(text: string, first: string, rest: string): string[] {
    const lines: string[] = [];
    let line = first;
    for (const word of text.split(" ")) {
        const prefixOnly = line === first || line === rest;
        if (!prefixOnly && line.length + 1 + word.length > TEXT_WIDTH) {
            lines.push(line);
            line = rest + word;
        } else {
            line = prefixOnly ? line + word : `${line} ${word}`;
        }
    }
    lines.push(line);
    return lines;
}
