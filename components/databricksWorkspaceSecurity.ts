import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

/** The restriction the program asks for: admins may set a job's run-as only to a principal they may use. */
const RESTRICTED_ADMINS = "RESTRICT_TOKENS_AND_JOB_RUN_AS";

export interface DatabricksWorkspaceSecurityArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /** Prefix of the allow list's label (e.g. `h3ml-prod`). */
  namePrefix: string;
  /**
   * Public IPv4 addresses and CIDR ranges allowed to reach the workspace's UI and REST API; with them the workspace
   * turns IP access lists on and refuses every other address. It must hold the deployer's egress (the service
   * refuses a list that would block its caller) and the egress of the workspace's own clusters (secure cluster
   * connectivity reaches the control plane through it).
   * @default undefined: IP access lists stay off
   */
  allowedIpRanges?: readonly pulumi.Input<string>[];
  /**
   * Keep workspace admins from setting a job's owner to anyone but themselves, its run-as to a service principal they
   * hold the Service Principal User role on, and from minting tokens for other principals.
   */
  restrictWorkspaceAdmins: boolean;
}

/**
 * The workspace's own guards: its front-end IP access list and the RestrictWorkspaceAdmins setting.
 *
 * IP access lists (https://learn.microsoft.com/azure/databricks/security/network/front-end/ip-access-list-workspace):
 * with the feature on and an allow list, every address outside the list is refused, the UI and the REST API alike;
 * with secure cluster connectivity "you must add every public IP the compute plane uses to access the control plane"
 * or clusters cannot start; creating a list that would block the caller's current IP fails with `INVALID_STATE`, and
 * all lists together hold at most 1000 addresses or ranges (`QUOTA_EXCEEDED`) (IP Access Lists API, create).
 *
 * RestrictWorkspaceAdmins: "Only account admins can update the setting" (the provider's documentation of
 * `databricks_restrict_workspace_admins_setting`), which the deployer is not. So the program adopts the setting an
 * account admin applied (resource option `import: "global"`, the setting's id): Pulumi imports a resource only when its
 * state matches the inputs, so an `up` fails until the setting reads `RESTRICT_TOKENS_AND_JOB_RUN_AS`, and a later
 * refresh shows anyone turning it back. Deleting it would need an account admin too: the stack leaves it behind.
 */
export class DatabricksWorkspaceSecurity extends pulumi.ComponentResource {
  constructor(
    name: string,
    args: DatabricksWorkspaceSecurityArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("h3:databricks:DatabricksWorkspaceSecurity", name, {}, opts);
    const child = { parent: this, provider: args.provider };

    if (args.allowedIpRanges !== undefined) {
      const allowed = new databricks.IpAccessList(
        `${name}-allowed`,
        { label: `${args.namePrefix} allowed`, listType: "ALLOW", ipAddresses: [...args.allowedIpRanges] },
        child,
      );
      // After the list: turned on with no list yet, the feature would briefly admit every address.
      new databricks.WorkspaceConf(
        `${name}-ip-access-lists`,
        { customConfig: { enableIpAccessLists: "true" } },
        { ...child, dependsOn: [allowed] },
      );
    }

    if (args.restrictWorkspaceAdmins) {
      new databricks.RestrictWorkspaceAdminsSetting(
        `${name}-restrict-admins`,
        { restrictWorkspaceAdmins: { status: RESTRICTED_ADMINS } },
        { ...child, import: "global", retainOnDelete: true },
      );
    }
    this.registerOutputs({});
  }
}
