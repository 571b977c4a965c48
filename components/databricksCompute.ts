import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { clusterPolicyDefinition } from "./clusterSpecs";

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
   * Service principal (application id) the jobs run as; it may use the job policy its job clusters are drawn from.
   * @default undefined: the jobs run as their owner
   */
  jobsPrincipal?: pulumi.Input<string>;
  /**
   * Account group allowed to use the job policy, for the jobs of shared personal stacks.
   * @default undefined: workspace admins and the jobs' owner only
   */
  developersGroup?: string;
}

/**
 * Cluster policies that pin the runtime, the VM size and the tags and cap the workers: one for job
 * clusters and one for interactive clusters (which also forces autotermination); plus, optionally,
 * an analytics cluster under the interactive policy in a Unity Catalog access mode.
 */
export class DatabricksCompute extends pulumi.ComponentResource {
  public readonly jobPolicyId: pulumi.Output<string>;
  public readonly interactivePolicyId: pulumi.Output<string>;
  public readonly analyticsClusterId: pulumi.Output<string> | undefined;

  constructor(name: string, args: DatabricksComputeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksCompute", name, {}, opts);
    const child = { parent: this, provider: args.provider };
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
    const jobPolicyUsers: databricks.types.input.PermissionsAccessControl[] = [
      ...(args.jobsPrincipal === undefined
        ? []
        : [{ servicePrincipalName: args.jobsPrincipal, permissionLevel: "CAN_USE" }]),
      ...(args.developersGroup === undefined
        ? []
        : [{ groupName: args.developersGroup, permissionLevel: "CAN_USE" }]),
    ];
    if (jobPolicyUsers.length > 0) {
      new databricks.Permissions(
        `${name}-job-policy-permissions`,
        { clusterPolicyId: jobPolicy.id, accessControls: jobPolicyUsers },
        child,
      );
    }

    if (args.analystsGroup !== undefined) {
      new databricks.Permissions(
        `${name}-interactive-policy-permissions`,
        {
          clusterPolicyId: interactivePolicy.id,
          accessControls: [{ groupName: args.analystsGroup, permissionLevel: "CAN_USE" }],
        },
        child,
      );
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
          // The provider requires autoscale's maxWorkers to be strictly greater than minWorkers (@pulumi/databricks
          // types/input.d.ts, ClusterAutoscale; policy rule cluster-autoscale-range): a size that cannot vary is fixed.
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
        new databricks.Permissions(
          `${name}-analytics-permissions`,
          {
            clusterId: cluster.id,
            accessControls: [{ groupName: args.analystsGroup, permissionLevel: "CAN_RESTART" }],
          },
          child,
        );
      }
      this.analyticsClusterId = cluster.id;
    }

    this.jobPolicyId = jobPolicy.id;
    this.interactivePolicyId = interactivePolicy.id;
    this.registerOutputs({ jobPolicyId: this.jobPolicyId, interactivePolicyId: this.interactivePolicyId });
  }
}
