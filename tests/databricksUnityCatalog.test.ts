import * as azure from "@pulumi/azure-native";
import { expect } from "chai";
import {
  JOB_GRANTS,
  type Securable,
  UnityCatalog,
  type UnityCatalogArgs,
  ucGrants,
} from "../components/unityCatalog";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { evaluate, MOCK_SUBSCRIPTION_ID } from "./harness/mockProgram";
import { ofType, resource } from "./support";

const CONNECTOR =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/accessConnectors/h3ml-dev-dbac";

function build(overrides: Partial<UnityCatalogArgs> = {}) {
  return evaluate("dev", () => {
    const grant = new azure.authorization.RoleAssignment("lake-grant", {
      principalId: "p",
      roleDefinitionId: "r",
      scope: "s",
    });
    return new UnityCatalog("uc", {
      provider: testProvider(),
      accessConnectorId: CONNECTOR,
      storageAccess: [grant],
      subscriptionId: MOCK_SUBSCRIPTION_ID,
      storageResourceGroupName: "h3ml-dev-rg",
      storageAccountName: "h3mldevst",
      lakeContainerName: "lake",
      captureContainerName: "capture",
      captureFolder: "h3ml-dev-evhns",
      catalogName: "h3ml_dev",
      workspaceId: "1234567890123456",
      fileEvents: true,
      previewPrincipals: [],
      forceDestroy: false,
      protect: false,
      ...overrides,
    });
  });
}

