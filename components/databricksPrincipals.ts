import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { JobKind, JobRunAs } from "./databricksJobs";

/**
 * Entitlements of the identity the jobs run as: the workspace's API, nothing it could create outside the job
 * cluster policy. Set explicitly because an identity added before its first login gets cluster and pool creation
 * (https://learn.microsoft.com/azure/databricks/security/auth/default-permissions).
 */
export const RUN_AS_ENTITLEMENTS = {
  workspaceAccess: true,
  allowClusterCreate: false,
  allowInstancePoolCreate: false,
  databricksSqlAccess: false,
} as const;

/**
 * Entitlements of a pull-request preview identity: it reads what the program manages through the workspace's API
 * and may create nothing. The same as the jobs' identity today, named apart because each changes for its own reason.
 */
export const PREVIEW_ENTITLEMENTS = {
  workspaceAccess: true,
  allowClusterCreate: false,
  allowInstancePoolCreate: false,
  databricksSqlAccess: false,
} as const;

/** The workspace's own groups: they exist in every workspace and are never assigned from the account. */
export const WORKSPACE_LOCAL_GROUPS: readonly string[] = ["admins", "users"];

/** Each account group assigned to the workspace, by name, as the resource that assigns it. */
export type GroupAssignments = Readonly<Record<string, pulumi.Resource>>;

/**
 * The assignments a workspace permission naming these groups must wait for. With identity federation a workspace
 * permission can name an account group only once the group is assigned to the workspace
 * (databricks/terraform-provider-databricks#1458, #1705); a group missing from `assignments` is a program error.
 */
export function assignmentsOf(
  controls: readonly databricks.types.input.PermissionsAccessControl[],
  assignments: GroupAssignments,
): pulumi.Resource[] {
  const groups = controls
    .map((c) => c.groupName)
    .filter((g): g is string => typeof g === "string" && !WORKSPACE_LOCAL_GROUPS.includes(g));
  return [...new Set(groups)].map((group) => {
    const assignment = assignments[group];
    if (assignment === undefined) {
      throw new Error(
        `account group ${JSON.stringify(group)} is named in a workspace permission but not assigned to the workspace ` +
          `(assigned: ${Object.keys(assignments).join(", ") || "none"}); pass it to DatabricksPrincipals' accountGroups`,
      );
    }
    return assignment;
  });
}

export interface DatabricksPrincipalsArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /**
   * Entra application id of the service principal each job runs as.
   * @default {}: the jobs run as their owner, and no principal is added
   */
  jobPrincipals?: Partial<Record<JobKind, string>>;
  /**
   * Who may set the jobs' run-as: the Databricks account the principals belong to, and the deployers' ACL principals
   * (`servicePrincipals/<application id>`). Each run-as principal's rule set grants them the Service Principal User
   * role, which naming a principal in `run_as` requires, and the Manager role that keeps the rule set theirs to change.
   * @default undefined: the deployers hold the role some other way (an account admin granted it)
   */
  runAsGrant?: { readonly accountId: string; readonly deployers: readonly string[] };
  /** Entra application ids of the pull-request preview identities (`databricks.previewApplicationIds`). */
  previewApplicationIds: readonly string[];
  /**
   * Account groups the stack's permissions name (analysts, developers): each is assigned to the workspace as a user,
   * which is also what lets its members sign in.
   * @default []
   */
  accountGroups?: readonly string[];
}

/**
 * The identities the program relies on inside the workspace: service principals and account groups. Azure Databricks admits on its own only
 * identities with Contributor or Owner on the workspace resource (as admins: https://kb.databricks.com/security/users-with-reader-role-in-azure-appearing-in-databricks-workspace-admin-group);
 * the jobs' run-as identity and the Reader-only preview identities have neither, so they are added here, by
 * application id; whatever names them (job `runAs`, grants, folder and policy permissions) takes
 * the id from these resources, so it waits until the principal is in the workspace. Account groups are assigned to
 * the workspace (`groups`), and every workspace permission naming one waits for its assignment (`assignmentsOf`).
 */
export class DatabricksPrincipals extends pulumi.ComponentResource {
  /** Each job's run-as principal, with the grant that lets the deployer name it. */
  public readonly runAs: Partial<Record<JobKind, JobRunAs>>;
  /** Application id of each job's run-as principal, taken from the principal in the workspace. */
  public readonly jobPrincipals: Partial<Record<JobKind, pulumi.Output<string>>>;
  /** The distinct run-as principals' application ids, as the jobs' folder and cluster policy list them. */
  public readonly runAsPrincipals: readonly pulumi.Output<string>[];
  public readonly previewers: readonly databricks.ServicePrincipal[];
  /** The account groups assigned to the workspace; see `assignmentsOf`. */
  public readonly groups: GroupAssignments;

