import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface DatabricksSecretsArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /**
   * Secret scope the delete notebook reads (its `secret_scope` parameter, `DEFAULT_SECRET_SCOPE` in `notebooks/h3_ml/databricks.py`).
   * @default "h3-ml"
   */
  scopeName?: string;
  /**
   * Key of the audit salt in the scope (`AUDIT_SALT_KEY` in `notebooks/h3_ml/databricks.py`).
   * @default "audit-salt"
   */
  auditSaltKey?: string;
  /**
   * Service principal (application id) the jobs run as; it gets read access to the scope.
   * @default undefined: only the deployer and workspace admins can read it
   */
  runAsServicePrincipal?: pulumi.Input<string>;
}

/**
 * The secrets the jobs read: the salt the delete job hashes user ids with before writing
 * `ops.deletion_audit`, so the audit trail proves a deletion without keeping the id it deleted.
 * Generated once and kept in state (as a secret); rotating it would make old audit rows unmatchable.
 */
export class DatabricksSecrets extends pulumi.ComponentResource {
  public readonly scopeName: pulumi.Output<string>;

  constructor(name: string, args: DatabricksSecretsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksSecrets", name, {}, opts);
    const child = { parent: this, provider: args.provider };

    const scope = new databricks.SecretScope(`${name}-scope`, { name: args.scopeName ?? "h3-ml" }, child);
    const salt = new random.RandomPassword(
      `${name}-audit-salt`,
      { length: 48, special: false },
      { parent: this },
    );
    new databricks.Secret(
      `${name}-audit-salt`,
      { scope: scope.name, key: args.auditSaltKey ?? "audit-salt", stringValue: salt.result },
      child,
    );
    if (args.runAsServicePrincipal !== undefined) {
      new databricks.SecretAcl(
        `${name}-run-as-read`,
        { scope: scope.name, principal: args.runAsServicePrincipal, permission: "READ" },
        child,
      );
    }

    this.scopeName = scope.name;
    this.registerOutputs({ scopeName: this.scopeName });
  }
}
