import * as databricks from "@pulumi/databricks";
import { expect } from "chai";
import {
  clusterPolicyDefinition,
  jobClusterSpec,
  personalJobPolicyDefinition,
} from "../components/clusterSpecs";
import { DatabricksCompute, type DatabricksComputeArgs } from "../components/databricksCompute";
import { AUTOTERMINATION_MINUTES } from "../policy/vocabulary/limits";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { checkGroupAssignments } from "./harness/databricksService";
import { evaluate, MOCK_DEV_POLICIES } from "./harness/mockProgram";
import { checkRegistrations } from "./harness/policyCheck";
import { ofType, resource } from "./support";

const TAGS = { project: "h3-ml", stack: "dev" };
const RULES = {
  sparkVersion: "17.3.x-scala2.13",
  nodeTypeId: "Standard_D4ds_v5",
  maxWorkers: 4,
  customTags: TAGS,
};

function build(overrides: Partial<DatabricksComputeArgs> = {}) {
  return evaluate("dev", () => {
    const provider = testProvider();
    // The analysts' group, assigned to the workspace as DatabricksPrincipals does.
    const analysts = new databricks.PermissionAssignment(
      "analysts",
      { groupName: "h3-analysts", permissions: ["USER"] },
      { provider },
    );
    return new DatabricksCompute("compute", {
      provider,
      namePrefix: "h3ml-dev",
      sparkVersion: "17.3.x-scala2.13",
      nodeTypeId: "Standard_D4ds_v5",
      maxWorkers: 4,
      customTags: TAGS,
      groups: { "h3-analysts": analysts },
      ...overrides,
    });
  });
}

describe("cluster policy definitions", () => {
  it("pins runtime, VM size, access mode and tags and caps workers for job clusters", () => {
    expect(JSON.parse(clusterPolicyDefinition("job", RULES))).to.deep.equal({
      "autoscale.max_workers": { type: "range", maxValue: 4 },
      cluster_type: { type: "fixed", value: "job" },
      "custom_tags.project": { type: "fixed", value: "h3-ml" },
      "custom_tags.stack": { type: "fixed", value: "dev" },
      data_security_mode: { type: "fixed", value: "SINGLE_USER" },
      driver_node_type_id: { type: "fixed", value: "Standard_D4ds_v5" },
      node_type_id: { type: "fixed", value: "Standard_D4ds_v5" },
      num_workers: { type: "range", minValue: 0, maxValue: 4 },
      spark_version: { type: "fixed", value: "17.3.x-scala2.13" },
    });
  });

  // MOCK_DEV_POLICIES holds dev's personal job policy as the workspace a shared personal stack's jobs are checked
  // against holds it (a test keeps it equal to what dev registers).
  it("lets shared personal stacks' job clusters name their stack and person, pinning the rest as for dev's jobs", () => {
    const definition = JSON.parse(
      personalJobPolicyDefinition({
        sparkVersion: "17.3.x-scala2.13",
        nodeTypeId: "Standard_D4ds_v5",
        maxWorkers: 1,
        fixedTags: { project: "h3-ml", managedBy: "pulumi", environment: "personal" },
      }),
    );
    expect(definition).to.deep.equal(
      JSON.parse(MOCK_DEV_POLICIES["compute-personal-job-policy-id"] as string),
    );
    // Anchored at both ends by the service: the whole stack name.
    expect(definition["custom_tags.stack"]).to.deep.equal({ type: "regex", pattern: "dev-.+" });
    expect(definition["custom_tags.owner"]).to.deep.equal({ type: "unlimited" });
  });

  it("forces autotermination within the shared idle range and a Unity Catalog access mode on interactive clusters", () => {
    const definition = JSON.parse(clusterPolicyDefinition("all-purpose", RULES));
    const { min, max } = AUTOTERMINATION_MINUTES;
    expect(definition).to.deep.include({
      cluster_type: { type: "fixed", value: "all-purpose" },
      spark_version: { type: "fixed", value: "17.3.x-scala2.13" },
      autotermination_minutes: { type: "range", minValue: min, maxValue: max, defaultValue: max },
      data_security_mode: {
        type: "allowlist",
        values: ["USER_ISOLATION", "SINGLE_USER"],
        defaultValue: "USER_ISOLATION",
      },
    });
  });

  it("draws a single-node job cluster when it has no workers, setting every field the policy fixes", () => {
    const policy = JSON.parse(clusterPolicyDefinition("job", RULES));
    const single = jobClusterSpec({
      policyId: "p",
      sparkVersion: "17.3.x-scala2.13",
      nodeTypeId: "Standard_D4ds_v5",
      workers: 0,
      customTags: TAGS,
    });
    expect(single).to.deep.equal({
      policyId: "p",
      sparkVersion: "17.3.x-scala2.13",
      nodeTypeId: "Standard_D4ds_v5",
      driverNodeTypeId: "Standard_D4ds_v5",
      numWorkers: 0,
      dataSecurityMode: "SINGLE_USER",
      customTags: { ...TAGS, ResourceClass: "SingleNode" },
      sparkConf: { "spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*, 4]" },
    });
    const fixed = Object.entries(policy).filter(([, rule]) => (rule as { type: string }).type === "fixed");
    const asSent: Record<string, unknown> = {
      cluster_type: "job",
      spark_version: single.sparkVersion,
      node_type_id: single.nodeTypeId,
      driver_node_type_id: single.driverNodeTypeId,
      data_security_mode: single.dataSecurityMode,
      ...Object.fromEntries(
        Object.entries(single.customTags as object).map(([k, v]) => [`custom_tags.${k}`, v]),
      ),
    };
    for (const [key, rule] of fixed) expect(asSent[key], key).to.equal((rule as { value: unknown }).value);
  });

  it("draws a multi-node job cluster without the single-node settings", () => {
    const multi = jobClusterSpec({
      policyId: "p",
      sparkVersion: "17.3.x-scala2.13",
      nodeTypeId: "Standard_D4ds_v5",
      workers: 2,
      customTags: TAGS,
    });
    expect(multi.numWorkers).to.equal(2);
    expect(multi.customTags).to.deep.equal(TAGS);
    expect(multi).to.not.have.property("sparkConf");
  });
});