describe("UnityCatalog", () => {
  // New role assignments apply after minutes (databricks/terraform-provider-databricks#3069) and
  // a read-only location over an empty container has failed validation (databricks/cli#1063).
  it("saves the credential and both locations without the create-time storage check, after the grants", async () => {
    const ev = await build();
    const grant = resource(ev, "azure-native:authorization:RoleAssignment", "lake-grant");
    for (const [type, name] of [
      [TYPES.storageCredential, "uc-credential"],
      [TYPES.externalLocation, "uc-capture-location"],
      [TYPES.externalLocation, "uc-lake-location"],
    ] as const) {
      const object = resource(ev, type, name);
      expect(object.inputs.skipValidation, name).to.equal(true);
      expect(object.dependencies, name).to.include(grant.urn);
    }
  });

  it("creates a storage credential from the access connector, bound to this workspace", async () => {
    const ev = await build();
    expect(resource(ev, TYPES.storageCredential, "uc-credential").inputs).to.deep.include({
      name: "h3ml_dev_storage",
      azureManagedIdentity: { accessConnectorId: CONNECTOR },
      isolationMode: "ISOLATION_MODE_ISOLATED",
    });
  });

  it("makes the capture location read-only with managed file events, the lake location read-write", async () => {
    const ev = await build();
    expect(resource(ev, TYPES.externalLocation, "uc-capture-location").inputs).to.deep.include({
      name: "h3ml_dev_capture",
      url: "abfss://capture@h3mldevst.dfs.core.windows.net/",
      credentialName: "h3ml_dev_storage",
      readOnly: true,
      isolationMode: "ISOLATION_MODE_ISOLATED",
      enableFileEvents: true,
      fileEventQueue: { managedAqs: { resourceGroup: "h3ml-dev-rg", subscriptionId: MOCK_SUBSCRIPTION_ID } },
    });
    const lake = resource(ev, TYPES.externalLocation, "uc-lake-location").inputs;
    expect(lake).to.deep.include({
      name: "h3ml_dev_lake",
      url: "abfss://lake@h3mldevst.dfs.core.windows.net/",
      isolationMode: "ISOLATION_MODE_ISOLATED",
    });
    expect(lake).to.not.have.property("readOnly");
    // The location spans the container; the stack's jobs read their namespace's folder of it.
    const captureRoot = await new Promise((done) => (ev.result as UnityCatalog).captureRoot.apply(done));
    expect(captureRoot).to.equal("abfss://capture@h3mldevst.dfs.core.windows.net/h3ml-dev-evhns/");
    // Stated, not left to Unity Catalog's default, which turns file events on (terraform-provider-databricks#5762).
    expect(lake.enableFileEvents).to.equal(false);
    expect(lake).to.not.have.property("fileEventQueue");
    const noEvents = await build({ fileEvents: false });
    const capture = resource(noEvents, TYPES.externalLocation, "uc-capture-location").inputs;
    expect(capture.enableFileEvents).to.equal(false);
    expect(capture).to.not.have.property("fileEventQueue");
  });

  it("creates credential and locations only after the connector's role assignments", async () => {
    const ev = await build();
    const grant = resource(ev, TYPES.roleAssignment, "lake-grant").urn;
    for (const [type, name] of [
      [TYPES.storageCredential, "uc-credential"],
      [TYPES.externalLocation, "uc-capture-location"],
      [TYPES.externalLocation, "uc-lake-location"],
    ] as const) {
      expect(resource(ev, type, name).dependencies, name).to.include(grant);
    }
  });

  it("creates the environment's catalog rooted in the lake, with bronze, silver and ops", async () => {
    const ev = await build();
    const catalog = resource(ev, TYPES.catalog, "uc-catalog");
    expect(catalog.inputs).to.deep.include({
      name: "h3ml_dev",
      storageRoot: "abfss://lake@h3mldevst.dfs.core.windows.net/catalogs/h3ml_dev",
      isolationMode: "ISOLATED",
      forceDestroy: false,
    });
    expect(catalog.dependencies).to.include(resource(ev, TYPES.externalLocation, "uc-lake-location").urn);
    expect(ofType(ev, TYPES.schema).map((s) => [s.inputs.catalogName, s.inputs.name])).to.deep.equal([
      ["h3ml_dev", "bronze"],
      ["h3ml_dev", "ops"],
      ["h3ml_dev", "silver"],
    ]);
  });

  it("protects the catalog when asked; schemas holding tables cannot be dropped without forceDestroy", async () => {
    const ev = await build({ protect: true });
    expect(resource(ev, TYPES.catalog, "uc-catalog").protect).to.equal(true);
    expect(ofType(ev, TYPES.schema).map((s) => [s.protect, s.inputs.forceDestroy])).to.deep.equal([
      [false, false],
      [false, false],
      [false, false],
    ]);
    const personal = await build({ forceDestroy: true });
    expect(resource(personal, TYPES.catalog, "uc-catalog").inputs.forceDestroy).to.equal(true);
    expect(ofType(personal, TYPES.schema).map((s) => s.inputs.forceDestroy)).to.deep.equal([
      true,
      true,
      true,
    ]);
  });

  it("uses the region's metastore unless config names one, and never creates a metastore", async () => {
    const ev = await build();
    expect(ev.registrations.filter((r) => r.type.includes("etastore"))).to.deep.equal([]);
    const named = await build({ metastoreId: "11111111-2222-3333-4444-555555555555" });
    const assignment = resource(named, TYPES.metastoreAssignment, "uc-metastore-assignment");
    expect(assignment.inputs).to.deep.equal({
      metastoreId: "11111111-2222-3333-4444-555555555555",
      workspaceId: "1234567890123456",
    });
    expect(resource(named, TYPES.storageCredential, "uc-credential").dependencies).to.include(assignment.urn);
  });

  it("keeps the jobs' checkpoints in a managed volume in ops", async () => {
    const ev = await build();
    expect(resource(ev, TYPES.volume, "uc-checkpoints").inputs).to.deep.equal({
      catalogName: "h3ml_dev",
      schemaName: "ops",
      name: "checkpoints",
      volumeType: "MANAGED",
      comment: "Streaming checkpoints of the ingest and normalize jobs.",
    });
    expect(await new Promise((done) => ev.result.checkpointsPath.apply(done))).to.equal(
      "/Volumes/h3ml_dev/ops/checkpoints",
    );
  });

  // Each job reads and writes what its step of the pipeline needs; only the delete job reads ops (the deletion
  // requests, the audit and its salt).
  it("grants each job's principal its own schemas, analysts read on silver, and nothing on lake paths", async () => {
    const [ingest, normalize, remove] = ["aaaa", "bbbb", "cccc"].map(
      (x) => `9f0c1d2e-0000-4000-8000-0000000${x}0`,
    );
    const ev = await build({
      analystsGroup: "h3-analysts",
      jobPrincipals: { ingest, normalize, delete: remove },
    });
    const grants = ofType(ev, TYPES.grants);
    // Each securable's grants land on the object the service knows it by.
    expect(
      grants.map((g) => [
        g.name,
        g.inputs.schema ?? g.inputs.catalog ?? g.inputs.volume ?? g.inputs.externalLocation,
      ]),
    ).to.deep.equal([
      ["uc-bronze-grants", "h3ml_dev.bronze"],
      ["uc-capture-grants", "h3ml_dev_capture"],
      ["uc-catalog-grants", "h3ml_dev"],
      ["uc-checkpoints-grants", "h3ml_dev.ops.checkpoints"],
      ["uc-ops-grants", "h3ml_dev.ops"],
      ["uc-silver-grants", "h3ml_dev.silver"],
    ]);
    const held = (principal: string) =>
      Object.fromEntries(
        grants.flatMap((g) => {
          const mine = (g.inputs.grants as { principal: string; privileges: string[] }[]).find(
            (x) => x.principal === principal,
          );
          return mine ? [[g.name.replace(/^uc-|-grants$/g, ""), mine.privileges]] : [];
        }),
      );
    for (const [kind, principal] of Object.entries({ ingest, normalize, delete: remove })) {
      expect(held(principal), kind).to.deep.equal(JOB_GRANTS[kind as keyof typeof JOB_GRANTS]);
    }
    expect(held("h3-analysts")).to.deep.equal({ catalog: ["USE_CATALOG"], silver: ["USE_SCHEMA", "SELECT"] });
    // Only the delete job reads or writes ops' tables; only ingest reads the capture files; normalize never writes bronze.
    const readers = (securable: string, privilege: string) =>
      [ingest, normalize, remove, "h3-analysts"].filter((p) => held(p)[securable]?.includes(privilege));
    expect(readers("ops", "SELECT")).to.deep.equal([remove]);
    expect(readers("capture", "READ_FILES")).to.deep.equal([ingest]);
    expect(readers("bronze", "MODIFY")).to.deep.equal([ingest, remove]);
  });

  it("gives one principal serving every job the union, each securable listing it once", () => {
    const grants = ucGrants({
      jobPrincipals: { ingest: "sp", normalize: "sp", delete: "sp" },
      previewPrincipals: [],
    });
    // One entry per securable holding every privilege any job needs there, each once.
    const union = (securable: Securable) => [
      ...new Set(Object.values(JOB_GRANTS).flatMap((byJob) => byJob[securable] ?? [])),
    ];
    expect(grants.map((g) => g.grants)).to.deep.equal(
      grants.map((g) => [{ principal: "sp", privileges: union(g.securable) }]),
    );
    expect(grants.map((g) => g.securable).sort()).to.deep.equal([
      "bronze",
      "capture",
      "catalog",
      "checkpoints",
      "ops",
      "silver",
    ]);
  });

  it("lets an admin group own the catalog, its schemas and the checkpoint volume instead of the deployer", async () => {
    const owned = await build({ ownerGroup: "h3-admins" });
    for (const [type, name] of [
      [TYPES.catalog, "uc-catalog"],
      [TYPES.schema, "uc-bronze"],
      [TYPES.schema, "uc-silver"],
      [TYPES.schema, "uc-ops"],
      [TYPES.volume, "uc-checkpoints"],
    ] as const) {
      expect(resource(owned, type, name).inputs.owner, name).to.equal("h3-admins");
      expect(resource(await build(), type, name).inputs, name).to.not.have.property("owner");
    }
  });

  it("creates no authoritative grants for principals that are not configured", async () => {
    const ev = await build();
    expect(ofType(ev, TYPES.grants)).to.deep.equal([]);
    expect(ucGrants({ analystsGroup: "a", previewPrincipals: [] }).map((g) => g.securable)).to.deep.equal([
      "catalog",
      "silver",
    ]);
  });

  // A Reader-only preview identity sees the catalog's metadata, never a row.
  it("lets preview identities browse the catalog and nothing else", () => {
    expect(ucGrants({ previewPrincipals: ["p1", "p2"] })).to.deep.equal([
      {
        suffix: "catalog",
        securable: "catalog",
        grants: [
          { principal: "p1", privileges: ["BROWSE"] },
          { principal: "p2", privileges: ["BROWSE"] },
        ],
      },
    ]);
  });

  it("creates every Databricks object through the explicit provider", async () => {
    const ev = await build({ analystsGroup: "a", jobPrincipals: { ingest: "b" }, metastoreId: "m" });
    const objects = databricksResources(ev);
    expect(objects).to.have.length(15);
    for (const r of objects) expect(r.provider, r.name).to.equal(providerRef(ev));
  });
});
