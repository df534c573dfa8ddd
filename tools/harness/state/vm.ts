/**
 * Mock state for the resource types of the VM sites (`components/vm/`): EC2 instances, EBS volumes,
 * instance profiles, Secrets Manager and Secret Manager secrets, Compute Engine disks. Only computed
 * outputs are listed; the harness merges them over the echoed inputs. Deterministic per resource name.
 *
 * (`gcp:compute/instance:Instance` with `networkInterfaces[].networkIp` is already in `gcp.ts`.)
 */
import { MOCK_ACCOUNT_ID, seedHex, seedIp, StateFn, str } from "./util";


const COMPUTE = "https://www.googleapis.com/compute/v1";

/** Region for ARNs: the explicit `region` input, else a fixed one (the provider's region is not visible here). */
function region(inputs: Record<string, unknown>): string {
    return str(inputs.region) ?? "us-east-1";
}

/** A deterministic private address `10.x.y.z` (x, y, z in 1..254). */
export function mockPrivateIp(seed: string): string {
    return seedIp(`ip/${seed}`, 10);
}

export const STATE: Record<string, StateFn> = {
    "aws:ec2/instance:Instance": (inputs, name) => {
        const id = `i-${seedHex(name, 17)}`;
        const ip = str(inputs.privateIp) ?? mockPrivateIp(name);
        return {
            arn: `arn:aws:ec2:${region(inputs)}:${MOCK_ACCOUNT_ID}:instance/${id}`,
            privateIp: ip,
            privateDns: `ip-${ip.replace(/\./g, "-")}.ec2.internal`,
            primaryNetworkInterfaceId: `eni-${seedHex(name, 17)}`,
            instanceState: "running",
        };
    },
    "aws:ebs/volume:Volume": (inputs, name) => ({
        arn: `arn:aws:ec2:${region(inputs)}:${MOCK_ACCOUNT_ID}:volume/vol-${seedHex(name, 17)}`,
    }),
    "aws:ec2/volumeAttachment:VolumeAttachment": () => ({}),
    "aws:iam/instanceProfile:InstanceProfile": (inputs, name) => {
        const n = str(inputs.name) ?? name;
        return { name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:instance-profile/${n}`, uniqueId: `AIPA${seedHex(name, 16).toUpperCase()}` };
    },
    "aws:iam/rolePolicy:RolePolicy": (inputs, name) => ({ name: str(inputs.name) ?? name }),
    "aws:secretsmanager/secret:Secret": (inputs, name) => {
        const n = str(inputs.name) ?? name;
        // Secrets Manager appends a dash and 6 random characters to the name in the ARN.
        return { name: n, arn: `arn:aws:secretsmanager:${region(inputs)}:${MOCK_ACCOUNT_ID}:secret:${n}-${seedHex(name, 6)}` };
    },
    "aws:secretsmanager/secretVersion:SecretVersion": (inputs, name) => ({
        arn: str(inputs.secretId) ?? "",
        versionId: `${seedHex(name, 8)}-${seedHex(`${name}/2`, 4)}-${seedHex(`${name}/3`, 4)}-${seedHex(`${name}/4`, 4)}-${seedHex(`${name}/5`, 12)}`,
    }),
    "gcp:compute/disk:Disk": (inputs, name) => {
        const n = str(inputs.name) ?? name;
        const project = str(inputs.project) ?? "mock-project";
        return { name: n, selfLink: `${COMPUTE}/projects/${project}/zones/${str(inputs.zone) ?? "mock-zone"}/disks/${n}` };
    },
    "gcp:secretmanager/secret:Secret": (inputs, name) => {
        const id = str(inputs.secretId) ?? name;
        return { name: `projects/${str(inputs.project) ?? "mock-project"}/secrets/${id}`, secretId: id };
    },
    "gcp:secretmanager/secretVersion:SecretVersion": (inputs) => ({
        name: `${str(inputs.secret) ?? "projects/mock-project/secrets/mock"}/versions/1`,
        version: "1",
    }),
};
