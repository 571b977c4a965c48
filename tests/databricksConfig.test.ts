import { expect } from "chai";
import type { Environment } from "../config/config";
import { quartzCronProblem } from "../config/cron";
import { type DatabricksConfig, DEFAULT_SPARK_VERSION, parseDatabricks } from "../config/databricks";
import { Problems } from "../config/fields";
import { isLtsRuntime, LTS_RUNTIME_KEYS } from "../policy/vocabulary/runtimes";
import { PROD_ACCESS, withDefaults } from "./support";

/**
 * Shared stacks must name their failure recipients, and prod its access model; a section under test about something
 * else gets them.
 */
function withRecipients(raw: unknown, environment: Environment): unknown {
  const section = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? raw : undefined;
  if (environment === "personal" || (section === undefined && raw !== undefined)) return raw;
  const given = (section ?? {}) as Record<string, unknown>;
  const recipients =
    "notificationEmails" in given || "notificationWebhookUrl" in given
      ? given
      : { notificationEmails: ["oncall@example.com"], ...given };
  if (environment !== "prod") return section === undefined ? raw : recipients;
  return withDefaults(recipients, PROD_ACCESS);
}

function parse(
  raw: unknown,
  environment: Environment = "dev",
): { config: DatabricksConfig; problems: readonly string[] } {
  const problems = new Problems();
  const config = parseDatabricks(withRecipients(raw, environment), environment, problems);
  return { config, problems: problems.list };
}

/** The one problem `raw` causes; the test fails when there is none or several. */
function problemOf(raw: unknown, environment: Environment = "dev"): string {
  const { problems } = parse(raw, environment);
  expect(problems, JSON.stringify(problems)).to.have.length(1);
  return problems[0] as string;
}

