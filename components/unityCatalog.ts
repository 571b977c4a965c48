import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { captureFolderUrl } from "./capture";
import type { JobKind } from "./databricksJobs";

/** The medallion schemas every environment's catalog holds. */
export const SCHEMAS = {
  bronze: "Raw events as captured, one row per Event Hubs message (append-only).",
  silver: "Typed, deduplicated tables per event type, plus quarantine.",
  ops: "Operational tables: deletion requests and the deletion audit trail.",
} as const;

export interface UnityCatalogArgs {
  /** The workspace's Databricks provider; every object here is created through it. */
  provider: databricks.Provider;
  /** Resource id of the Access Connector whose identity backs the storage credential. */
  accessConnectorId: pulumi.Input<string>;
  /** Resources that grant the connector its storage roles (validated when UC objects are created). */
  storageAccess: pulumi.Input<pulumi.Resource>[];
  /** Subscription of the storage account (file events create their queue there). */
  subscriptionId: pulumi.Input<string>;
  /** Resource group of the storage account. */
  storageResourceGroupName: pulumi.Input<string>;
  /** Data lake storage account name. */
  storageAccountName: pulumi.Input<string>;
  lakeContainerName: pulumi.Input<string>;
  captureContainerName: pulumi.Input<string>;
  /**
   * The folder of the capture container this stack's hubs write to (their namespace's name, the first segment of
   * `CAPTURE_ARCHIVE_NAME_FORMAT`): what the jobs read. The rest of the container is other stacks' (a shared
   * personal stack's hub captures into `<hub>/<namespace>/`).
   */
  captureFolder: pulumi.Input<string>;
  /** Catalog for this environment; also the prefix of the credential and location names. */
  catalogName: string;
  /**
   * Metastore to assign the workspace to. Requires a metastore admin.
   * @default undefined: the metastore Azure assigned to the workspace's region
   */
  metastoreId?: pulumi.Input<string>;
  /** Numeric workspace id; used only with `metastoreId`. */
  workspaceId: pulumi.Input<string>;
  /** Managed file events on the capture location, which file-arrival triggers scale with. */
  fileEvents: boolean;
  /**
   * Account group that reads silver.
   * @default undefined: no analyst grants
   */
  analystsGroup?: string;
  /**
   * The service principal (application id) each job runs as; each gets what its job reads and writes
   * (`JOB_GRANTS`), one principal serving several jobs the union.
   * @default {}: no job grants (jobs run as their owner)
   */
  jobPrincipals?: Partial<Record<JobKind, pulumi.Input<string>>>;
  /**
   * Account group that owns the catalog, its schemas and the checkpoint volume, instead of the deployer that creates
   * them. Owners hold every privilege on what they own, the ops schema's audit and salt included, and manage its
   * grants: the deployer keeps managing them only as a member of this group.
   * @default undefined: the deployer owns them
   */
  ownerGroup?: string;
  /** Preview identities (application ids): they see the catalog's metadata, never its data. */
  previewPrincipals: readonly pulumi.Input<string>[];
  /**
   * Account group whose members build shared personal stacks here: each creates its own schemas in the
   * catalog and reads its own hub's Capture files through the capture location.
   * @default undefined: no developer grants
   */
  developersGroup?: string;
  /** Let `pulumi destroy` remove a catalog that still holds tables. Personal stacks only. */
  forceDestroy: boolean;
  /**
   * Protect the catalog and the checkpoint volume from destroy and replacement. The schemas need no flag: without
   * `forceDestroy`, Unity Catalog refuses to drop a schema that still holds tables.
   */
  protect: boolean;
}

/**
 * Unity Catalog wiring for one environment: a storage credential from the Access Connector, external
 * locations for the capture (read-only) and lake containers, the environment's catalog rooted in the
 * lake with schemas `bronze`, `silver` and `ops`, and grants. Every securable is bound to this
 * workspace only. No metastore is created: the region's metastore is used.
 */
export class UnityCatalog extends pulumi.ComponentResource {
  public readonly catalogName: pulumi.Output<string>;
  /** `abfss://` URL of the capture container (trailing slash): the capture location's. */
  public readonly captureUrl: pulumi.Output<string>;
  /** `abfss://` URL of this stack's folder in it (trailing slash): what the ingest job reads and its trigger watches. */
  public readonly captureRoot: pulumi.Output<string>;
  /** `abfss://` URL of the lake container (trailing slash). */
  public readonly lakeUrl: pulumi.Output<string>;
  /** Path of the managed volume the jobs keep their streaming checkpoints in. */
  public readonly checkpointsPath: pulumi.Output<string>;
  public readonly captureLocation: databricks.ExternalLocation;
  public readonly schemas: Record<keyof typeof SCHEMAS, databricks.Schema>;

