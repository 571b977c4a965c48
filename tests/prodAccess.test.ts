/**
 * Prod's access model as the prod plan states it: who the jobs run as and what each of those principals may read and
 * write, who owns and may run or see the jobs, who owns the catalog, that the audit salt is in no Pulumi state and ops
 * is readable by the delete job's principal alone, and who may reach the workspace. docs/security.md's table of
 * prod's Databricks identities is checked against the same plan.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { loadStackConfig, PROJECT_ROOT } from "../scripts/lib/stackConfig";
import type { Evaluation, Registration } from "./harness/mockProgram";
import { evaluated, ofType, resource } from "./support";

interface ProdDatabricks {
  runAs: { ingest: string; normalize: string; delete: string };
  deployerApplicationId: string;
  accountId: string;
  adminGroup: string;
  oncallGroup: string;
  deleteJobRunners: string[];
  ipAccessList: string[];
}

const PROD = loadStackConfig("prod").values["h3-ml:databricks"] as ProdDatabricks;
const JOBS = ["ingest", "normalize", "delete"] as const;

/** Each identity the prod config names, by the config key that names it. */
const LABELS: Readonly<Record<string, string>> = {
  [PROD.runAs.ingest]: "`databricks.runAs.ingest`",
  [PROD.runAs.normalize]: "`databricks.runAs.normalize`",
  [PROD.runAs.delete]: "`databricks.runAs.delete`",
  [PROD.deployerApplicationId]: "`databricks.deployerApplicationId`",
  [PROD.adminGroup]: "`databricks.adminGroup`",
  [PROD.oncallGroup]: "`databricks.oncallGroup`",
  ...Object.fromEntries(PROD.deleteJobRunners.map((id) => [id, "`databricks.deleteJobRunners`"])),
};

const SECURABLES: Readonly<Record<string, string>> = {
  catalog: "the catalog",
  bronze: "bronze",
  silver: "silver",
  ops: "ops",
  checkpoints: "the checkpoints volume",
  capture: "the capture files",
};

/**
 * What the prod plan lets each identity do, by identity label: each entry a grant and what it is on, grants of the
 * same kind to one identity listed together (`CAN_VIEW on jobs ingest, normalize, delete`).
 */
function accessInPlan(ev: Evaluation): Record<string, string[]> {
  const found = new Map<string, Map<string, string[]>>();
  const add = (principal: string, what: string, on: string) => {
    const label = LABELS[principal] ?? `\`${principal}\``;
    const mine = found.get(label) ?? new Map<string, string[]>();
    mine.set(what, [...(mine.get(what) ?? []), on]);
    found.set(label, mine);
  };
  for (const g of ofType(ev, TYPES.grants)) {
    const securable = SECURABLES[g.name.replace(/^unity-catalog-(.+)-grants$/, "$1")] as string;
    for (const { principal, privileges } of g.inputs.grants)
      add(principal, `${privileges.join(", ")} on`, securable);
  }
  for (const r of [...ofType(ev, TYPES.catalog), ...ofType(ev, TYPES.schema), ...ofType(ev, TYPES.volume)]) {
    const what =
      r.type === TYPES.catalog
        ? "the catalog"
        : r.type === TYPES.volume
          ? "the checkpoints volume"
          : r.inputs.name;
    add(r.inputs.owner, "owns", what);
  }
  const controls = (p: Registration) =>
    (
      p.inputs.accessControls as {
        permissionLevel: string;
        servicePrincipalName?: string;
        groupName?: string;
      }[]
    ).map((c) => [c.servicePrincipalName ?? c.groupName ?? "", c.permissionLevel] as const);
  for (const job of JOBS) {
    for (const [who, level] of controls(resource(ev, TYPES.permissions, `jobs-${job}-permissions`))) {
      add(who, `${level} on`, `job ${job}`);
    }
    add(resource(ev, TYPES.job, `jobs-${job}`).inputs.runAs.servicePrincipalName, "runs", `job ${job}`);
  }
  for (const [who, level] of controls(resource(ev, TYPES.permissions, "notebooks-folder-permissions"))) {
    add(who, `${level} on`, "the code folder");
  }
  for (const [who, level] of controls(resource(ev, TYPES.permissions, "compute-job-policy-permissions"))) {
    add(who, `${level} on`, "the job cluster policy");
  }
  for (const set of ofType(ev, TYPES.accessControlRuleSet)) {
    const principal = /servicePrincipals\/([^/]+)\/ruleSets/.exec(set.inputs.name)?.[1] as string;
    for (const rule of set.inputs.grantRules as { role: string; principals: string[] }[]) {
      for (const who of rule.principals) {
        add(
          who.replace(/^servicePrincipals\//, ""),
          `${rule.role.replace("roles/", "")} on`,
          LABELS[principal] as string,
        );
      }
    }
  }
  return Object.fromEntries(
    [...found].map(([label, grants]) => [label, [...grants].map(([what, on]) => `${what} ${on.join(", ")}`)]),
  );
}

/** The rows of the table between `<!-- prod-identities -->` markers in docs/security.md: identity, grants, why. */
function documentedAccess(): Record<string, string> {
  const text = readFileSync(path.join(PROJECT_ROOT, "docs", "security.md"), "utf8");
  const table = /<!-- prod-identities:start -->([\s\S]*?)<!-- prod-identities:end -->/.exec(text)?.[1] ?? "";
  const rows = table
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| /, "").trim()));
  return Object.fromEntries(rows.map(([who, what]) => [who as string, what as string]));
}

