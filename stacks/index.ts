/**
 * Pulumi entry point (`main` in Pulumi.yaml). Every field of `DeploymentOutputs` is a stack output, so
 * another stack can read e.g. `new pulumi.StackReference("org/axonserver-multiregion/prod").getOutput("clientConfig")`.
 */
import { program } from "./program";

// `pulumi up` of a multi-node topology without a license, or of an EKS stack that still has the example
// stacks' documentation address as its only runner range, fails here, before any resource is created.
const out = program(undefined, { requireLicense: true, requireReachableRunner: true });

export const environment = out.environment;
export const nodeEndpoints = out.nodeEndpoints;
/** Secret. */
export const adminToken = out.adminToken;
export const clientConfig = out.clientConfig;
export const clientCaCertificate = out.clientCaCertificate;
export const failureSummary = out.failureSummary;
export const warnings = out.warnings;
export const rollingOrder = out.rollingOrder;
export const creationOrder = out.creationOrder;
export const updateOrder = out.updateOrder;
