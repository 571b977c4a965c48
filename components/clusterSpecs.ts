/**
 * Cluster policy definitions and the job cluster spec drawn from them, as pure functions.
 *
 * A job cluster sets every field its policy fixes, with the same value: fields left for the policy to
 * fill come back from the API and show as a diff on every preview.
 */
import type * as databricks from "@pulumi/databricks";
import type * as pulumi from "@pulumi/pulumi";
import { AUTOTERMINATION_MINUTES } from "../policy/vocabulary/limits";

export type ClusterKind = "job" | "all-purpose";

export interface ClusterPolicyRules {
  /** Databricks runtime, e.g. `17.3.x-scala2.13`. */
  sparkVersion: string;
  /** Azure VM size of driver and workers. */
  nodeTypeId: string;
  /** Most workers a cluster under the policy may have. */
  maxWorkers: number;
  /** Tags every cluster under the policy carries (they reach the VMs and the bill). */
  customTags: Readonly<Record<string, string>>;
}

/** Keys sorted, so the text is stable. */
function policyText(definition: Record<string, unknown>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(definition).sort(([a], [b]) => a.localeCompare(b))),
  );
}

/** The policy definition JSON for clusters of `kind`. */
export function clusterPolicyDefinition(kind: ClusterKind, rules: ClusterPolicyRules): string {
  return policyText({ ...sizeAndRuntime(kind, rules), ...fixedTags(rules.customTags) });
}

const fixedTags = (tags: Readonly<Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(tags).map(([key, value]) => [`custom_tags.${key}`, { type: "fixed", value }]),
  );

/** What every policy of the stack pins: the kind of cluster, runtime, VM size, worker cap, Unity Catalog access mode. */
function sizeAndRuntime(
  kind: ClusterKind,
  rules: Pick<ClusterPolicyRules, "sparkVersion" | "nodeTypeId" | "maxWorkers">,
): Record<string, unknown> {
  const definition: Record<string, unknown> = {
    cluster_type: { type: "fixed", value: kind },
    spark_version: { type: "fixed", value: rules.sparkVersion },
    node_type_id: { type: "fixed", value: rules.nodeTypeId },
    driver_node_type_id: { type: "fixed", value: rules.nodeTypeId },
    num_workers: { type: "range", minValue: 0, maxValue: rules.maxWorkers },
    "autoscale.max_workers": { type: "range", maxValue: rules.maxWorkers },
    // Both are Unity Catalog access modes; anything else (no isolation, legacy passthrough) bypasses UC.
    data_security_mode:
      kind === "job"
        ? { type: "fixed", value: "SINGLE_USER" }
        : { type: "allowlist", values: ["USER_ISOLATION", "SINGLE_USER"], defaultValue: "USER_ISOLATION" },
  };
  if (kind === "all-purpose") {
    // Job clusters stop with their run; only interactive clusters can idle.
    definition.autotermination_minutes = {
      type: "range",
      minValue: AUTOTERMINATION_MINUTES.min,
      maxValue: AUTOTERMINATION_MINUTES.max,
      defaultValue: AUTOTERMINATION_MINUTES.max,
    };
  }
  return definition;
}

/** A shared personal stack's stack name, as the `stack` tag of its jobs' clusters; matched whole (regex policies are anchored at both ends). */
const PERSONAL_STACK_TAG_PATTERN = "dev-.+";

export interface PersonalJobPolicyRules {
  sparkVersion: string;
  nodeTypeId: string;
  maxWorkers: number;
  /** Tags every personal job's cluster carries with exactly these values (project, managedBy, environment). */
  fixedTags: Readonly<Record<string, string>>;
}

/**
 * The job policy of shared personal stacks' jobs in the dev workspace: dev's runtime, VM size and worker cap, the
 * tags every personal stack shares fixed, `stack` a personal stack's name (`dev-<name>`) and `owner` any value but
 * present, so every personal cluster on the bill names its stack and its person.
 */
export function personalJobPolicyDefinition(rules: PersonalJobPolicyRules): string {
  return policyText({
    ...sizeAndRuntime("job", rules),
    ...fixedTags(rules.fixedTags),
    "custom_tags.stack": { type: "regex", pattern: PERSONAL_STACK_TAG_PATTERN },
    "custom_tags.owner": { type: "unlimited" },
  });
}

export interface JobClusterSpecArgs {
  policyId: pulumi.Input<string>;
  sparkVersion: pulumi.Input<string>;
  nodeTypeId: pulumi.Input<string>;
  /** 0 runs Spark on the driver alone (single node). */
  workers: number;
  customTags: Readonly<Record<string, string>>;
}

const SINGLE_NODE_CONF = {
  "spark.databricks.cluster.profile": "singleNode",
  "spark.master": "local[*, 4]",
};

/** The `new_cluster` block of a job cluster under the job policy. */
export function jobClusterSpec(args: JobClusterSpecArgs): databricks.types.input.JobJobClusterNewCluster {
  const singleNode = args.workers === 0;
  return {
    policyId: args.policyId,
    sparkVersion: args.sparkVersion,
    nodeTypeId: args.nodeTypeId,
    driverNodeTypeId: args.nodeTypeId,
    numWorkers: args.workers,
    dataSecurityMode: "SINGLE_USER",
    customTags: singleNode ? { ...args.customTags, ResourceClass: "SingleNode" } : { ...args.customTags },
    ...(singleNode ? { sparkConf: SINGLE_NODE_CONF } : {}),
  };
}
