import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { SCHEMAS } from "./unityCatalog";

export interface PersonalSchemasArgs {
  /** The Databricks provider of the dev stack's workspace. */
  provider: databricks.Provider;
  /** The dev stack's catalog. */
  catalogName: pulumi.Input<string>;
  /** Starts every schema's name (`dev_ada_`), so nothing this stack writes touches dev's tables. */
  schemaPrefix: string;
}

/**
 * A personal stack's own data inside the dev catalog: `<prefix>bronze`, `<prefix>silver`, `<prefix>ops` and the
 * checkpoint volume in `<prefix>ops`. The person creating them owns them (and so may write there); `pulumi
 * destroy` drops them with their tables (`forceDestroy`). Managed tables live in the catalog's managed storage,
 * so no new storage or credential is needed.
 */
export class PersonalSchemas extends pulumi.ComponentResource {
  public readonly schemaPrefix: pulumi.Output<string>;
  /** Path of the volume the jobs keep their streaming checkpoints in. */
  public readonly checkpointsPath: pulumi.Output<string>;

  constructor(name: string, args: PersonalSchemasArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:PersonalSchemas", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const schemas = Object.fromEntries(
      Object.entries(SCHEMAS).map(([schema, comment]) => [
        schema,
        new databricks.Schema(
          `${name}-${schema}`,
          {
            catalogName: args.catalogName,
            name: `${args.schemaPrefix}${schema}`,
            comment,
            forceDestroy: true,
          },
          child,
        ),
      ]),
    ) as Record<keyof typeof SCHEMAS, databricks.Schema>;
    const checkpoints = new databricks.Volume(
      `${name}-checkpoints`,
      {
        catalogName: args.catalogName,
        schemaName: schemas.ops.name,
        name: "checkpoints",
        volumeType: "MANAGED",
        comment: "Streaming checkpoints of this stack's ingest and normalize jobs.",
      },
      child,
    );
    this.schemaPrefix = pulumi.output(args.schemaPrefix);
    this.checkpointsPath = pulumi.interpolate`/Volumes/${checkpoints.catalogName}/${checkpoints.schemaName}/${checkpoints.name}`;
    this.registerOutputs({ schemaPrefix: this.schemaPrefix, checkpointsPath: this.checkpointsPath });
  }
}