  constructor(name: string, args: UnityCatalogArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:UnityCatalog", name, {}, opts);
    const provider = args.provider;
    const child = { parent: this, provider };
    const account = args.storageAccountName;
    const url = (container: pulumi.Input<string>, folder: pulumi.Input<string> = "") =>
      pulumi
        .all([account, container, folder])
        .apply(([accountName, containerName, folderName]) =>
          captureFolderUrl(accountName, containerName, folderName),
        );
    this.captureUrl = url(args.captureContainerName);
    this.captureRoot = url(args.captureContainerName, args.captureFolder);
    this.lakeUrl = url(args.lakeContainerName);
    const prefix = args.catalogName;

    const assignment =
      args.metastoreId === undefined
        ? []
        : [
            new databricks.MetastoreAssignment(
              `${name}-metastore-assignment`,
              { metastoreId: args.metastoreId, workspaceId: args.workspaceId },
              child,
            ),
          ];
    const afterAccess = { ...child, dependsOn: [...args.storageAccess, ...assignment] };
    // Created after the role assignments, but Azure applies a new assignment only after minutes: the same config
    // fails its create-time check, then passes on a rerun (databricks/terraform-provider-databricks#3069), and a
    // read-only location over an empty container has failed it outright (databricks/cli#1063). The provider's
    // `skipValidation` ("suppress validation errors if any & force save", its schema) saves the
    // objects regardless; access is verified after the first up (docs/deployment.md, "What to expect").
    const skipValidation = true;

    const credential = new databricks.StorageCredential(
      `${name}-credential`,
      {
        name: `${prefix}_storage`,
        azureManagedIdentity: { accessConnectorId: args.accessConnectorId },
        isolationMode: "ISOLATION_MODE_ISOLATED",
        skipValidation,
        comment: "Access Connector identity for the data lake account.",
      },
      afterAccess,
    );
    const fileEvents = args.fileEvents;
    this.captureLocation = new databricks.ExternalLocation(
      `${name}-capture-location`,
      {
        name: `${prefix}_capture`,
        url: this.captureUrl,
        credentialName: credential.name,
        // The connector only reads capture; a writable location would fail its create-time check.
        readOnly: true,
        isolationMode: "ISOLATION_MODE_ISOLATED",
        skipValidation,
        enableFileEvents: fileEvents,
        ...(fileEvents
          ? {
              fileEventQueue: {
                managedAqs: {
                  resourceGroup: args.storageResourceGroupName,
                  subscriptionId: args.subscriptionId,
                },
              },
            }
          : {}),
        comment: "Event Hubs Capture output (Avro), read by the ingest job.",
      },
      afterAccess,
    );
    const lakeLocation = new databricks.ExternalLocation(
      `${name}-lake-location`,
      {
        name: `${prefix}_lake`,
        url: this.lakeUrl,
        credentialName: credential.name,
        isolationMode: "ISOLATION_MODE_ISOLATED",
        skipValidation,
        // Nothing watches the lake for new files. Left unset, Unity Catalog's default turns managed file events on
        // and creates an Event Grid subscription and queue in the storage account
        // (databricks/terraform-provider-databricks#5355). A provider before 1.117.0 drops the `false` from the
        // create request (#5745, fixed by #5762), so the default still applies on create there: docs/deployment.md.
        enableFileEvents: false,
        comment: "Managed storage of the catalog: its tables and the checkpoint volume.",
      },
      afterAccess,
    );

    const catalog = new databricks.Catalog(
      `${name}-catalog`,
      {
        name: args.catalogName,
        storageRoot: pulumi.interpolate`${this.lakeUrl}catalogs/${args.catalogName}`,
        isolationMode: "ISOLATED",
        forceDestroy: args.forceDestroy,
        ...(args.ownerGroup === undefined ? {} : { owner: args.ownerGroup }),
        comment: "H3 ML tables for this environment.",
      },
      { ...child, dependsOn: [lakeLocation], protect: args.protect },
    );
    this.schemas = Object.fromEntries(
      Object.entries(SCHEMAS).map(([schema, comment]) => [
        schema,
        new databricks.Schema(
          `${name}-${schema}`,
          {
            catalogName: catalog.name,
            name: schema,
            comment,
            forceDestroy: args.forceDestroy,
            ...(args.ownerGroup === undefined ? {} : { owner: args.ownerGroup }),
          },
          child,
        ),
      ]),
    ) as Record<keyof typeof SCHEMAS, databricks.Schema>;

    // Checkpoints live in a managed volume, governed like the tables, rather than at a raw storage path.
    const checkpoints = new databricks.Volume(
      `${name}-checkpoints`,
      {
        catalogName: catalog.name,
        schemaName: this.schemas.ops.name,
        name: "checkpoints",
        volumeType: "MANAGED",
        comment: "Streaming checkpoints of the ingest and normalize jobs.",
        ...(args.ownerGroup === undefined ? {} : { owner: args.ownerGroup }),
      },
      // Dropping a managed volume deletes its files: without its checkpoint, ingest would start over.
      { ...child, protect: args.protect },
    );
    this.checkpointsPath = pulumi.interpolate`/Volumes/${checkpoints.catalogName}/${checkpoints.schemaName}/${checkpoints.name}`;

    const targets: Record<Securable, Omit<databricks.GrantsArgs, "grants">> = {
      catalog: { catalog: catalog.name },
      bronze: { schema: this.schemas.bronze.id },
      silver: { schema: this.schemas.silver.id },
      ops: { schema: this.schemas.ops.id },
      checkpoints: {
        volume: pulumi.interpolate`${checkpoints.catalogName}.${checkpoints.schemaName}.${checkpoints.name}`,
      },
      capture: { externalLocation: this.captureLocation.name },
    };
    for (const { suffix, securable, grants } of ucGrants(args)) {
      new databricks.Grants(`${name}-${suffix}-grants`, { ...targets[securable], grants }, child);
    }

    this.catalogName = catalog.name;
    this.registerOutputs({ catalogName: this.catalogName });
  }
}

