/** Platform limits, machine types and the capacity check (pure: no Pulumi import). */
export * from "./machineTypes";
export * from "./limits";
export * from "./capacity";
