import { at, expected, type ResourceFacts, type StackRule, show, TYPES } from "../core";

interface Control {
  servicePrincipalName?: unknown;
  userName?: unknown;
  groupName?: unknown;
  permissionLevel?: unknown;
}

/** The access controls of the Permissions resources that name `job` (their jobId comes from it). */
function permissionsOf(job: ResourceFacts, resources: readonly ResourceFacts[]): ResourceFacts[] {
  return resources.filter(
    (r) =>
      r.type === TYPES.permissions &&
      at(r.props, "jobId") !== undefined &&
      job.urn !== undefined &&
      (r.dependencies ?? []).includes(job.urn),
  );
}

/**
 * Without stated permissions a prod job is visible to its owner and workspace admins alone: the backend cannot
 * request a deletion, on-call cannot open a failed run, and a team ends up handing out admin. With them, the owner is
 * the deployer (a job "cannot have a group as an owner", the provider's `databricks_permissions` documentation), and
 * the job must not run as that owner: the run-as principal is the job's own, with its own grants.
 */
export const prodJobPermissions: StackRule = {
  name: "prod-job-permissions",
  description:
    "In prod, every job has one Permissions resource naming a service principal as its owner, and runs as another principal than that owner.",
  check: (resources, { kind }) => {
    if (kind !== "prod") return [];
    return resources
      .filter((r) => r.type === TYPES.job)
      .flatMap((job) => {
        const found = permissionsOf(job, resources);
        if (found.length !== 1) {
          return [
            {
              resource: job.name,
              detail: expected(
                "its permissions",
                "one databricks.Permissions whose jobId is this job's",
                found.map((p) => p.name),
                "name the service principal that owns the jobs (config: databricks.deployerApplicationId)",
              ),
            },
          ];
        }
        const controls = (at((found[0] as ResourceFacts).props, "accessControls") ?? []) as Control[];
        const owners = controls.filter((c) => c.permissionLevel === "IS_OWNER");
        const owner = owners[0]?.servicePrincipalName;
        if (owners.length !== 1 || typeof owner !== "string") {
          return [
            {
              resource: job.name,
              detail: expected(
                `${(found[0] as ResourceFacts).name}.accessControls IS_OWNER`,
                "one service principal (the deployer)",
                show(owners),
                "name the deployer's application id as the jobs' owner (config: databricks.deployerApplicationIds)",
              ),
            },
          ];
        }
        return at(job.props, "runAs.servicePrincipalName") === owner
          ? [
              {
                resource: job.name,
                detail: expected(
                  "runAs.servicePrincipalName",
                  `a principal other than the job's owner ${owner}`,
                  owner,
                  "run each job as a service principal of its own, not the deployer",
                ),
              },
            ]
          : [];
      });
  },
};
