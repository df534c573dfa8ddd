/**
 * The providers' regions and their zones, as data. Pure: no Pulumi import.
 *
 * A region or zone name the cloud does not have is rejected at load time (with the nearest known
 * name) instead of failing half-way through `pulumi up`. Every entry below was checked against the
 * source named next to it on the date in REGION_SOURCES; nothing is listed from memory.
 *
 * AWS regions: botocore 1.44.8 (PyPI), file `botocore/data/endpoints.json`, the `regions` of the
 *   partitions `aws`, `aws-cn` and `aws-us-gov` (the program derives ARNs for all three; the ISO
 *   and EUSC partitions are left out). Read 2026-11-30.
 * AWS zones: the rule is AWS's own ("The code for an Availability Zone is its Region code followed
 *   by a letter identifier", https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html),
 *   so an AWS zone is always `<region><one letter>`. Which letters a region has is NOT in botocore
 *   and that page lists AZ IDs (use1-az1 ...), not names; the letters below are the zone names seen
 *   in `aws ec2 describe-availability-zones` output published for those regions (read 2026-11-30).
 *   Names are per account in the oldest regions (us-east-1a is not the same place in two accounts,
 *   and an account may see fewer names, e.g. two of us-west-1's a/b/c, or a/c/d of ap-northeast-1),
 *   so each list is the union of the names any account can see: a letter outside it is an error,
 *   a letter inside it may still be missing from a given account (the provider reports that).
 *   Lower confidence, kept because the program supports those partitions: the aws-cn and
 *   aws-us-gov letters (cn-north-1 has a, b, d; no c) come from published configurations only.
 * GCP regions and zones: https://cloud.google.com/compute/docs/regions-zones ("Available regions
 *   and zones" table, now served at docs.cloud.google.com), read 2026-11-30. Zone names are
 *   `<region>-<letter>`, the same in every project; AI zones (`<region>-ai<n><letter>`) are left out.
 *
 * Refresh: `pip download --no-deps botocore -d /tmp/bc`, unzip `botocore/data/endpoints.json` from
 * the wheel and list `partitions[].regions` of the three partitions above; for AWS letters run
 * `aws ec2 describe-availability-zones --region <r>` per new region (entries of ZoneType
 * `availability-zone`; compare the count with the AZ IDs on the AWS page); for GCP read the page's
 * table or run `gcloud compute zones list`. Then update the lists, REGION_SOURCES and the tests citing them.
 */
import type { Cloud } from "./model";

export const REGION_SOURCES = {
    aws: {
        url: "https://pypi.org/project/botocore/1.44.8/ (botocore/data/endpoints.json)",
        date: "2026-11-30",
    },
    gcp: {
        url: "https://cloud.google.com/compute/docs/regions-zones",
        date: "2026-11-30",
    },
} as const;

/** Zone letters per AWS region: zone `<region><letter>` (regions: botocore endpoints.json, see header). */
const AWS_ZONE_LETTERS: Readonly<Record<string, string>> = {
    // partition `aws`: all 34 regions of botocore 1.44.8.
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-east-2": "abc",
    "ap-northeast-1": "abcd", // per-account names: one published account sees a, c, d (apne1-az4/az1/az2), older ones b too
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ap-southeast-6": "abc",
    "ap-southeast-7": "abc",
    "ca-central-1": "abd", // cac1-az1/az2/az4: there is no ca-central-1c
    "ca-west-1": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-north-1": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "il-central-1": "abc",
    "me-central-1": "abc",
    "me-south-1": "abc",
    "mx-central-1": "abc",
    "sa-east-1": "abc",
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "abc", // per-account names: an account sees two of the three
    "us-west-2": "abcd",
    // partition `aws-cn`.
    "cn-north-1": "abd",
    "cn-northwest-1": "abc",
    // partition `aws-us-gov`.
    "us-gov-east-1": "abc",
    "us-gov-west-1": "abc",
};

/** Zone letters per GCP region: zone `<region>-<letter>` (https://cloud.google.com/compute/docs/regions-zones). */
const GCP_ZONE_LETTERS: Readonly<Record<string, string>> = {
    "africa-south1": "abc",
    "asia-east1": "abc",
    "asia-east2": "abc",
    "asia-northeast1": "abc",
    "asia-northeast2": "abc",
    "asia-northeast3": "abc",
    "asia-south1": "abc",
    "asia-south2": "abc",
    "asia-southeast1": "abc",
    "asia-southeast2": "abc",
    "asia-southeast3": "abc",
    "australia-southeast1": "abc",
    "australia-southeast2": "abc",
    "europe-central2": "abc",
    "europe-north1": "abc",
    "europe-north2": "abc",
    "europe-southwest1": "abc",
    "europe-west1": "bcd",
    "europe-west2": "abc",
    "europe-west3": "abc",
    "europe-west4": "abc",
    "europe-west6": "abc",
    "europe-west8": "abc",
    "europe-west9": "abc",
    "europe-west10": "abc",
    "europe-west12": "abc",
    "me-central1": "abc",
    "me-central2": "abc",
    "me-west1": "abc",
    "northamerica-northeast1": "abc",
    "northamerica-northeast2": "abc",
    "northamerica-south1": "abc",
    "southamerica-east1": "abc",
    "southamerica-west1": "abc",
    "us-central1": "abcf",
    "us-east1": "bcd",
    "us-east4": "abc",
    "us-east5": "abc",
    "us-south1": "abc",
    "us-west1": "abc",
    "us-west2": "abc",
    "us-west3": "abc",
    "us-west4": "abc",
};

/** Region → zone names of each cloud. */
export const REGION_ZONES: Readonly<Record<"aws" | "gcp", Readonly<Record<string, readonly string[]>>>> = {
    aws: Object.fromEntries(Object.entries(AWS_ZONE_LETTERS).map(([r, letters]) => [r, [...letters].map((l) => `${r}${l}`)])),
    gcp: Object.fromEntries(Object.entries(GCP_ZONE_LETTERS).map(([r, letters]) => [r, [...letters].map((l) => `${r}-${l}`)])),
};

/** The regions of `cloud`, sorted; empty for `none`. */
export function knownRegions(cloud: Cloud): string[] {
    return cloud === "aws" || cloud === "gcp" ? Object.keys(REGION_ZONES[cloud]).sort() : [];
}

/** The zones of `region` on `cloud`; undefined when the region is not known. */
export function knownZones(cloud: Cloud, region: string): readonly string[] | undefined {
    return cloud === "aws" || cloud === "gcp" ? REGION_ZONES[cloud][region] : undefined;
}