describe("databricks config", () => {
  describe("defaults", () => {
    it("gives dev single-node job clusters on the 17.3 LTS runtime, live schedules and file-arrival ingest", () => {
      expect(parse(undefined).config).to.deep.equal({
        sparkVersion: "17.3.x-scala2.13",
        nodeType: "Standard_D4ds_v5",
        maxWorkers: 1,
        jobWorkers: 0,
        ingestTrigger: "fileArrival",
        ingestCron: "0 0/15 * * * ?",
        normalizeCron: "0 30 * * * ?",
        deleteCron: "0 0 3 * * ?",
        timezone: "UTC",
        pauseSchedules: false,
        notificationEmails: [],
        notificationWebhookUrl: undefined,
        jobTimeoutMinutes: 120,
        jobMaxRetries: 2,
        jobRetryIntervalMinutes: 5,
        runAs: undefined,
        accountId: undefined,
        deployerApplicationId: undefined,
        adminGroup: undefined,
        oncallGroup: undefined,
        deleteJobRunners: [],
        ipAccessList: [],
        privateFrontEnd: undefined,
        restrictWorkspaceAdmins: false,
        previewApplicationIds: [],
        analystsGroup: undefined,
        metastoreId: undefined,
        fileEvents: true,
        providerAuthType: undefined,
        vnet: undefined,
        network: {
          addressSpace: "10.179.0.0/22",
          hostSubnetPrefix: "10.179.0.0/24",
          containerSubnetPrefix: "10.179.1.0/24",
        },
        analyticsCluster: undefined,
      });
    });

    it("pauses a personal stack's schedules and lets dev pause its own", () => {
      expect(parse({}, "personal").config.pauseSchedules).to.equal(true);
      expect(parse({ pauseSchedules: "true" }, "dev").config.pauseSchedules).to.equal(true);
    });

    it("gives prod multi-node job clusters and live schedules", () => {
      const { config } = parse({}, "prod");
      expect(config).to.include({ maxWorkers: 8, jobWorkers: 2, pauseSchedules: false });
    });

    it("reads VNet injection and the analytics cluster with their own defaults", () => {
      const vnet = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub";
      const { config, problems } = parse({
        maxWorkers: 4,
        vnet: { virtualNetworkId: vnet, publicSubnetName: "dbx-host", privateSubnetName: "dbx-container" },
        analyticsCluster: {},
      });
      expect(problems).to.deep.equal([]);
      expect(config.vnet).to.deep.equal({
        virtualNetworkId: vnet,
        publicSubnetName: "dbx-host",
        privateSubnetName: "dbx-container",
      });
      expect(config.analyticsCluster).to.deep.equal({
        nodeType: "Standard_D4ds_v5",
        minWorkers: 1,
        maxWorkers: 2,
        autoterminationMinutes: 20,
      });
    });
  });

  describe("errors", () => {
    const LTS_PHRASE =
      "a Long Term Support Databricks runtime key (14.3.x-scala2.12, 15.4.x-scala2.12, 16.4.x-scala2.12, " +
      "16.4.x-scala2.13, 17.3.x-scala2.13, or a variant such as 17.3.x-photon-scala2.13)";

    it("fails when sparkVersion is not a runtime key", () => {
      expect(problemOf({ sparkVersion: "17.3 LTS" })).to.equal(
        `databricks.sparkVersion must be ${LTS_PHRASE}, got "17.3 LTS". ` +
          "Fix: pulumi config set --path databricks.sparkVersion 17.3.x-scala2.13",
      );
    });

    it("fails when sparkVersion is not an LTS runtime, saying the pack blocks it", () => {
      expect(problemOf({ sparkVersion: "16.2.x-scala2.12" })).to.equal(
        `databricks.sparkVersion must be ${LTS_PHRASE}, got "16.2.x-scala2.12": ` +
          "not an LTS runtime in a Scala build it ships; the policy pack blocks it. " +
          "Fix: pulumi config set --path databricks.sparkVersion 17.3.x-scala2.13",
      );
      for (const notLts of ["17.1.x-scala2.13", "17.3.x-scala2.12", "15.4.x-scala2.13", "13.3.x-scala2.12"]) {
        expect(problemOf({ sparkVersion: notLts }), notLts).to.include(`got "${notLts}": not an LTS runtime`);
      }
    });

    it("accepts every LTS build and its variants, the same ones the policy pack admits", () => {
      for (const lts of [...LTS_RUNTIME_KEYS, "17.3.x-photon-scala2.13", "16.4.x-cpu-ml-scala2.12"]) {
        expect(parse({ sparkVersion: lts }).problems, lts).to.deep.equal([]);
        expect(isLtsRuntime(lts), lts).to.equal(true);
      }
      expect(isLtsRuntime(DEFAULT_SPARK_VERSION)).to.equal(true);
    });

    it("fails when nodeType is not an Azure VM size", () => {
      expect(problemOf({ nodeType: "i3.xlarge" })).to.match(
        /^databricks\.nodeType must be an Azure VM size such as Standard_D4ds_v5, got "i3\.xlarge"\. Fix: /,
      );
      expect(problemOf({ analyticsCluster: { nodeType: "Standard D4" } })).to.match(
        /^databricks\.analyticsCluster\.nodeType must be/,
      );
      expect(parse({ nodeType: "Standard_NC4as_T4_v3" }).problems).to.deep.equal([]);
    });

    it("fails when maxWorkers or jobWorkers is out of range", () => {
      expect(problemOf({ maxWorkers: 0 })).to.match(
        /^databricks\.maxWorkers must be an integer in 1\.\.100, got 0/,
      );
      expect(problemOf({ maxWorkers: 2, jobWorkers: 3 })).to.match(
        /^databricks\.jobWorkers must be an integer in 0\.\.2 \(0 is single node; at most databricks\.maxWorkers\), got 3/,
      );
    });

    // Each fix sets the job's own default schedule.
    for (const [key, fallback] of [
      ["ingestCron", "0 0/15 * * * ?"],
      ["normalizeCron", "0 30 * * * ?"],
      ["deleteCron", "0 0 3 * * ?"],
    ]) {
      it(`fails when ${key} is not a Quartz cron expression`, () => {
        expect(problemOf({ [key]: "0 3 * * *" })).to.equal(
          `databricks.${key} must be a Quartz cron expression (6 or 7 fields, \`?\` in exactly one day field), got ` +
            `"0 3 * * *": it has 5 fields; Quartz needs 6 or 7 (sec min hour day-of-month month day-of-week [year]). ` +
            `Fix: pulumi config set --path databricks.${key} '${fallback}'`,
        );
      });
    }

    it("fails when a cron sets both day fields or a value out of range", () => {
      expect(quartzCronProblem("0 0 3 * * *")).to.equal(
        "exactly one of day-of-month (4th field) and day-of-week (6th field) must be ?",
      );
      expect(quartzCronProblem("0 0 24 * * ?")).to.equal('hours field "24" is not valid (0-23)');
      expect(quartzCronProblem("0 0/15 8-18 ? * MON-FRI")).to.equal(undefined);
    });

    it("fails when ingestTrigger is unknown", () => {
      expect(problemOf({ ingestTrigger: "continuous" })).to.match(
        /^databricks\.ingestTrigger must be one of fileArrival, schedule, got "continuous"/,
      );
    });

    it("fails when timezone is not an IANA zone", () => {
      expect(problemOf({ timezone: "Mars/Olympus" })).to.match(
        /^databricks\.timezone must be an IANA time zone such as Europe\/Berlin, got "Mars\/Olympus"/,
      );
    });

    it("fails when prod schedules are paused", () => {
      expect(problemOf({ pauseSchedules: true }, "prod")).to.equal(
        "databricks.pauseSchedules must be false in prod, got true: prod schedules are always live. " +
          "Fix: pulumi config set --path databricks.pauseSchedules false",
      );
    });

    it("fails when a notification address is not an email, naming its index", () => {
      expect(problemOf({ notificationEmails: ["oncall@example.com", "oncall"] })).to.match(
        /^databricks\.notificationEmails\[1\] must be an email address, got "oncall"/,
      );
    });

    // A shared stack deploys the same whoever runs it, so its recipients come from config.
    it("fails when a shared stack names no failure recipient, giving the command", () => {
      for (const environment of ["dev", "prod"] as const) {
        expect(problemOf({ notificationEmails: [] }, environment)).to.equal(
          `databricks.notificationEmails must be at least one address on the shared ${environment} stack (or set ` +
            "databricks.notificationWebhookUrl), got []: nothing read from the deploying identity decides a shared " +
            "stack's recipients. Fix: pulumi config set --path 'databricks.notificationEmails[0]' oncall@example.com",
        );
      }
      expect(parse({ notificationWebhookUrl: "https://hooks.example.com/x" }, "prod").problems).to.deep.equal(
        [],
      );
      expect(parse({}, "personal").problems).to.deep.equal([]);
    });

    it("fails when a preview application id is not a GUID, naming its index", () => {
      expect(problemOf({ previewApplicationIds: ["ci-preview"] })).to.equal(
        'databricks.previewApplicationIds[0] must be an Entra application id (GUID), got "ci-preview". ' +
          "Fix: pulumi config set --path 'databricks.previewApplicationIds[0]' 00000000-0000-0000-0000-000000000000",
      );
    });

    // https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject: VNet /16../24, subnets >= /26.
    it("fails when the program-built VNet breaks Azure Databricks' address rules, naming the field", () => {
      expect(problemOf({ network: { addressSpace: "10.0.0.0/25" } })).to.match(
        /^databricks\.network\.addressSpace must be an IPv4 CIDR from \/16 to \/24, got "10\.0\.0\.0\/25"/,
      );
      expect(problemOf({ network: { hostSubnetPrefix: "10.179.0.0/27" } })).to.match(
        /^databricks\.network\.hostSubnetPrefix must be an IPv4 CIDR of at least \/26/,
      );
      expect(problemOf({ network: { containerSubnetPrefix: "10.180.0.0/24" } })).to.equal(
        'databricks.network.containerSubnetPrefix must be inside addressSpace 10.179.0.0/22, got "10.180.0.0/24". ' +
          "Fix: pulumi config set --path databricks.network.containerSubnetPrefix 10.179.1.0/24",
      );
      expect(problemOf({ network: { containerSubnetPrefix: "10.179.0.128/26" } })).to.match(
        /^databricks\.network\.containerSubnetPrefix must be apart from hostSubnetPrefix 10\.179\.0\.0\/24/,
      );
    });

    it("fails when the notification webhook is not https", () => {
      expect(problemOf({ notificationWebhookUrl: "http://hooks.example.com/x" })).to.match(
        /^databricks\.notificationWebhookUrl must be an https:\/\/ URL, got "http:\/\/hooks\.example\.com\/x"/,
      );
    });

    it("fails when job timeout, retries or retry wait are out of range", () => {
      expect(problemOf({ jobTimeoutMinutes: 0 })).to.match(
        /^databricks\.jobTimeoutMinutes must be an integer in 5\.\.1440/,
      );
      expect(problemOf({ jobMaxRetries: 11 })).to.match(
        /^databricks\.jobMaxRetries must be an integer in 0\.\.10/,
      );
      expect(problemOf({ jobRetryIntervalMinutes: 0 })).to.match(
        /^databricks\.jobRetryIntervalMinutes must be an integer in 1\.\.60/,
      );
    });

    it("fails when a run-as principal or metastoreId is not a GUID", () => {
      const runAs = { ...PROD_ACCESS.runAs, normalize: "jobs-sp" };
      expect(problemOf({ ...PROD_ACCESS, runAs })).to.match(
        /^databricks\.runAs\.normalize must be a service principal application id \(GUID\), got "jobs-sp"/,
      );
      expect(problemOf({ metastoreId: "westeurope" })).to.match(
        /^databricks\.metastoreId must be a Unity Catalog metastore id/,
      );
    });

    // Prod runs each job as a principal of its own, owned by the deployer, over a catalog an admin
    // group owns, behind an IP access list.
    it("refuses prod without its access model, naming each key and the command", () => {
      // Straight to the parser: `parse` fills the access model in.
      const bare = new Problems();
      parseDatabricks({ notificationEmails: ["oncall@example.com"] }, "prod", bare);
      expect(bare.list).to.deep.equal([
        "databricks.runAs must be set on prod, a service principal per job, got undefined: a prod job run as its " +
          "owner runs with the deployer's rights, from code every workspace admin can edit. " +
          "Fix: pulumi config set --path databricks.runAs.ingest 00000000-0000-0000-0000-000000000000",
        "databricks.deployerApplicationId must be set on prod, got undefined: it owns prod's jobs; a group cannot. " +
          "Fix: pulumi config set --path databricks.deployerApplicationId 00000000-0000-0000-0000-000000000000",
        "databricks.adminGroup must be set on prod, got undefined: an admin group, not the deployer, owns prod's " +
          "catalog. Fix: pulumi config set --path databricks.adminGroup h3-ml-admins",
        "databricks.ipAccessList must be at least one address on prod, got undefined: prod's workspace answers only " +
          "the networks it names. Fix: pulumi config set --path 'databricks.ipAccessList[0]' 203.0.113.0/24",
      ]);
      expect(parse({}, "prod").problems).to.deep.equal([]);
      expect(parse({ restrictWorkspaceAdmins: false }, "prod").problems).to.deep.equal([
        "databricks.restrictWorkspaceAdmins must be true in prod, got false: prod's jobs run as principals workspace " +
          "admins must not reassign. Fix: pulumi config set --path databricks.restrictWorkspaceAdmins true",
      ]);
    });

    it("refuses a delete job that shares its principal, a job run as the deployer, and run-as without its grant's inputs", () => {
      const { runAs, deployerApplicationId } = PROD_ACCESS;
      expect(problemOf({ runAs: { ...runAs, delete: runAs.ingest } }, "prod")).to.equal(
        `databricks.runAs.delete must be another principal than runAs.ingest, got "${runAs.ingest}": only the delete ` +
          "job reads ops, where the deletion audit and its salt are. " +
          "Fix: pulumi config set --path databricks.runAs.delete 00000000-0000-0000-0000-000000000000",
      );
      expect(problemOf({ runAs: { ...runAs, normalize: deployerApplicationId } }, "prod")).to.match(
        /^databricks\.runAs\.normalize must be another principal than databricks\.deployerApplicationId, got .+: a job run as the deployer runs with the deployer's rights/,
      );
      expect(parse({ runAs }, "dev").problems).to.deep.equal([
        "databricks.accountId must be set with databricks.runAs, got undefined: the run-as principals' rule sets, " +
          "which let the deployer name them, are in the account. " +
          "Fix: pulumi config set --path databricks.accountId 00000000-0000-0000-0000-000000000000",
        "databricks.deployerApplicationId must be set with databricks.runAs, got undefined: naming a principal in " +
          "run_as needs the deployer to hold its User role. " +
          "Fix: pulumi config set --path databricks.deployerApplicationId 00000000-0000-0000-0000-000000000000",
      ]);
      const { ingest, normalize } = runAs;
      expect(problemOf({ ...PROD_ACCESS, runAs: { ingest, normalize } }, "prod")).to.match(
        /^databricks\.runAs\.delete must be set to a service principal application id \(GUID\): each job runs as a principal of its own, or none does/,
      );
    });

    it("takes IPv4 addresses and CIDR ranges for the IP access list, and refuses anything else", () => {
      expect(parse({ ipAccessList: ["198.51.100.7", "203.0.113.0/24"] }).config.ipAccessList).to.deep.equal([
        "198.51.100.7",
        "203.0.113.0/24",
      ]);
      expect(problemOf({ ipAccessList: ["10.0.0.0/33"] })).to.match(
        /^databricks\.ipAccessList\[0\] must be a public IPv4 address or CIDR range, got "10\.0\.0\.0\/33"/,
      );
    });

    it("fails when analystsGroup, fileEvents or providerAuthType are malformed", () => {
      expect(problemOf({ analystsGroup: " analysts" })).to.match(
        /^databricks\.analystsGroup must be an account group name/,
      );
      expect(problemOf({ fileEvents: "yes" })).to.match(
        /^databricks\.fileEvents must be true or false, got "yes"/,
      );
      expect(problemOf({ providerAuthType: "Azure CLI" })).to.match(
        /^databricks\.providerAuthType must be a Databricks auth type/,
      );
    });

    it("fails when VNet injection misses a subnet", () => {
      const vnet = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub";
      expect(problemOf({ vnet: { virtualNetworkId: vnet, publicSubnetName: "host" } })).to.equal(
        "databricks.vnet.privateSubnetName must be set to a subnet name delegated to Microsoft.Databricks/workspaces: " +
          "VNet injection needs all three fields. Fix: pulumi config set --path databricks.vnet.privateSubnetName databricks-container",
      );
      expect(
        problemOf({ vnet: { virtualNetworkId: "hub", publicSubnetName: "a", privateSubnetName: "b" } }),
      ).to.match(/^databricks\.vnet\.virtualNetworkId must be a virtual network resource id, got "hub"/);
    });

    it("fails when the analytics cluster idles too long or exceeds the worker cap", () => {
      expect(problemOf({ analyticsCluster: { autoterminationMinutes: 60 } })).to.match(
        /^databricks\.analyticsCluster\.autoterminationMinutes must be an integer in 10\.\.30, got 60/,
      );
      expect(problemOf({ maxWorkers: 2, analyticsCluster: { maxWorkers: 5 } })).to.equal(
        "databricks.analyticsCluster.maxWorkers must be an integer in 1..2 (at least databricks.analyticsCluster.minWorkers; " +
          "at most databricks.maxWorkers), got 5. Fix: pulumi config set --path databricks.analyticsCluster.maxWorkers 2",
      );
    });

    it("fails when a setting is unknown, so a typo does not fall back to a default", () => {
      expect(problemOf({ sparkVerison: "16.4.x-scala2.12" })).to.match(
        /^databricks\.sparkVerison is not a known setting/,
      );
    });
  });
});
