/**
 * The harness's model of what the Databricks service refuses at `pulumi up` (tests/harness/databricksService.ts),
 * rule by rule, each with inputs it accepts and inputs it refuses.
 */
import { expect } from "chai";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import {
  type ClusterRequest,
  checkClusterPolicies,
  checkGroupAssignments,
  checkLocationOverlap,
  checkRunAsRole,
  type PolicyDefinition,
  policyAttributes,
  policyViolations,
  type ServiceResource,
} from "./harness/databricksService";
import { COMPUTED } from "./harness/mockProgram";

const PROVIDER = "urn:pulumi:dev::h3-ml::pulumi:providers:databricks::dbx::dbx-id";

/** A registration as the harness records it; `urn` from the name, the workspace provider unless told. */
function registered(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<ServiceResource> = {},
): ServiceResource {
  return {
    urn: `urn:pulumi:dev::h3-ml::${type}::${name}`,
    type,
    name,
    id: `${name}-id`,
    inputs,
    dependencies: [],
    provider: PROVIDER,
    ...extra,
  };
}

const job = (spec: Record<string, unknown>): ClusterRequest => ({ clusterType: "job", spec });
const violations = (definition: PolicyDefinition, spec: Record<string, unknown>) =>
  policyViolations(definition, job(spec));

