import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

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
   * Entra application id of the service principal the jobs run as (`databricks.runAsServicePrincipal`).
   * @default undefined: the jobs run as their owner, and no principal is added
   */
  runAsApplicationId?: string;
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
  public readonly runAs: databricks.ServicePrincipal | undefined;
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
    this.runAs =
      args.runAsApplicationId === undefined
        ? undefined
        : principal("run-as", args.runAsApplicationId, RUN_AS_ENTITLEMENTS);
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
