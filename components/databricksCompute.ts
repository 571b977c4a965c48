import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { clusterPolicyDefinition, personalJobPolicyDefinition } from "./clusterSpecs";
import { assignmentsOf, type GroupAssignments } from "./databricksPrincipals";

/** An interactive cluster for analysts. */
export interface AnalyticsClusterArgs {
  /** Azure VM size of driver and workers. */
  nodeTypeId: string;
  minWorkers: number;
  /** At most the policy's `maxWorkers`. */
  maxWorkers: number;
  /** Idle minutes before the cluster stops, within `AUTOTERMINATION_MINUTES` (the interactive policy's range). */
  autoterminationMinutes: number;
}

export interface DatabricksComputeArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /** Prefix of policy and cluster names, which are unique per workspace (e.g. `h3ml-dev`). */
  namePrefix: string;
  /** Databricks runtime every cluster runs, e.g. `17.3.x-scala2.13`. */
  sparkVersion: string;
  /** Azure VM size of job clusters. */
  nodeTypeId: string;
  /** Most workers any cluster may have. */
  maxWorkers: number;
  /** Tags every cluster carries. */
  customTags: Readonly<Record<string, string>>;
  /**
   * The interactive analytics cluster.
   * @default undefined: no cluster
   */
  analyticsCluster?: AnalyticsClusterArgs;
  /**
   * Account group allowed to use the interactive policy and restart the analytics cluster.
   * @default undefined: workspace admins only
   */
  analystsGroup?: string;
  /**
   * Service principals (application ids) the jobs run as; they may use the job policy their job clusters are drawn
   * from.
   * @default []: the jobs run as their owner
   */
  jobPrincipals?: readonly pulumi.Input<string>[];
  /**
   * A third policy, for the jobs of the shared personal stacks that run in this workspace (dev's): `fixedTags` are
   * the tags every personal job's cluster carries with these values.
   * @default undefined: no personal job policy
   */
  personalJobs?: { fixedTags: Readonly<Record<string, string>> };
  /**
   * Account group allowed to use the personal job policy: the people who build shared personal stacks.
   * @default undefined: workspace admins only
   */
  developersGroup?: string;
  /**
   * The workspace assignments of the account groups above; each permission naming a group waits for its group's.
   * @default {}: no group may be named
   */
  groups?: GroupAssignments;
}

/**
 * Cluster policies that pin the runtime, the VM size and the tags and cap the workers: one for job
 * clusters and one for interactive clusters (which also forces autotermination); plus, optionally,
 * an analytics cluster under the interactive policy in a Unity Catalog access mode.
 */
export class DatabricksCompute extends pulumi.ComponentResource {
  public readonly jobPolicyId: pulumi.Output<string>;
  /** Set with `personalJobs`. */
  public readonly personalJobPolicyId: pulumi.Output<string> | undefined;
  public readonly interactivePolicyId: pulumi.Output<string>;
  public readonly analyticsClusterId: pulumi.Output<string> | undefined;

  constructor(name: string, args: DatabricksComputeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksCompute", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const permissions = (
      suffix: string,
      target: Omit<databricks.PermissionsArgs, "accessControls">,
      accessControls: databricks.types.input.PermissionsAccessControl[],
    ) =>
      new databricks.Permissions(
        `${name}-${suffix}`,
        { ...target, accessControls },
        { ...child, dependsOn: assignmentsOf(accessControls, args.groups ?? {}) },
      );
    const rules = {
      sparkVersion: args.sparkVersion,
      nodeTypeId: args.nodeTypeId,
      maxWorkers: args.maxWorkers,
      customTags: args.customTags,
    };

    const jobPolicy = new databricks.ClusterPolicy(
      `${name}-job-policy`,
      {
        name: `${args.namePrefix} jobs`,
        description: "Job clusters of the H3 ML jobs: pinned runtime, VM size and tags; capped workers.",
        definition: clusterPolicyDefinition("job", rules),
      },
      child,
    );
    const interactivePolicy = new databricks.ClusterPolicy(
      `${name}-interactive-policy`,
      {
        name: `${args.namePrefix} interactive`,
        description: "Interactive clusters: as the job policy, plus forced autotermination.",
        definition: clusterPolicyDefinition("all-purpose", {
          ...rules,
          nodeTypeId: args.analyticsCluster?.nodeTypeId ?? args.nodeTypeId,
        }),
      },
      child,
    );

    // Who else may draw job clusters from the job policy: authoritative, so one resource lists them all.
    const jobPrincipals = args.jobPrincipals ?? [];
    if (jobPrincipals.length > 0) {
      permissions(
        "job-policy-permissions",
        { clusterPolicyId: jobPolicy.id },
        jobPrincipals.map((servicePrincipalName) => ({ servicePrincipalName, permissionLevel: "CAN_USE" })),
      );
    }

    if (args.personalJobs !== undefined) {
      const personal = new databricks.ClusterPolicy(
        `${name}-personal-job-policy`,
        {
          name: `${args.namePrefix} personal jobs`,
          description:
            "Job clusters of shared personal stacks' jobs: this stack's runtime, VM size and worker cap; tagged with their stack and person.",
          definition: personalJobPolicyDefinition({
            sparkVersion: args.sparkVersion,
            nodeTypeId: args.nodeTypeId,
            maxWorkers: args.maxWorkers,
            fixedTags: args.personalJobs.fixedTags,
          }),
        },
        child,
      );
      if (args.developersGroup !== undefined) {
        permissions("personal-job-policy-permissions", { clusterPolicyId: personal.id }, [
          { groupName: args.developersGroup, permissionLevel: "CAN_USE" },
        ]);
      }
      this.personalJobPolicyId = personal.id;
    }

    if (args.analystsGroup !== undefined) {
      permissions("interactive-policy-permissions", { clusterPolicyId: interactivePolicy.id }, [
        { groupName: args.analystsGroup, permissionLevel: "CAN_USE" },
      ]);
    }

    if (args.analyticsCluster !== undefined) {
      const spec = args.analyticsCluster;
      const cluster = new databricks.Cluster(
        `${name}-analytics`,
        {
          clusterName: `${args.namePrefix}-analytics`,
          policyId: interactivePolicy.id,
          sparkVersion: args.sparkVersion,
          nodeTypeId: spec.nodeTypeId,
          driverNodeTypeId: spec.nodeTypeId,
          // The provider requires autoscale's maxWorkers to be strictly greater than minWorkers (its schema for
          // `ClusterAutoscale`; policy rule cluster-autoscale-range): a size that cannot vary is fixed.
          ...(spec.minWorkers === spec.maxWorkers
            ? { numWorkers: spec.minWorkers }
            : { autoscale: { minWorkers: spec.minWorkers, maxWorkers: spec.maxWorkers } }),
          autoterminationMinutes: spec.autoterminationMinutes,
          // Standard (shared) access mode: several analysts on one cluster, each under their own UC grants.
          dataSecurityMode: "USER_ISOLATION",
          customTags: { ...args.customTags },
          // A deploy must not wait for VMs to boot; the cluster stops itself when idle.
          noWait: true,
        },
        child,
      );
      if (args.analystsGroup !== undefined) {
        permissions("analytics-permissions", { clusterId: cluster.id }, [
          { groupName: args.analystsGroup, permissionLevel: "CAN_RESTART" },
        ]);
      }
      this.analyticsClusterId = cluster.id;
    }

    this.jobPolicyId = jobPolicy.id;
    this.interactivePolicyId = interactivePolicy.id;
    this.registerOutputs({ jobPolicyId: this.jobPolicyId, interactivePolicyId: this.interactivePolicyId });
  }
}
