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
}

/**
 * The service principals the program relies on inside the workspace. Azure Databricks admits on its own only
 * identities with Contributor or Owner on the workspace resource (as admins: https://kb.databricks.com/security/users-with-reader-role-in-azure-appearing-in-databricks-workspace-admin-group);
 * the jobs' run-as identity and the Reader-only preview identities have neither, so they are added here, by
 * application id; whatever names them (job `runAs`, the secret ACL, grants, folder and policy permissions) takes
 * the id from these resources, so it waits until the principal is in the workspace.
 */
export class DatabricksPrincipals extends pulumi.ComponentResource {
  public readonly runAs: databricks.ServicePrincipal | undefined;
  public readonly previewers: readonly databricks.ServicePrincipal[];

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
    this.registerOutputs({});
  }
}
