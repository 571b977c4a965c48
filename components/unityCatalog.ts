import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { captureFolderUrl } from "./capture";

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
   * Principal the jobs run as (service principal application id): reads capture, writes the catalog's
   * tables and checkpoint volume.
   * @default undefined: no job grants (jobs run as their owner)
   */
  jobsPrincipal?: pulumi.Input<string>;
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
    // `skipValidation` ("suppress validation errors if any & force save", @pulumi/databricks 1.110.0) saves the
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
        comment: "H3 ML tables for this environment.",
      },
      { ...child, dependsOn: [lakeLocation], protect: args.protect },
    );
    this.schemas = Object.fromEntries(
      Object.entries(SCHEMAS).map(([schema, comment]) => [
        schema,
        new databricks.Schema(
          `${name}-${schema}`,
          { catalogName: catalog.name, name: schema, comment, forceDestroy: args.forceDestroy },
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
      },
      // Dropping a managed volume deletes its files: without its checkpoint, ingest would start over.
      { ...child, protect: args.protect },
    );
    this.checkpointsPath = pulumi.interpolate`/Volumes/${checkpoints.catalogName}/${checkpoints.schemaName}/${checkpoints.name}`;

    for (const { suffix, securable, grants } of ucGrants(args)) {
      const target =
        securable === "catalog"
          ? { catalog: catalog.name }
          : securable === "silver"
            ? { schema: this.schemas.silver.id }
            : { externalLocation: this.captureLocation.name };
      new databricks.Grants(`${name}-${suffix}-grants`, { ...target, grants }, child);
    }

    this.catalogName = catalog.name;
    this.registerOutputs({ catalogName: this.catalogName });
  }
}

type Securable = "catalog" | "silver" | "capture";

/**
 * Grants per securable, from config. `databricks.Grants` is authoritative, so a securable with no
 * configured principal gets no resource rather than an empty list that would revoke manual grants.
 */
export function ucGrants(
  args: Pick<UnityCatalogArgs, "analystsGroup" | "jobsPrincipal" | "previewPrincipals" | "developersGroup">,
) {
  const bySecurable: Record<Securable, { principal: pulumi.Input<string>; privileges: string[] }[]> = {
    catalog: [],
    silver: [],
    capture: [],
  };
  if (args.analystsGroup !== undefined) {
    bySecurable.catalog.push({ principal: args.analystsGroup, privileges: ["USE_CATALOG"] });
    bySecurable.silver.push({ principal: args.analystsGroup, privileges: ["USE_SCHEMA", "SELECT"] });
  }
  if (args.jobsPrincipal !== undefined) {
    bySecurable.catalog.push({
      principal: args.jobsPrincipal,
      privileges: [
        "USE_CATALOG",
        "USE_SCHEMA",
        "CREATE_TABLE",
        "SELECT",
        "MODIFY",
        "READ_VOLUME",
        "WRITE_VOLUME",
      ],
    });
    // Auto Loader reads capture by path; everything else the jobs touch is a table or the volume.
    bySecurable.capture.push({ principal: args.jobsPrincipal, privileges: ["READ_FILES"] });
  }
  if (args.developersGroup !== undefined) {
    // A schema's creator owns it and everything in it, so these two are all a personal stack's jobs need.
    bySecurable.catalog.push({
      principal: args.developersGroup,
      privileges: ["USE_CATALOG", "CREATE_SCHEMA"],
    });
    bySecurable.capture.push({ principal: args.developersGroup, privileges: ["READ_FILES"] });
  }
  // BROWSE shows metadata without USE_CATALOG or SELECT: a preview reads what exists, never a row.
  for (const principal of args.previewPrincipals) {
    bySecurable.catalog.push({ principal, privileges: ["BROWSE"] });
  }
  return (
    Object.entries(bySecurable) as [Securable, { principal: pulumi.Input<string>; privileges: string[] }[]][]
  )
    .filter(([, grants]) => grants.length > 0)
    .map(([securable, grants]) => ({ suffix: securable, securable, grants }));
}