describe("DatabricksCompute", () => {
  it("creates the job and interactive policies, named per stack", async () => {
    const ev = await build();
    expect(resource(ev, TYPES.clusterPolicy, "compute-job-policy").inputs).to.deep.include({
      name: "h3ml-dev jobs",
      definition: clusterPolicyDefinition("job", RULES),
    });
    expect(resource(ev, TYPES.clusterPolicy, "compute-interactive-policy").inputs).to.deep.include({
      name: "h3ml-dev interactive",
      definition: clusterPolicyDefinition("all-purpose", RULES),
    });
    expect(ofType(ev, TYPES.cluster)).to.deep.equal([]);
    expect(ofType(ev, TYPES.permissions)).to.deep.equal([]);
  });

  it("creates the analytics cluster under the interactive policy, autoterminating, in standard access mode", async () => {
    const ev = await build({
      analyticsCluster: {
        nodeTypeId: "Standard_E8ds_v5",
        minWorkers: 1,
        maxWorkers: 3,
        autoterminationMinutes: 20,
      },
      analystsGroup: "h3-analysts",
    });
    const policy = resource(ev, TYPES.clusterPolicy, "compute-interactive-policy");
    expect(JSON.parse(policy.inputs.definition).node_type_id).to.deep.equal({
      type: "fixed",
      value: "Standard_E8ds_v5",
    });
    expect(resource(ev, TYPES.cluster, "compute-analytics").inputs).to.deep.include({
      clusterName: "h3ml-dev-analytics",
      policyId: "compute-interactive-policy-id",
      nodeTypeId: "Standard_E8ds_v5",
      autoscale: { minWorkers: 1, maxWorkers: 3 },
      autoterminationMinutes: 20,
      dataSecurityMode: "USER_ISOLATION",
    });
    expect(ofType(ev, TYPES.permissions).map((p) => ({ name: p.name, ...p.inputs }))).to.deep.equal([
      {
        name: "compute-analytics-permissions",
        clusterId: "compute-analytics-id",
        accessControls: [{ groupName: "h3-analysts", permissionLevel: "CAN_RESTART" }],
      },
      {
        name: "compute-interactive-policy-permissions",
        clusterPolicyId: "compute-interactive-policy-id",
        accessControls: [{ groupName: "h3-analysts", permissionLevel: "CAN_USE" }],
      },
    ]);
    for (const r of databricksResources(ev)) expect(r.provider, r.name).to.equal(providerRef(ev));
    // Both permissions wait for the group's workspace assignment.
    const assignment = resource(ev, TYPES.permissionAssignment, "analysts").urn;
    for (const p of ofType(ev, TYPES.permissions)) expect(p.dependencies, p.name).to.include(assignment);
    expect(checkGroupAssignments(ev.registrations)).to.deep.equal([]);
  });

  it("refuses to name a group in a permission that is not assigned to the workspace", async () => {
    const failure = await build({ analystsGroup: "h3-analysts", groups: {} }).catch((e: unknown) => e);
    expect(String(failure)).to.include(
      'account group "h3-analysts" is named in a workspace permission but not assigned to the workspace',
    );
  });

  // The provider's schema for `ClusterAutoscale`: "maxWorkers must be strictly greater than min_workers".
  it("gives the analytics cluster a fixed size when minWorkers equals maxWorkers, and passes the pack", async () => {
    const ev = await build({
      analyticsCluster: {
        nodeTypeId: "Standard_D4ds_v5",
        minWorkers: 2,
        maxWorkers: 2,
        autoterminationMinutes: 20,
      },
    });
    const cluster = resource(ev, TYPES.cluster, "compute-analytics");
    expect(cluster.inputs.numWorkers).to.equal(2);
    expect(cluster.inputs).to.not.have.property("autoscale");
    expect(checkRegistrations("dev", ev.registrations)).to.deep.equal([]);
  });
});
