/**
 * The loader every door calls (`pulumi up`, `npm run topology`, `render`, `restore-plan`): the topology
 * loader (components/topology/load.ts) with the rules that build on the model and so cannot be
 * imported by it: the platform limits and capacity check (components/topology/platform) and the backup
 * plan (which node runs an agent decides whether the agents can reach the bucket; the plan's warnings
 * join the loader's). This is the lowest folder that sees all of them. Pure, no Pulumi import.
 */
import { LoadOptions, loadStack as loadTopologyStack, loadTopology as loadTopologyRaw } from "../topology/load";
import type { LoadResult, StackConfigInput } from "../topology/model";
import { platformIssues } from "../topology/platform/limits";
import { planBackups } from "./plan";

const CHECKS = { backupPlan: planBackups, platformChecks: platformIssues } as const;

/** A stack's config as the Pulumi CLI hands it over, validated completely. */
export function loadStack(input: StackConfigInput): LoadResult {
    return loadTopologyStack(input, CHECKS);
}

/** The same for an already decoded config (tests, tools holding a parsed map). */
export function loadTopology(raw: Record<string, unknown>, options: Omit<LoadOptions, "backupPlan" | "platformChecks"> = {}): LoadResult {
    return loadTopologyRaw(raw, { ...options, ...CHECKS });
}
