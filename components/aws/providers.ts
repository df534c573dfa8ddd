/**
 * One explicit AWS provider per region, so no AWS resource ever falls back to the shell's region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** AWS region names such as `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export interface AwsProvidersArgs {
    /**
     * Tags the providers add to every taggable AWS resource (`defaultTags`), e.g.
     * `{ "cost-center": "platform" }`. The components already tag their resources with `Name`,
     * `axonserver-environment` and `axonserver-site`: do not repeat those keys here.
     * @default - none
     */
    readonly defaultTags?: Readonly<Record<string, string>>;
    /**
     * Regions to create providers for right away; others are created on first `forRegion`.
     * @default - none
     */
    readonly regions?: readonly string[];
}

/**
 * One explicit `aws.Provider` per region, named `aws-<region>`, created on demand.
 *
 * Every AWS resource of the program goes through one of these: the region is always explicit (never
 * the ambient `aws:region` config or AWS_REGION), and under mocks the `provider` reference of a record
 * shows which region a resource lands in. Create one instance per program: the provider names are
 * unique per region only.
 */
export class AwsProviders extends pulumi.ComponentResource {
    private readonly byRegion = new Map<string, aws.Provider>();
    private readonly defaultTags?: Record<string, string>;

    constructor(name: string, args: AwsProvidersArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:AwsProviders", name, {}, opts);
        this.defaultTags = args.defaultTags ? { ...args.defaultTags } : undefined;
        for (const region of args.regions ?? []) this.forRegion(region);
        this.registerOutputs({});
    }

    /** The provider of `region`, created the first time it is asked for. */
    forRegion(region: string): aws.Provider {
        const existing = this.byRegion.get(region);
        if (existing) return existing;
        if (!REGION.test(region)) throw new Error(`invalid AWS region ${JSON.stringify(region)}`);
        const provider = new aws.Provider(
            `aws-${region}`,
            { region, ...(this.defaultTags ? { defaultTags: { tags: this.defaultTags } } : {}) },
            { parent: this },
        );
        this.byRegion.set(region, provider);
        return provider;
    }

    /** Regions a provider exists for, in creation order. */
    get regions(): string[] {
        return [...this.byRegion.keys()];
    }
}