describe("the Databricks service as the harness models it", () => {
  describe("cluster policies (compute policy reference)", () => {
    it("reads a cluster's inputs as policy paths: nested names joined by dots, tag and Spark keys verbatim", () => {
      expect([
        ...policyAttributes({
          policyId: "p",
          sparkVersion: "17.3.x-scala2.13",
          autoscale: { minWorkers: 1, maxWorkers: 4 },
          customTags: { managedBy: "pulumi", "cost.center": "h3" },
          sparkConf: { "spark.databricks.cluster.profile": "singleNode" },
          initScripts: [{ volumes: { destination: "/Volumes/c/s/v/init.sh" } }],
          noWait: true,
        }),
      ]).to.deep.equal([
        ["spark_version", "17.3.x-scala2.13"],
        ["autoscale.min_workers", 1],
        ["autoscale.max_workers", 4],
        ["custom_tags.managedBy", "pulumi"],
        ["custom_tags.cost.center", "h3"],
        ["spark_conf.spark.databricks.cluster.profile", "singleNode"],
        ["init_scripts.0.volumes.destination", "/Volumes/c/s/v/init.sh"],
      ]);
    });

    describe("fixed", () => {
      const definition = { spark_version: { type: "fixed", value: "17.3.x-scala2.13", hidden: true } };
      it("accepts the value, and an omitted field (the service applies a fixed value)", () => {
        expect(violations(definition, { sparkVersion: "17.3.x-scala2.13" })).to.deep.equal([]);
        expect(violations(definition, {})).to.deep.equal([]);
      });
      it("refuses another value, hidden or not, in the service's words", () => {
        expect(violations(definition, { sparkVersion: "16.4.x-scala2.12" })).to.deep.equal([
          'Validation failed for spark_version, the value must be 17.3.x-scala2.13 (is "16.4.x-scala2.12")',
        ]);
      });
      it("compares numbers and their text as one value", () => {
        expect(violations({ num_workers: { type: "fixed", value: 2 } }, { numWorkers: "2" })).to.deep.equal(
          [],
        );
      });
    });

    describe("forbidden", () => {
      const definition = { instance_pool_id: { type: "forbidden", hidden: true } };
      it("accepts the attribute left out", () => {
        expect(violations(definition, { sparkVersion: "17.3.x-scala2.13" })).to.deep.equal([]);
      });
      it("refuses it set", () => {
        expect(violations(definition, { instancePoolId: "pool-1" })).to.deep.equal([
          'Validation failed for instance_pool_id, the value must not be set (is "pool-1")',
        ]);
      });
    });

    describe("allowlist, with defaultValue and isOptional", () => {
      const limit = {
        type: "allowlist",
        values: ["USER_ISOLATION", "SINGLE_USER"],
        defaultValue: "USER_ISOLATION",
      };
      it("accepts a listed value", () => {
        expect(violations({ data_security_mode: limit }, { dataSecurityMode: "SINGLE_USER" })).to.deep.equal(
          [],
        );
      });
      it("refuses another value", () => {
        expect(violations({ data_security_mode: limit }, { dataSecurityMode: "NONE" })).to.deep.equal([
          'Validation failed for data_security_mode, the value must be one of ["USER_ISOLATION","SINGLE_USER"] (is "NONE")',
        ]);
      });
      it("requires the attribute: the default fills it only when the request applies policy defaults", () => {
        expect(violations({ data_security_mode: limit }, {})).to.deep.equal([
          "Validation failed for data_security_mode, the value must be present",
        ]);
        expect(violations({ data_security_mode: limit }, { applyPolicyDefaultValues: true })).to.deep.equal(
          [],
        );
      });
      it("refuses a default outside the list when it is applied", () => {
        const bad = { ...limit, defaultValue: "NONE" };
        expect(violations({ data_security_mode: bad }, { applyPolicyDefaultValues: true })).to.deep.equal([
          'Validation failed for data_security_mode, the value must be one of ["USER_ISOLATION","SINGLE_USER"] (is "NONE") (the policy\'s defaultValue)',
        ]);
      });
      it("leaves an isOptional attribute out", () => {
        expect(violations({ data_security_mode: { ...limit, isOptional: true } }, {})).to.deep.equal([]);
      });
    });

    describe("blocklist", () => {
      const definition = { runtime_engine: { type: "blocklist", values: ["PHOTON"], isOptional: true } };
      it("accepts a value it does not list", () => {
        expect(violations(definition, { runtimeEngine: "STANDARD" })).to.deep.equal([]);
      });
      it("refuses a listed value", () => {
        expect(violations(definition, { runtimeEngine: "PHOTON" })).to.deep.equal([
          'Validation failed for runtime_engine, the value must be none of ["PHOTON"] (is "PHOTON")',
        ]);
      });
    });

    describe("regex", () => {
      it("matches the whole value: `dev-.+` accepts dev-ada", () => {
        const definition = { "custom_tags.stack": { type: "regex", pattern: "dev-.+" } };
        expect(violations(definition, { customTags: { stack: "dev-ada" } })).to.deep.equal([]);
      });
      it("is anchored at both ends: `^dev-` refuses dev-ada, and `dev-.+` refuses a name that only contains it", () => {
        expect(
          violations(
            { "custom_tags.stack": { type: "regex", pattern: "^dev-" } },
            { customTags: { stack: "dev-ada" } },
          ),
        ).to.deep.equal([
          'Validation failed for custom_tags.stack, the value must match ^dev- (is "dev-ada")',
        ]);
        expect(
          violations(
            { "custom_tags.stack": { type: "regex", pattern: "dev-.+" } },
            { customTags: { stack: "prod-dev-x" } },
          ),
        ).to.have.length(1);
      });
    });

    describe("range", () => {
      const definition = { autotermination_minutes: { type: "range", minValue: 10, maxValue: 30 } };
      it("accepts both bounds", () => {
        expect(violations(definition, { autoterminationMinutes: 10 })).to.deep.equal([]);
        expect(violations(definition, { autoterminationMinutes: 30 })).to.deep.equal([]);
      });
      it("refuses a value below, above, or not a number", () => {
        expect(
          [5, 31, "soon"].flatMap((v) => violations(definition, { autoterminationMinutes: v })),
        ).to.deep.equal([
          "Validation failed for autotermination_minutes, the value must be at least 10 (is 5)",
          "Validation failed for autotermination_minutes, the value must be at most 30 (is 31)",
          'Validation failed for autotermination_minutes, the value must be a number (is "soon")',
        ]);
      });
      it("takes a bound alone: autoscale.max_workers up to 4", () => {
        const cap = { "autoscale.max_workers": { type: "range", maxValue: 4 } };
        expect(violations(cap, { autoscale: { minWorkers: 1, maxWorkers: 4 } })).to.deep.equal([]);
        expect(violations(cap, { autoscale: { minWorkers: 1, maxWorkers: 8 } })).to.deep.equal([
          "Validation failed for autoscale.max_workers, the value must be at most 4 (is 8)",
        ]);
      });
      it("does not ask a fixed-size cluster for autoscale, nor an autoscaled one for num_workers", () => {
        const both = {
          num_workers: { type: "range", minValue: 0, maxValue: 4 },
          "autoscale.max_workers": { type: "range", maxValue: 4 },
        };
        expect(violations(both, { numWorkers: 2 })).to.deep.equal([]);
        expect(violations(both, { autoscale: { minWorkers: 1, maxWorkers: 2 } })).to.deep.equal([]);
        expect(violations(both, {})).to.deep.equal([
          "Validation failed for num_workers, the value must be present",
          "Validation failed for autoscale.max_workers, the value must be present",
        ]);
      });
    });

    describe("unlimited, custom_tags.* and spark_conf.*", () => {
      it("requires a tag an unlimited limitation names, in the service's words for tags", () => {
        const definition = { "custom_tags.owner": { type: "unlimited" } };
        expect(violations(definition, { customTags: { owner: "ada" } })).to.deep.equal([]);
        expect(violations(definition, { customTags: { stack: "dev-ada" } })).to.deep.equal([
          "Validation failed for custom_tags, owner must be present",
        ]);
        expect(
          violations({ "custom_tags.owner": { type: "unlimited", isOptional: true } }, {}),
        ).to.deep.equal([]);
      });
      it("refuses a tag that contradicts a fixed one", () => {
        expect(
          violations(
            { "custom_tags.environment": { type: "fixed", value: "dev" } },
            { customTags: { environment: "personal" } },
          ),
        ).to.deep.equal([
          'Validation failed for custom_tags.environment, the value must be dev (is "personal")',
        ]);
      });
      it("reads a Spark setting whose key holds dots", () => {
        const definition = {
          "spark_conf.spark.databricks.cluster.profile": { type: "fixed", value: "singleNode" },
        };
        expect(
          violations(definition, { sparkConf: { "spark.databricks.cluster.profile": "singleNode" } }),
        ).to.deep.equal([]);
        expect(
          violations(definition, { sparkConf: { "spark.databricks.cluster.profile": "serverless" } }),
        ).to.have.length(1);
      });
      it("applies a * path to every item of a list", () => {
        const definition = {
          "init_scripts.*.volumes.destination": { type: "regex", pattern: "/Volumes/main/.*" },
        };
        const scripts = (...paths: string[]) => ({
          initScripts: paths.map((destination) => ({ volumes: { destination } })),
        });
        expect(violations(definition, scripts("/Volumes/main/a.sh"))).to.deep.equal([]);
        expect(violations(definition, scripts("/Volumes/main/a.sh", "/Volumes/other/b.sh"))).to.deep.equal([
          'Validation failed for init_scripts.1.volumes.destination, the value must match /Volumes/main/.* (is "/Volumes/other/b.sh")',
        ]);
      });
    });

    describe("virtual attributes", () => {
      it("fixes cluster_type from how the cluster is asked for: a job's cluster is `job`", () => {
        const definition = { cluster_type: { type: "fixed", value: "all-purpose" } };
        expect(policyViolations(definition, { clusterType: "all-purpose", spec: {} })).to.deep.equal([]);
        expect(policyViolations(definition, { clusterType: "job", spec: {} })).to.deep.equal([
          'Validation failed for cluster_type, the value must be all-purpose (is "job")',
        ]);
      });
      it("refuses to guess dbus_per_hour", () => {
        expect(() => violations({ dbus_per_hour: { type: "range", maxValue: 10 } }, {})).to.throw(
          /dbus_per_hour/,
        );
      });
      it("reports a limitation type the reference does not have", () => {
        expect(violations({ num_workers: { type: "max", value: 2 } }, { numWorkers: 1 })).to.deep.equal([
          'Policy attribute num_workers has type "max", which is no limitation type',
        ]);
      });
    });

    describe("over a program's registrations", () => {
      const definition = JSON.stringify({ "custom_tags.stack": { type: "fixed", value: "dev" } });
      const policy = registered(TYPES.clusterPolicy, "compute-job-policy", { definition });
      const jobUnder = (policyId: unknown, stack: string, dependencies: string[] = []) =>
        registered(
          TYPES.job,
          "jobs-ingest",
          {
            jobClusters: [{ jobClusterKey: "job_cluster", newCluster: { policyId, customTags: { stack } } }],
            tasks: [{ taskKey: "ingest", jobClusterKey: "job_cluster" }],
          },
          { dependencies },
        );

      it("checks each job cluster against the policy it names by id", () => {
        expect(checkClusterPolicies([policy, jobUnder("compute-job-policy-id", "dev")])).to.deep.equal([]);
        expect(checkClusterPolicies([policy, jobUnder("compute-job-policy-id", "dev-ada")])).to.deep.equal([
          {
            rule: "cluster-policy",
            resource: "jobs-ingest",
            message:
              'job cluster "job_cluster" under compute-job-policy: Validation failed for custom_tags.stack, the value must be dev (is "dev-ada")',
          },
        ]);
      });

      it("finds a policy created in the same preview through the cluster's dependency on it", () => {
        const unknownId = { ...policy, id: undefined };
        expect(
          checkClusterPolicies([unknownId, jobUnder(COMPUTED, "dev-ada", [policy.urn])]).map(
            (f) => f.message,
          ),
        ).to.have.length(1);
      });

      it("checks a cluster against another stack's policy the workspace holds", () => {
        const foreignPolicies = { "dev-policy": definition };
        expect(checkClusterPolicies([jobUnder("dev-policy", "dev")], { foreignPolicies })).to.deep.equal([]);
        expect(checkClusterPolicies([jobUnder("dev-policy", "dev-ada")], { foreignPolicies })).to.have.length(
          1,
        );
      });

      it("refuses a policy id the workspace does not hold", () => {
        expect(checkClusterPolicies([jobUnder("gone", "dev")]).map((f) => f.message)).to.deep.equal([
          'job cluster "job_cluster": policy "gone" does not exist in the workspace',
        ]);
      });

      it("checks an all-purpose cluster as one", () => {
        const interactive = registered(TYPES.clusterPolicy, "compute-interactive-policy", {
          definition: JSON.stringify({ cluster_type: { type: "fixed", value: "all-purpose" } }),
        });
        const cluster = registered(TYPES.cluster, "compute-analytics", {
          policyId: "compute-interactive-policy-id",
        });
        expect(checkClusterPolicies([interactive, cluster])).to.deep.equal([]);
        const wrongPolicy = registered(TYPES.cluster, "compute-analytics", {
          policyId: "compute-job-policy-id",
        });
        const jobOnly = {
          ...policy,
          inputs: { definition: JSON.stringify({ cluster_type: { type: "fixed", value: "job" } }) },
        };
        expect(checkClusterPolicies([jobOnly, wrongPolicy]).map((f) => f.message)).to.deep.equal([
          'cluster under compute-job-policy: Validation failed for cluster_type, the value must be job (is "all-purpose")',
        ]);
      });
    });
  });

  describe("account groups in workspace permissions (terraform-provider-databricks#1458, #1705)", () => {
    const assignment = registered(TYPES.permissionAssignment, "access-analysts", {
      groupName: "h3-analysts",
      permissions: ["USER"],
    });
    const folderPermissions = (dependencies: string[], group = "h3-analysts", provider = PROVIDER) =>
      registered(
        TYPES.permissions,
        "notebooks-folder-permissions",
        { directoryPath: "/h3-ml/dev", accessControls: [{ groupName: group, permissionLevel: "CAN_READ" }] },
        { dependencies, provider },
      );

    it("accepts a permission that depends on its group's assignment, directly or through another resource", () => {
      expect(checkGroupAssignments([assignment, folderPermissions([assignment.urn])])).to.deep.equal([]);
      const folder = registered(
        TYPES.directory,
        "notebooks-folder",
        { path: "/h3-ml/dev" },
        { dependencies: [assignment.urn] },
      );
      expect(checkGroupAssignments([assignment, folder, folderPermissions([folder.urn])])).to.deep.equal([]);
    });

    it("refuses a permission naming a group no PermissionAssignment brings into the workspace", () => {
      expect(checkGroupAssignments([folderPermissions([])])).to.deep.equal([
        {
          rule: "group-assignment",
          resource: "notebooks-folder-permissions",
          message:
            'names account group "h3-analysts", which is not assigned to the workspace (no PermissionAssignment of it through the same provider)',
        },
      ]);
    });

    it("refuses one that may be created before the assignment", () => {
      expect(checkGroupAssignments([assignment, folderPermissions([])]).map((f) => f.message)).to.deep.equal([
        'names account group "h3-analysts" without depending on its assignment (access-analysts): it may be created first',
      ]);
    });

    it("refuses an assignment to another workspace, and one that grants nothing", () => {
      const elsewhere = folderPermissions([assignment.urn], "h3-analysts", "urn:other::dbx::other-id");
      expect(checkGroupAssignments([assignment, elsewhere])).to.have.length(1);
      const empty = { ...assignment, inputs: { groupName: "h3-analysts", permissions: [] } };
      expect(checkGroupAssignments([empty, folderPermissions([assignment.urn])])).to.have.length(1);
    });

    it("needs no assignment for the workspace's own groups, users and service principals", () => {
      const own = registered(TYPES.permissions, "job-permissions", {
        jobId: "1",
        accessControls: [
          { groupName: "admins", permissionLevel: "CAN_MANAGE" },
          { groupName: "users", permissionLevel: "CAN_VIEW" },
          { userName: "ada@example.com", permissionLevel: "CAN_VIEW" },
          { servicePrincipalName: "00000000-0000-4000-8000-000000000001", permissionLevel: "IS_OWNER" },
        ],
      });
      expect(checkGroupAssignments([own])).to.deep.equal([]);
    });

    it("reads a secret ACL's principal as a group unless it is a user or an application id", () => {
      const acl = (principal: string) =>
        registered(TYPES.secretAcl, "secrets-read", { scope: "s", principal, permission: "READ" });
      expect(
        checkGroupAssignments([acl("ada@example.com"), acl("00000000-0000-4000-8000-000000000001")]),
      ).to.deep.equal([]);
      expect(checkGroupAssignments([acl("h3-analysts")])).to.have.length(1);
    });

    it("needs no assignment for a Unity Catalog grant, but refuses one to a workspace-local group", () => {
      const grants = (principal: string) =>
        registered(TYPES.grants, "unity-catalog-silver-grants", {
          schema: "c.silver",
          grants: [{ principal, privileges: ["SELECT"] }],
        });
      expect(checkGroupAssignments([grants("h3-analysts")])).to.deep.equal([]);
      expect(checkGroupAssignments([grants("users")]).map((f) => f.message)).to.deep.equal([
        'grants Unity Catalog privileges to the workspace-local group "users", which cannot hold them',
      ]);
    });
  });

  describe("jobs run as a service principal (Jobs API run_as.service_principal_name)", () => {
    const RUN_AS = "11111111-0000-4000-8000-000000000001";
    const DEPLOYER = "servicePrincipals/22222222-0000-4000-8000-000000000002";
    const ruleSet = (role: string, principals: string[]) =>
      registered(TYPES.accessControlRuleSet, "principals-run-as-user", {
        name: `accounts/33333333-0000-4000-8000-000000000003/servicePrincipals/${RUN_AS}/ruleSets/default`,
        grantRules: [{ role, principals }],
      });
    const runAsJob = (dependencies: string[]) =>
      registered(TYPES.job, "jobs-delete", { runAs: { servicePrincipalName: RUN_AS } }, { dependencies });

    it("accepts a job that waits for the rule set granting its deployer servicePrincipal.user", () => {
      const granted = ruleSet("roles/servicePrincipal.user", [DEPLOYER]);
      expect(checkRunAsRole([granted, runAsJob([granted.urn])], { deployers: [DEPLOYER] })).to.deep.equal([]);
    });

    it("refuses a job with no such grant, naming who lacks the role", () => {
      expect(checkRunAsRole([runAsJob([])], { deployers: [DEPLOYER] })).to.deep.equal([
        {
          rule: "run-as-role",
          resource: "jobs-delete",
          message: `runs as service principal "${RUN_AS}", but no AccessControlRuleSet grants ${DEPLOYER} roles/servicePrincipal.user on it`,
        },
      ]);
    });

    it("refuses the manager role alone, a grant to someone else, and a job that may be created first", () => {
      const manager = ruleSet("roles/servicePrincipal.manager", [DEPLOYER]);
      expect(checkRunAsRole([manager, runAsJob([manager.urn])], { deployers: [DEPLOYER] })).to.have.length(1);
      const other = ruleSet("roles/servicePrincipal.user", ["users/ada@example.com"]);
      expect(checkRunAsRole([other, runAsJob([other.urn])], { deployers: [DEPLOYER] })).to.have.length(1);
      const granted = ruleSet("roles/servicePrincipal.user", [DEPLOYER]);
      expect(
        checkRunAsRole([granted, runAsJob([])], { deployers: [DEPLOYER] }).map((f) => f.message),
      ).to.deep.equal([
        `runs as service principal "${RUN_AS}" without depending on principals-run-as-user, which grants ${DEPLOYER} the role it needs`,
      ]);
    });

    it("leaves a job that runs as its owner alone", () => {
      expect(checkRunAsRole([registered(TYPES.job, "jobs-ingest", {})])).to.deep.equal([]);
    });
  });

  describe("external locations (LOCATION_OVERLAP)", () => {
    const location = (name: string, url: string) => registered(TYPES.externalLocation, name, { url });
    it("accepts sibling folders of one container", () => {
      expect(
        checkLocationOverlap([
          location("capture", "abfss://capture@lake.dfs.core.windows.net/ns/"),
          location("personal", "abfss://capture@lake.dfs.core.windows.net/personal/"),
          location("lake", "abfss://lake@lake.dfs.core.windows.net/"),
        ]),
      ).to.deep.equal([]);
    });
    it("refuses a location inside another, and the same URL twice", () => {
      expect(
        checkLocationOverlap([
          location("capture", "abfss://capture@lake.dfs.core.windows.net/"),
          location("personal", "abfss://capture@lake.dfs.core.windows.net/personal/"),
        ]).map((f) => f.message),
      ).to.deep.equal([
        "url abfss://capture@lake.dfs.core.windows.net/personal/ overlaps external location capture (abfss://capture@lake.dfs.core.windows.net/)",
      ]);
      expect(
        checkLocationOverlap([
          location("a", "abfss://capture@lake.dfs.core.windows.net/ns"),
          location("b", "abfss://capture@lake.dfs.core.windows.net/ns/"),
        ]),
      ).to.have.length(1);
    });
  });
});