describe("prod's access model, as the prod plan states it", () => {
  let prod: Evaluation;
  before(async () => {
    prod = await evaluated("prod");
  });

  it("runs each job as its own service principal, none of them the deployer, named only once the deployer may", () => {
    for (const job of JOBS) {
      const registered = resource(prod, TYPES.job, `jobs-${job}`);
      expect(registered.inputs.runAs, job).to.deep.equal({ servicePrincipalName: PROD.runAs[job] });
      const grant = resource(prod, TYPES.accessControlRuleSet, `principals-run-as-${PROD.runAs[job]}`);
      expect(grant.inputs).to.deep.equal({
        name: `accounts/${PROD.accountId}/servicePrincipals/${PROD.runAs[job]}/ruleSets/default`,
        grantRules: [
          {
            role: "roles/servicePrincipal.user",
            principals: [`servicePrincipals/${PROD.deployerApplicationId}`],
          },
          {
            role: "roles/servicePrincipal.manager",
            principals: [`servicePrincipals/${PROD.deployerApplicationId}`],
          },
        ],
      });
      expect(registered.dependencies, job).to.include(grant.urn);
    }
    expect(new Set(Object.values(PROD.runAs)).size).to.equal(3);
    expect(Object.values(PROD.runAs)).to.not.include(PROD.deployerApplicationId);
  });

  it("grants each job's principal only its own schemas, and the delete job's alone reads ops", () => {
    const grants = Object.fromEntries(
      ofType(prod, TYPES.grants).map((g) => [
        g.name,
        Object.fromEntries(
          g.inputs.grants.map((e: { principal: string; privileges: string[] }) => [
            LABELS[e.principal],
            e.privileges,
          ]),
        ),
      ]),
    );
    const [ingest, normalize, remove] = JOBS.map((job) => LABELS[PROD.runAs[job]] as string);
    expect(grants).to.deep.equal({
      "unity-catalog-catalog-grants": {
        [ingest]: ["USE_CATALOG"],
        [normalize]: ["USE_CATALOG"],
        [remove]: ["USE_CATALOG"],
      },
      "unity-catalog-bronze-grants": {
        [ingest]: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
        [normalize]: ["USE_SCHEMA", "SELECT"],
        [remove]: ["USE_SCHEMA", "SELECT", "MODIFY"],
      },
      "unity-catalog-silver-grants": {
        [normalize]: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
        [remove]: ["USE_SCHEMA", "SELECT", "MODIFY"],
      },
      "unity-catalog-ops-grants": {
        [ingest]: ["USE_SCHEMA"],
        [normalize]: ["USE_SCHEMA"],
        [remove]: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
      },
      "unity-catalog-checkpoints-grants": {
        [ingest]: ["READ_VOLUME", "WRITE_VOLUME"],
        [normalize]: ["READ_VOLUME", "WRITE_VOLUME"],
        [remove]: ["READ_VOLUME", "WRITE_VOLUME"],
      },
      "unity-catalog-capture-grants": { [ingest]: ["READ_FILES"] },
    });
  });

  it("has the admin group own the catalog, its schemas and the checkpoint volume, not the deployer", () => {
    for (const r of [
      ...ofType(prod, TYPES.catalog),
      ...ofType(prod, TYPES.schema),
      ...ofType(prod, TYPES.volume),
    ]) {
      expect(r.inputs.owner, r.name).to.equal(PROD.adminGroup);
    }
  });

  it("restricts workspace admins by adopting the setting an account admin applied", () => {
    const setting = resource(
      prod,
      TYPES.restrictWorkspaceAdminsSetting,
      "workspace-security-restrict-admins",
    );
    expect(setting.inputs).to.deep.equal({
      restrictWorkspaceAdmins: { status: "RESTRICT_TOKENS_AND_JOB_RUN_AS" },
    });
    expect(setting.importId).to.equal("global");
  });

  it("lets nobody but the deployer and workspace admins change the code: the run-as principals run it, nobody edits it", () => {
    expect(resource(prod, TYPES.permissions, "notebooks-folder-permissions").inputs).to.deep.equal({
      directoryPath: "/h3-ml/prod",
      accessControls: JOBS.map((job) => ({
        servicePrincipalName: PROD.runAs[job],
        permissionLevel: "CAN_RUN",
      })),
    });
  });

  it("has the deployer own every job, on-call see every run, and the backend start the delete job only", () => {
    const permissions = Object.fromEntries(
      JOBS.map((job) => [
        job,
        resource(prod, TYPES.permissions, `jobs-${job}-permissions`).inputs.accessControls,
      ]),
    );
    const owner = { servicePrincipalName: PROD.deployerApplicationId, permissionLevel: "IS_OWNER" };
    const oncall = { groupName: PROD.oncallGroup, permissionLevel: "CAN_VIEW" };
    expect(permissions).to.deep.equal({
      ingest: [owner, oncall],
      normalize: [owner, oncall],
      delete: [
        owner,
        ...PROD.deleteJobRunners.map((id) => ({
          servicePrincipalName: id,
          permissionLevel: "CAN_MANAGE_RUN",
        })),
        oncall,
      ],
    });
    expect(PROD.deleteJobRunners).to.have.length.greaterThan(0);
  });

  it("keeps the audit salt out of Pulumi state: no generated salt, secret, scope or secret job parameter", () => {
    const types = new Set(prod.registrations.map((r) => r.type));
    for (const type of [TYPES.randomPassword, TYPES.secret, TYPES.secretScope, TYPES.secretAcl])
      expect([...types]).to.not.include(type);
    expect(
      resource(prod, TYPES.job, "jobs-delete")
        .inputs.parameters.map((p: { name: string }) => p.name)
        .filter((name: string) => /salt|secret|user/.test(name)),
      "the only parameter about the salt is the flag that rotates it",
    ).to.deep.equal(["rotate_salt"]);
    // Nothing above ops grants SELECT, so no one inherits a read of it.
    const reads = ofType(prod, TYPES.grants).flatMap((g) =>
      (g.inputs.grants as { principal: string; privileges: string[] }[])
        .filter(
          (e) =>
            e.privileges.includes("SELECT") &&
            ["unity-catalog-catalog-grants", "unity-catalog-ops-grants"].includes(g.name),
        )
        .map((e) => `${g.name} ${LABELS[e.principal]}`),
    );
    expect(reads).to.deep.equal(["unity-catalog-ops-grants `databricks.runAs.delete`"]);
  });

  it("answers only the networks of its IP access list and its clusters' NAT address", () => {
    const list = resource(prod, TYPES.ipAccessList, "workspace-security-allowed");
    // The NAT gateway's public address as the mocked provider allocates it.
    expect(list.inputs).to.deep.equal({
      label: "h3ml-prod allowed",
      listType: "ALLOW",
      ipAddresses: [...PROD.ipAccessList, "203.0.113.10"],
    });
    const feature = resource(prod, TYPES.workspaceConf, "workspace-security-ip-access-lists");
    expect(feature.inputs).to.deep.equal({ customConfig: { enableIpAccessLists: "true" } });
    expect(feature.dependencies).to.include(list.urn);
    expect(list.dependencies).to.include(resource(prod, TYPES.publicIpAddress, "network-nat-ip").urn);
  });

  it("is what docs/security.md says each prod identity may do in Databricks", () => {
    const inPlan = Object.fromEntries(
      Object.entries(accessInPlan(prod)).map(([who, what]) => [who, what.join("; ")]),
    );
    expect(documentedAccess()).to.deep.equal(inPlan);
  });
});