/** What the program grants on: the catalog, its schemas, the checkpoint volume and the capture location. */
export type Securable = "catalog" | "bronze" | "silver" | "ops" | "checkpoints" | "capture";

/**
 * What each job's principal may do, securable by securable: ingest writes bronze from the capture files, normalize
 * reads bronze and writes silver, delete removes rows from both and keeps the deletion requests, the audit and its
 * salt in ops, which no other job may read. USE_SCHEMA on ops lets ingest and normalize reach the checkpoint volume
 * in it, and no table there (https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/manage-privileges/privileges).
 */
export const JOB_GRANTS: Readonly<Record<JobKind, Partial<Record<Securable, readonly string[]>>>> = {
  ingest: {
    catalog: ["USE_CATALOG"],
    bronze: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
    ops: ["USE_SCHEMA"],
    checkpoints: ["READ_VOLUME", "WRITE_VOLUME"],
    capture: ["READ_FILES"],
  },
  normalize: {
    catalog: ["USE_CATALOG"],
    bronze: ["USE_SCHEMA", "SELECT"],
    silver: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
    ops: ["USE_SCHEMA"],
    checkpoints: ["READ_VOLUME", "WRITE_VOLUME"],
  },
  delete: {
    catalog: ["USE_CATALOG"],
    bronze: ["USE_SCHEMA", "SELECT", "MODIFY"],
    silver: ["USE_SCHEMA", "SELECT", "MODIFY"],
    ops: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
    checkpoints: ["READ_VOLUME", "WRITE_VOLUME"],
  },
};

type Grant = { principal: pulumi.Input<string>; privileges: string[] };

/**
 * Grants per securable, from config. `databricks.Grants` is authoritative, so a securable with no
 * configured principal gets no resource rather than an empty list that would revoke manual grants; a principal
 * named twice on one securable (one service principal for several jobs) is listed once with every privilege.
 */
export function ucGrants(
  args: Pick<UnityCatalogArgs, "analystsGroup" | "jobPrincipals" | "previewPrincipals" | "developersGroup">,
) {
  const bySecurable: Record<Securable, Grant[]> = {
    catalog: [],
    bronze: [],
    silver: [],
    ops: [],
    checkpoints: [],
    capture: [],
  };
  const grant = (securable: Securable, principal: pulumi.Input<string>, privileges: readonly string[]) => {
    const same = bySecurable[securable].find((g) => g.principal === principal);
    if (same === undefined) bySecurable[securable].push({ principal, privileges: [...privileges] });
    else same.privileges.push(...privileges.filter((p) => !same.privileges.includes(p)));
  };
  if (args.analystsGroup !== undefined) {
    grant("catalog", args.analystsGroup, ["USE_CATALOG"]);
    grant("silver", args.analystsGroup, ["USE_SCHEMA", "SELECT"]);
  }
  for (const [kind, principal] of Object.entries(args.jobPrincipals ?? {}) as [
    JobKind,
    pulumi.Input<string>,
  ][]) {
    for (const [securable, privileges] of Object.entries(JOB_GRANTS[kind]) as [Securable, string[]][]) {
      grant(securable, principal, privileges);
    }
  }
  if (args.developersGroup !== undefined) {
    // A schema's creator owns it and everything in it, so these two are all a personal stack's jobs need.
    grant("catalog", args.developersGroup, ["USE_CATALOG", "CREATE_SCHEMA"]);
    grant("capture", args.developersGroup, ["READ_FILES"]);
  }
  // BROWSE shows metadata without USE_CATALOG or SELECT: a preview reads what exists, never a row.
  for (const principal of args.previewPrincipals) grant("catalog", principal, ["BROWSE"]);
  return (Object.entries(bySecurable) as [Securable, Grant[]][])
    .filter(([, grants]) => grants.length > 0)
    .map(([securable, grants]) => ({ suffix: securable, securable, grants }));
}
