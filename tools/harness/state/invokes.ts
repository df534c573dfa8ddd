/**
 * Mock answers to data-source invokes (AWS caller identity and partition, the GCP project), by invoke token.
 */
import { MOCK_ACCOUNT_ID } from "./util";

/**
 * Answers to data-source invokes under mocks, by invoke token. Anything not listed answers `{}`
 * (a pass-through answer makes fields like `.json` silently undefined).
 */
export const INVOKES: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/mock`,
        userId: "AIDAMOCKUSERID",
        id: MOCK_ACCOUNT_ID,
    }),
    "aws:index/getPartition:getPartition": () => ({
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
        id: "aws",
    }),
    "gcp:organizations/getProject:getProject": (inputs) => ({
        number: "123456789",
        projectId: typeof inputs.projectId === "string" ? inputs.projectId : "mock-project",
        name: typeof inputs.projectId === "string" ? inputs.projectId : "mock-project",
        id: `projects/${typeof inputs.projectId === "string" ? inputs.projectId : "mock-project"}`,
    }),
};