  constructor(name: string, args: DatabricksPrincipalsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksPrincipals", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    // `force` adopts a principal someone already added by hand instead of failing on "already exists".
    const principal = (suffix: string, applicationId: string, entitlements: typeof RUN_AS_ENTITLEMENTS) =>
      new databricks.ServicePrincipal(
        `${name}-${suffix}`,
        { applicationId, active: true, force: true, ...entitlements },
        child,
      );
    const jobPrincipals = Object.entries(args.jobPrincipals ?? {}) as [JobKind, string][];
    // One principal and one rule set per application id, however many jobs run as it.
    const byId = new Map<string, JobRunAs>();
    for (const applicationId of new Set(jobPrincipals.map(([, id]) => id))) {
      const sp = principal(`run-as-${applicationId}`, applicationId, RUN_AS_ENTITLEMENTS);
      byId.set(applicationId, {
        servicePrincipal: sp.applicationId,
        after:
          args.runAsGrant === undefined
            ? []
            : [runAsGrant(`${name}-run-as-${applicationId}`, sp, args.runAsGrant, child)],
      });
    }
    this.runAs = Object.fromEntries(jobPrincipals.map(([kind, id]) => [kind, byId.get(id) as JobRunAs]));
    // The same Output per principal, so whatever lists principals (grants) sees one principal once.
    const idOf = (id: string) => (byId.get(id) as JobRunAs).servicePrincipal as pulumi.Output<string>;
    this.runAsPrincipals = [...byId.keys()].map(idOf);
    this.jobPrincipals = Object.fromEntries(jobPrincipals.map(([kind, id]) => [kind, idOf(id)]));
    this.previewers = args.previewApplicationIds.map((id) =>
      principal(`preview-${id}`, id, PREVIEW_ENTITLEMENTS),
    );
    // `USER`: the group's members may use the workspace, nothing more (ADMIN would make them workspace admins).
    const groups = [...new Set(args.accountGroups ?? [])].filter((g) => !WORKSPACE_LOCAL_GROUPS.includes(g));
    this.groups = Object.fromEntries(
      groups.map((groupName) => [
        groupName,
        new databricks.PermissionAssignment(
          `${name}-group-${groupName}`,
          { groupName, permissions: ["USER"] },
          child,
        ),
      ]),
    );
    this.registerOutputs({});
  }
}

type RunAsGrant = NonNullable<DatabricksPrincipalsArgs["runAsGrant"]>;

/** The Databricks role that lets its holder name a service principal in a job's `run_as`. */
export const SERVICE_PRINCIPAL_USER = "roles/servicePrincipal.user";
/** The role that lets its holder change who holds roles on a service principal. */
const SERVICE_PRINCIPAL_MANAGER = "roles/servicePrincipal.manager";

/**
 * The run-as principal's rule set: the deployers hold Service Principal User on it, without which the Jobs API refuses
 * `run_as.service_principal_name` ("Setting this field requires the `servicePrincipal/user` role", the Databricks
 * provider's schema for `JobRunAs`), whether or not workspace admins are restricted
 * (https://learn.microsoft.com/azure/databricks/admin/workspace-settings/restrict-workspace-admins). The resource is
 * authoritative for the rule set: it also keeps the Manager role with the deployers, which the creator of a principal
 * holds (https://learn.microsoft.com/azure/databricks/security/auth/access-control/service-principal-acl) and whoever
 * updates the rule set needs; any other grant on the principal is removed.
 */
function runAsGrant(
  name: string,
  principal: databricks.ServicePrincipal,
  grant: RunAsGrant,
  opts: pulumi.CustomResourceOptions,
): databricks.AccessControlRuleSet {
  const principals = [...grant.deployers];
  return new databricks.AccessControlRuleSet(
    name,
    {
      name: pulumi.interpolate`accounts/${grant.accountId}/servicePrincipals/${principal.applicationId}/ruleSets/default`,
      grantRules: [
        { role: SERVICE_PRINCIPAL_USER, principals },
        { role: SERVICE_PRINCIPAL_MANAGER, principals },
      ],
    },
    opts,
  );
}
