/**
 * The `databricks` config section's rules that tie its fields together: recipients on shared stacks, prod's access
 * model (its own principal per job, an owner for the jobs and the catalog, an IP access list), and the program-built
 * VNet's subnets. Every field itself is declared in `schema.ts` (`DATABRICKS_FIELDS`).
 */
import { GUID } from "../policy/vocabulary/stacks";
import { ConfigReader, type Environment, type Problems, type SectionValue } from "./fields";
import { cidrRange, DATABRICKS_FIELDS } from "./schema";

export type DatabricksConfig = SectionValue<typeof DATABRICKS_FIELDS>;

/** The runtime every cluster runs unless `databricks.sparkVersion` says otherwise. */
export const DEFAULT_SPARK_VERSION = DATABRICKS_FIELDS.sparkVersion.default.value;

/** Checks the rules that span the section's fields; `dbx` is what the reader read for it. */
export function databricksRules(dbx: DatabricksConfig, reader: ConfigReader): void {
  // A shared stack deploys the same whoever runs it: its recipients cannot fall back to the caller's mailbox.
  // A malformed value already has its own problem; only a stack that names nobody gets this one.
  const namesNobody =
    reader.namesNothing("databricks.notificationEmails") && !reader.has("databricks.notificationWebhookUrl");
  if (reader.environment !== "personal" && namesNobody) {
    reader.fail(
      "databricks.notificationEmails",
      reader.given("databricks.notificationEmails"),
      `at least one address on the shared ${reader.environment} stack (or set databricks.notificationWebhookUrl)`,
      "oncall@example.com",
      "nothing read from the deploying identity decides a shared stack's recipients",
      "databricks.notificationEmails[0]",
    );
  }
  accessRules(dbx, reader);
  networkRules(dbx.network, reader);
}

const GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000";

/**
 * Who the jobs run as and who owns them (docs/security.md): prod runs every job as a service principal of its own,
 * never as the deployer; only the delete job's principal may read ops (the deletion requests, the audit, its salt),
 * so it is no other job's; naming a principal in run_as needs the deployer to hold its User role, which the program
 * grants through the principal's rule set in the account. Prod also names the jobs' owner, the catalog's owning
 * group and who may reach the workspace.
 */
function accessRules(dbx: DatabricksConfig, reader: ConfigReader): void {
  const prod = reader.environment === "prod";
  const required = (
    key: keyof DatabricksConfig,
    allowed: string,
    example: string,
    why: string,
    fixKey?: string,
  ) => reader.fail(`databricks.${key}`, reader.given(`databricks.${key}`), allowed, example, why, fixKey);
  if (prod && !reader.has("databricks.runAs")) {
    required(
      "runAs",
      "set on prod, a service principal per job",
      GUID_EXAMPLE,
      "a prod job run as its owner runs with the deployer's rights, from code every workspace admin can edit",
      "databricks.runAs.ingest",
    );
  }
  if (prod && !reader.has("databricks.deployerApplicationId")) {
    required("deployerApplicationId", "set on prod", GUID_EXAMPLE, "it owns prod's jobs; a group cannot");
  }
  if (prod && !reader.has("databricks.adminGroup")) {
    required(
      "adminGroup",
      "set on prod",
      "h3-ml-admins",
      "an admin group, not the deployer, owns prod's catalog",
    );
  }
  if (prod && dbx.ipAccessList.length === 0 && reader.namesNothing("databricks.ipAccessList")) {
    required(
      "ipAccessList",
      "at least one address on prod",
      "203.0.113.0/24",
      "prod's workspace answers only the networks it names",
      "databricks.ipAccessList[0]",
    );
  }
  const runAs = dbx.runAs;
  if (runAs === undefined) return;
  // A principal that is missing or malformed has its own problem; the rules between them need all three.
  if (!Object.values(runAs).every((id) => GUID.test(id))) return;
  for (const other of ["ingest", "normalize"] as const) {
    if (runAs.delete === runAs[other]) {
      reader.fail(
        "databricks.runAs.delete",
        runAs.delete,
        `another principal than runAs.${other}`,
        GUID_EXAMPLE,
        "only the delete job reads ops, where the deletion audit and its salt are",
      );
    }
  }
  for (const [key, why] of [
    ["accountId", "the run-as principals' rule sets, which let the deployer name them, are in the account"],
    ["deployerApplicationId", "naming a principal in run_as needs the deployer to hold its User role"],
  ] as const) {
    if (!reader.has(`databricks.${key}`)) required(key, "set with databricks.runAs", GUID_EXAMPLE, why);
  }
  const deployer = dbx.deployerApplicationId;
  for (const [job, principal] of Object.entries(runAs)) {
    if (principal === deployer) {
      reader.fail(
        `databricks.runAs.${job}`,
        principal,
        "another principal than databricks.deployerApplicationId",
        GUID_EXAMPLE,
        "a job run as the deployer runs with the deployer's rights",
      );
    }
  }
}

// https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject: subnets lie inside the VNet
// and apart from each other.
function networkRules(network: DatabricksConfig["network"], reader: ConfigReader): void {
  const { addressSpace, hostSubnetPrefix: host, containerSubnetPrefix: container } = network;
  const [vnet, hostRange, containerRange] = [addressSpace, host, container].map(cidrRange);
  const fallback = (field: keyof typeof network) => DATABRICKS_FIELDS.network.fields[field].default.value;
  for (const [field, subnet, range] of [
    ["hostSubnetPrefix", host, hostRange],
    ["containerSubnetPrefix", container, containerRange],
  ] as const) {
    if (vnet && range && (range.first < vnet.first || range.last > vnet.last)) {
      reader.fail(
        `databricks.network.${field}`,
        subnet,
        `inside addressSpace ${addressSpace}`,
        fallback(field),
      );
    }
  }
  if (
    hostRange &&
    containerRange &&
    hostRange.first <= containerRange.last &&
    containerRange.first <= hostRange.last
  ) {
    reader.fail(
      "databricks.network.containerSubnetPrefix",
      container,
      `apart from hostSubnetPrefix ${host}`,
      fallback("containerSubnetPrefix"),
    );
  }
}

/** The `databricks` section of a stack in `environment`, read and checked on its own (its problems in `problems`). */
export function parseDatabricks(
  raw: unknown,
  environment: Environment,
  problems: Problems,
): DatabricksConfig {
  const reader = new ConfigReader(problems, environment);
  const dbx = reader.section(DATABRICKS_FIELDS, raw, "databricks");
  databricksRules(dbx, reader);
  return dbx;
}
