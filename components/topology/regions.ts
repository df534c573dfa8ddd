/**
 * The providers' regions and their zones, as data. Pure: no Pulumi import.
 *
 * A region or zone name the cloud does not have is rejected at load time (with the nearest known
 * name) instead of failing half-way through `pulumi up`. When a provider opens a region, add it
 * here with its zones and update the date.
 *
 * AWS zone names are per account (AZ IDs are not), and some accounts see fewer zones of a region
 * (e.g. two of us-west-1's three names); the lists hold every zone name the region offers.
 */
import type { Cloud } from "./model";

export const REGION_SOURCES = {
    aws: {
        url: "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html",
        date: "2026-11-30",
    },
    gcp: {
        url: "https://cloud.google.com/compute/docs/regions-zones",
        date: "2026-11-30",
    },
} as const;

/** Zone suffixes per region: AWS `<region><letter>`. */
const AWS_ZONE_LETTERS: Readonly<Record<string, string>> = {
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "abc",
    "us-west-2": "abcd",
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-east-2": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ap-southeast-6": "abc",
    "ap-southeast-7": "abc",
    "ap-northeast-1": "abcd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ca-central-1": "abd",
    "ca-west-1": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "eu-north-1": "abc",
    "il-central-1": "abc",
    "me-south-1": "abc",
    "me-central-1": "abc",
    "mx-central-1": "abc",
    "sa-east-1": "abc",
    "us-gov-east-1": "abc",
    "us-gov-west-1": "abc",
    "cn-north-1": "abd",
    "cn-northwest-1": "abc",
};

/** Zone suffixes per region: GCP `<region>-<letter>`. */
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
