/**
 * Property-based tests of the stack config. Invalid configs are thrown at the validator directly (cheap, so
 * thousands of them) and a sample at the whole program, which must fail before registering anything; valid
 * configs are run through the program under mocks and must give a plan the policy pack passes.
 */
import { expect } from "chai";
import fc from "fast-check";
import { CONFIG_KEYS, ConfigError, parseStackConfig, type RawStackConfig } from "../config/config";
import { DEFAULT_SPARK_VERSION } from "../config/databricks";
import JOB_PARAMETERS from "../notebooks/h3_ml/job_parameters.json";
import { TYPES } from "../policy/core";
import { AUTOTERMINATION_MINUTES } from "../policy/vocabulary/limits";
import { LTS_RUNTIME_KEYS } from "../policy/vocabulary/runtimes";
import { EvaluationError, evaluateProgram, MOCK_DEV_OUTPUTS } from "./harness/mockProgram";
import { checkRegistrations } from "./harness/policyCheck";

const PROJECT = "h3-ml";
const MIB = 1024 * 1024;
const INVALID_RUNS = 1200;
const PROGRAM_REJECTIONS = 24;
const VALID_PLANS = 40;
const SEED = 20261126;

const stackArb = fc.constantFrom("dev", "prod", "dev-alice", "dev-bob");
const hubNameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const octet = fc.integer({ min: 0, max: 255 });
const ipRangeArb = fc
  .tuple(fc.integer({ min: 1, max: 223 }), octet, octet, octet, fc.option(fc.integer({ min: 8, max: 30 })))
  .map(([a, b, c, d, bits]) => `${a}.${b}.${c}.${d}${bits === null ? "" : `/${bits}`}`);

const hubsArb = fc.uniqueArray(hubNameArb, { minLength: 1, maxLength: 3 });
const senderIdsArb = fc.uniqueArray(fc.uuid(), { maxLength: 2 });
/** Shared stacks name what a personal stack may take from the person who runs it. */
const shared = (stack: string): boolean => stack === "dev" || stack === "prod";

const SLA = JOB_PARAMETERS.deletion_sla_days;

const eventHubsArb = (stack: string, sla: number) =>
  fc.constantFrom("Standard", "Premium").chain((sku) =>
    fc.record(
      {
        sku: fc.constant(sku),
        capacity: sku === "Premium" ? fc.constantFrom(1, 2, 4, 8, 16) : fc.integer({ min: 1, max: 40 }),
        partitionCount: fc.integer({ min: 1, max: 32 }),
        // Standard keeps events 7 days at most, Premium 90; neither longer than the deletion SLA.
        messageRetentionDays: fc.integer({ min: 1, max: Math.min(sku === "Premium" ? 90 : 7, sla) }),
        hubs: hubsArb,
        captureIntervalSeconds: fc.integer({ min: 60, max: 900 }),
        captureSizeLimitBytes: fc.integer({ min: 10 * MIB, max: 500 * MIB }),
        senderPrincipalIds: senderIdsArb,
        // With the override on, the namespace carries the marker the pack accepts local auth with.
        allowSasSender: fc.boolean(),
        deployerPrincipalIds: fc.uniqueArray(fc.uuid(), { minLength: shared(stack) ? 1 : 0, maxLength: 2 }),
        // A denying namespace firewall names its senders (Azure reads a Deny without rules as open).
        networkDefaultAction: stack === "prod" ? fc.constant("Deny") : fc.constantFrom("Allow", "Deny"),
        allowedIpRanges: fc.uniqueArray(ipRangeArb, { minLength: 1, maxLength: 2 }),
      },
      {
        requiredKeys: shared(stack)
          ? ["sku", "deployerPrincipalIds", "allowedIpRanges"]
          : ["sku", "allowedIpRanges"],
      },
    ),
  );

const cronSecondArb = fc.integer({ min: 0, max: 59 }).map(String);
const cronMinuteArb = fc.oneof(
  fc.integer({ min: 0, max: 59 }).map(String),
  fc.constantFrom("0/15", "*/5", "*"),
);
const cronHourArb = fc.oneof(fc.integer({ min: 0, max: 23 }).map(String), fc.constantFrom("*", "1-5", "0/6"));
// Quartz wants `?` in exactly one of the two day fields.
const cronDaysArb = fc.oneof(
  fc.constantFrom("*", "1", "L", "1,15").map((dayOfMonth) => `${dayOfMonth} * ?`),
  fc.constantFrom("*", "MON-FRI", "1", "SUN").map((dayOfWeek) => `? * ${dayOfWeek}`),
);
const cronArb = fc
  .tuple(cronSecondArb, cronMinuteArb, cronHourArb, cronDaysArb)
  .map((fields) => fields.join(" "));
const sparkVersionArb = fc.constantFrom(
  ...LTS_RUNTIME_KEYS,
  "17.3.x-photon-scala2.13",
  "16.4.x-cpu-ml-scala2.13",
  "15.4.x-photon-scala2.12",
);
const nodeTypeArb = fc.constantFrom(
  "Standard_D4ds_v5",
  "Standard_DS3_v2",
  "Standard_E8ds_v5",
  "Standard_F4s_v2",
  "Standard_NC4as_T4_v3",
);
const emailArb = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,10}@[a-z][a-z0-9-]{0,10}\.(com|org|io|de)$/);

/**
 * Who the jobs run as, who owns them and who reaches the workspace: prod must set all of it (its own principal per
 * job, none of them the deployer), other stacks all or nothing of the run-as part.
 */
const accessArb = (stack: string) => {
  const access = fc
    .record(
      {
        ids: fc.uniqueArray(fc.uuid(), { minLength: 5, maxLength: 5 }),
        adminGroup: fc.constantFrom("h3-ml-admins", "Platform Admins"),
        oncallGroup: fc.constantFrom("h3-ml-oncall", "On Call"),
        deleteJobRunners: fc.uniqueArray(fc.uuid(), { maxLength: 2 }),
        ipAccessList: fc.uniqueArray(ipRangeArb, { minLength: 1, maxLength: 3 }),
        restrictWorkspaceAdmins: stack === "prod" ? fc.constant(true) : fc.boolean(),
      },
      { requiredKeys: ["ids", "adminGroup", "ipAccessList", "restrictWorkspaceAdmins"] },
    )
    .map(({ ids, ...rest }) => {
      const [ingest, normalize, remove, accountId, deployerApplicationId] = ids as [
        string,
        string,
        string,
        string,
        string,
      ];
      return { runAs: { ingest, normalize, delete: remove }, accountId, deployerApplicationId, ...rest };
    });
  return stack === "prod" ? access : fc.option(access, { nil: undefined }).map((a) => a ?? {});
};

/** A databricks section the validator accepts on `stack`; worker counts stay under the generated cap. */
const databricksArb = (stack: string) =>
  fc.tuple(databricksBaseArb(stack), accessArb(stack)).map(([base, access]) => ({ ...base, ...access }));

const databricksBaseArb = (stack: string) =>
  fc.integer({ min: 1, max: 100 }).chain((maxWorkers) =>
    fc.record(
      {
        sparkVersion: sparkVersionArb,
        nodeType: nodeTypeArb,
        maxWorkers: fc.constant(maxWorkers),
        jobWorkers: fc.integer({ min: 0, max: maxWorkers }),
        ingestTrigger: fc.constantFrom("fileArrival", "schedule"),
        ingestCron: cronArb,
        normalizeCron: cronArb,
        deleteCron: cronArb,
        timezone: fc.constantFrom("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"),
        // Prod schedules are always live.
        pauseSchedules: stack === "prod" ? fc.constant(false) : fc.boolean(),
        notificationEmails: fc.uniqueArray(emailArb, { minLength: shared(stack) ? 1 : 0, maxLength: 3 }),
        notificationWebhookUrl: fc.constantFrom(
          "https://hooks.example.com/h3-ml",
          "https://alerts.example.org:8443/x",
        ),
        jobTimeoutMinutes: fc.integer({ min: 5, max: 1440 }),
        jobMaxRetries: fc.integer({ min: 0, max: 10 }),
        jobRetryIntervalMinutes: fc.integer({ min: 1, max: 60 }),
        previewApplicationIds: fc.uniqueArray(fc.uuid(), { maxLength: 2 }),
        analystsGroup: fc.constantFrom("h3-analysts", "Data Science"),
        metastoreId: fc.uuid(),
        fileEvents: fc.boolean(),
        providerAuthType: fc.constantFrom("azure-cli", "github-oidc-azure", "azure-msi"),
        vnet: fc.uuid().map((subscription) => ({
          virtualNetworkId: `/subscriptions/${subscription}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub`,
          publicSubnetName: "databricks-host",
          privateSubnetName: "databricks-container",
        })),
        analyticsCluster: fc.integer({ min: 1, max: maxWorkers }).chain((minWorkers) =>
          fc.record(
            {
              nodeType: nodeTypeArb,
              minWorkers: fc.constant(minWorkers),
              maxWorkers: fc.integer({ min: minWorkers, max: maxWorkers }),
              autoterminationMinutes: fc.integer(AUTOTERMINATION_MINUTES),
            },
            { requiredKeys: ["minWorkers"] },
          ),
        ),
      },
      { requiredKeys: shared(stack) ? ["maxWorkers", "notificationEmails"] : ["maxWorkers"] },
    ),
  );

interface Generated {
  readonly stack: string;
  readonly raw: RawStackConfig;
}

// Built once: regex-based arbitraries are costly to construct, and `chain` would rebuild them per run.
const locationArb = fc.constantFrom("westeurope", "northeurope", "swedencentral", "germanywestcentral");
const namePrefixArb = fc.stringMatching(/^[a-z][a-z0-9]{1,7}$/);
const tagsArb = fc.dictionary(
  fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,15}$/),
  fc.stringMatching(/^[\w .-]{1,20}$/),
  {
    maxKeys: 3,
  },
);
const resourceGroupArb = fc.stringMatching(/^[a-z][a-z0-9-]{2,20}[a-z0-9]$/);
const storageSkuArb = fc.constantFrom("Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGZRS");
const ipRangesArb = fc.uniqueArray(ipRangeArb, { maxLength: 2 });

/** Configs the validator must accept; optional keys are often left out so defaults get exercised too. */
const validArb: fc.Arbitrary<Generated> = fc
  .tuple(stackArb, fc.integer({ min: SLA.min, max: SLA.max }))
  .chain(([stack, sla]) =>
    fc
      .record(
        {
          location: locationArb,
          // The team's word: the harness's backend is self-managed, where the program requires it.
          nameSeed: fc.constantFrom("h3-health", "team-b", "acme-data"),
          namePrefix: namePrefixArb,
          tags: tagsArb,
          deletionSlaDays: fc.constant(sla),
          resourceGroupName: resourceGroupArb,
          eventHubs: eventHubsArb(stack, sla),
          storage: fc.record(
            {
              sku: storageSkuArb,
              rawRetentionDays: fc.integer({ min: 1, max: sla }),
              networkDefaultAction: stack === "prod" ? fc.constant("Deny") : fc.constantFrom("Allow", "Deny"),
              allowedIpRanges: ipRangesArb,
            },
            { requiredKeys: [] },
          ),
          databricks: databricksArb(stack),
          // A personal stack shares dev's platform or copies it whole.
          ...(stack.startsWith("dev-")
            ? { personal: fc.record({ mode: fc.constantFrom("shared", "full") }) }
            : {}),
        },
        {
          requiredKeys: shared(stack)
            ? ["deletionSlaDays", "databricks", "eventHubs", "nameSeed", "resourceGroupName"]
            : ["deletionSlaDays", "personal", "eventHubs", "nameSeed"],
        },
      )
      .map((raw) => ({ stack, raw: raw as RawStackConfig })),
  );

/** One wrong value at one key. `key` is what the error must name. */
interface Corruption {
  readonly key: string;
  readonly value: unknown;
}

const bad = (key: string, ...values: unknown[]): fc.Arbitrary<Corruption> =>
  fc.constantFrom(...values).map((value) => ({ key, value }));

const CORRUPTIONS: readonly fc.Arbitrary<Corruption>[] = [
  bad("location", "West Europe", "eu", "", 42, true),
  bad("environment", "staging", "Prod", 7, ["prod"]),
  bad("namePrefix", "H3ml", "1abc", "waytoolongprefix", "a", "h3_ml", 3),
  bad(
    "tags",
    "costCenter=h3",
    ["h3"],
    { "bad/key": "v" },
    { owner: 5 },
    { owner: "x".repeat(600) },
    { "h3-ml-local-auth-reason": "legacy sender" },
  ),
  bad("deletionSlaDays", 0, SLA.min - 1, SLA.max + 1, 365, -7, 1.5, "thirty", ""),
  bad("resourceGroupName", "rg.", "a/b", "x".repeat(91), 12),
  bad("eventHubs.deployerPrincipalIds", ["ci"], "00000000-0000-0000-0000-000000000000", [3]),
  bad("eventHubs", 42, "Standard", [], true),
  bad("eventHubs.sku", "Basic", "standard", "Dedicated", 1),
  bad("eventHubs.capacity", 0, 41, -2, 3.5, "lots"),
  bad("eventHubs.partitionCount", 0, 33, "four", 2.5),
  bad("eventHubs.messageRetentionDays", 0, -1, 91, 365),
  bad(
    "eventHubs.hubs",
    "events",
    [],
    ["bad name!"],
    ["-events"],
    ["events."],
    ["x".repeat(257)],
    ["events", "events"],
    ["events", "EVENTS"],
    [42],
  ),
  bad("eventHubs.captureIntervalSeconds", 59, 901, 0, "5m"),
  bad("eventHubs.captureSizeLimitBytes", 1024, 600 * MIB, -1, "300MB"),
  bad("eventHubs.senderPrincipalIds", ["not-a-guid"], "00000000-0000-0000-0000-000000000000", [7]),
  bad("eventHubs.allowSasSender", "yes", 1, "TRUE"),
  bad("eventHubs.captureInterval", 300, "300"),
  bad("storage", 42, "Standard_LRS", [], false),
  bad("storage.sku", "Premium_LRS", "standard_lrs", 3),
  bad("storage.rawRetentionDays", 0, -1, 31, 400, 2.5, "week"),
  bad("storage.networkDefaultAction", "Block", "deny", 0),
  bad("storage.allowedIpRanges", ["10.0.0.0/31"], ["256.1.1.1"], "1.2.3.4", ["1.2.3.4", "1.2.3.4"]),
  bad("storage.retentionDays", 7),
  bad("databricks", 42, "17.3.x-scala2.13", [], true),
  bad("databricks.sparkVersion", "16.2.x-scala2.12", "17.3.x-scala2.12", "17.3 LTS", "latest", 17.3),
  bad("databricks.nodeType", "i3.xlarge", "Standard D4", "standard_d4ds_v5", 4),
  bad("databricks.maxWorkers", 0, 101, -3, 2.5, "many"),
  bad("databricks.jobWorkers", -1, 101, 1.5, "two"),
  bad("databricks.ingestTrigger", "manual", "FileArrival", 1),
  bad("databricks.ingestCron", "*/15 * * * *", "0 0 3 * * *", "every 15 minutes", 15),
  bad("databricks.normalizeCron", "0 61 * * * ?", "0 30 * ? * ?", ""),
  bad("databricks.deleteCron", "0 0 25 * * ?", "0 0 3 * * ? * 1", "daily"),
  bad("databricks.timezone", "Mars/Olympus", "Europe Berlin", 1),
  bad("databricks.pauseSchedules", "yes", 1, "TRUE"),
  bad(
    "databricks.notificationEmails",
    ["oncall"],
    "oncall@example.com",
    [1],
    ["a@example.com", "a@example.com"],
  ),
  bad("databricks.notificationWebhookUrl", "http://hooks.example.com/x", "hooks", 5),
  bad("databricks.jobTimeoutMinutes", 4, 1441, 0, "2h"),
  bad("databricks.jobMaxRetries", -1, 11, "twice"),
  bad("databricks.jobRetryIntervalMinutes", 0, 61, 0.5),
  bad("databricks.runAs", "sp-jobs", { ingest: "sp" }, 42),
  bad("databricks.accountId", "account", 7),
  bad("databricks.deployerApplicationId", "ci", "00000000-0000-0000-0000", 3),
  bad("databricks.adminGroup", " admins", 2),
  bad("databricks.oncallGroup", "a`b", 2),
  bad("databricks.deleteJobRunners", ["backend"], "00000000-0000-0000-0000-000000000000"),
  bad("databricks.ipAccessList", ["10.0.0.0/33"], "203.0.113.0/24", ["any"]),
  bad("databricks.privateFrontEnd", "pe", { subnetId: "subnet" }),
  bad("databricks.restrictWorkspaceAdmins", "yes", 1),
  bad("databricks.previewApplicationIds", ["ci-preview"], "00000000-0000-0000-0000-000000000000", [7]),
  bad("databricks.analystsGroup", " analysts", "a`b", 3),
  bad("databricks.metastoreId", "metastore", 7),
  bad("databricks.fileEvents", "on", 0),
  bad("databricks.providerAuthType", "Azure CLI", "x", 1),
  bad("databricks.vnet", "vnet-1", { virtualNetworkId: "hub" }, { publicSubnetName: "-host" }),
  bad("databricks.network", 3, { addressSpace: "10.0.0.0/8" }, { hostSubnetPrefix: "10.179.0.0/28" }),
  bad("databricks.analyticsCluster", 3, { autoterminationMinutes: 0 }, { minWorkers: 0 }, { idle: 20 }),
  bad("databricks.sparkVerison", "17.3.x-scala2.13"),
  // Whatever a key holds, an object of unknown settings is wrong for it: this also covers keys added later.
  ...CONFIG_KEYS.map((key) => bad(key, { notASetting: [] })),
];

const section = (key: string): string => key.split(".")[0] ?? key;

function corrupt(raw: RawStackConfig, corruptions: readonly Corruption[]): RawStackConfig {
  const out: Record<string, unknown> = structuredClone(raw);
  for (const { key, value } of corruptions) {
    const [top, field] = key.split(".") as [string, string | undefined];
    if (field === undefined) {
      out[top] = value;
    } else {
      const current = out[top];
      out[top] = { ...(current && typeof current === "object" ? current : {}), [field]: value };
    }
  }
  return out;
}

/** A valid config with one to three keys (in different sections, so they cannot mask each other) broken. */
const invalidArb = fc
  .tuple(
    validArb,
    fc.uniqueArray(fc.oneof(...CORRUPTIONS), { minLength: 1, maxLength: 3, selector: (c) => section(c.key) }),
  )
  .map(([valid, corruptions]) => ({ ...valid, corruptions, raw: corrupt(valid.raw, corruptions) }));

function rejection(raw: RawStackConfig, stack: string): ConfigError {
  try {
    parseStackConfig(raw, PROJECT, stack);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted an invalid config for ${stack}: ${JSON.stringify(raw)}`);
}

const isScalar = (value: unknown): boolean => ["string", "number", "boolean"].includes(typeof value);

/** Stack config overrides that replace every key the program reads, so the stack files cannot fill gaps. */
const overridesFor = (raw: RawStackConfig): Record<string, unknown> =>
  Object.fromEntries(CONFIG_KEYS.map((key) => [key, raw[key]]));

describe("config fuzzing", () => {
  it(`accepts every generated valid config (${INVALID_RUNS} runs)`, () => {
    fc.assert(
      fc.property(validArb, ({ stack, raw }) => {
        expect(parseStackConfig(raw, PROJECT, stack).stack).to.equal(stack);
      }),
      { numRuns: INVALID_RUNS, seed: SEED },
    );
  });

  it(`rejects ${INVALID_RUNS} generated invalid configs, each error naming its key, showing the value and the fix`, () => {
    let tried = 0;
    let problems = 0;
    const keysHit = new Set<string>();
    fc.assert(
      fc.property(invalidArb, ({ stack, raw, corruptions }) => {
        const error = rejection(raw, stack);
        tried += 1;
        problems += error.problems.length;
        for (const { key, value } of corruptions) {
          const named = error.problems.filter((p) => p.startsWith(key) || p.includes(` ${key}`));
          expect(named, `${key} = ${JSON.stringify(value)} on ${stack}:\n${error.message}`).to.not.deep.equal(
            [],
          );
          for (const p of named) expect(p).to.include("Fix:");
          // An unknown setting is reported by name; every other wrong scalar is shown as it was read.
          if (isScalar(value) && !named.some((p) => p.includes("is not a known setting"))) {
            expect(named.join("\n"), `${key} shows ${JSON.stringify(value)}`).to.include(
              JSON.stringify(value),
            );
          }
          keysHit.add(key);
        }
      }),
      { numRuns: INVALID_RUNS, seed: SEED },
    );
    expect(tried).to.equal(INVALID_RUNS);
    for (const key of CONFIG_KEYS) expect([...keysHit], `config key ${key} was fuzzed`).to.include(key);
    console.log(
      `      config fuzzing: ${tried} invalid configs rejected (${problems} problems, ${keysHit.size} keys broken)`,
    );
  });

  it("fails before registering any resource when the program gets an invalid config", async () => {
    // Pulumi hands top-level scalars to the program as text, so only corruptions that survive that are used.
    const samples = fc
      .sample(invalidArb, { numRuns: 400, seed: SEED })
      .filter((s) => s.corruptions.every((c) => c.key.includes(".") || typeof c.value === "string"))
      .slice(0, PROGRAM_REJECTIONS);
    expect(samples).to.have.length(PROGRAM_REJECTIONS);
    for (const { stack, raw, corruptions } of samples) {
      const run = evaluateProgram(stack, { config: overridesFor(raw) });
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${stack}: ${JSON.stringify(corruptions)}`).to.be.instanceOf(EvaluationError);
      const { registrations, message } = error as EvaluationError;
      expect(registrations.map((r) => r.type)).to.deep.equal([]);
      for (const { key } of corruptions) expect(message).to.include(key);
    }
    console.log(
      `      config fuzzing: ${samples.length} invalid configs stopped the program before any resource`,
    );
  });

  it(`plans ${VALID_PLANS} generated valid configs under mocks, each passing the policy pack`, async () => {
    const samples = fc.sample(validArb, { numRuns: VALID_PLANS, seed: SEED });
    // A shared personal stack's jobs take dev's runtime and fit dev's worker cap (the personal stack contract).
    const devContract = MOCK_DEV_OUTPUTS.personalStack as { sparkVersion: string; maxWorkers: number };
    let refusedWorkers = 0;
    for (const { stack, raw } of samples) {
      const hubs = (raw.eventHubs as { hubs?: string[] } | undefined)?.hubs ?? ["events"];
      const shared =
        stack.startsWith("dev-") && (raw.personal as { mode?: string } | undefined)?.mode !== "full";
      const dbx = (raw.databricks ?? {}) as {
        sparkVersion?: string;
        maxWorkers: number;
        jobWorkers?: number;
      };
      const run = evaluateProgram(stack, { config: overridesFor(raw) });
      if (shared && (dbx.jobWorkers ?? 0) > devContract.maxWorkers) {
        const refusal = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(String(refusal)).to.include(`databricks.jobWorkers must be at most ${devContract.maxWorkers}`);
        refusedWorkers++;
        continue;
      }
      const evaluation = await run;
      // The plan is the generated config's, not a default one; a shared personal stack has its one hub.
      expect(evaluation.registrations.filter((r) => r.type === TYPES.eventHub)).to.have.length(
        shared ? 1 : hubs.length,
      );
      const jobs = evaluation.registrations.filter((r) => r.type === TYPES.job);
      expect(jobs.map((j) => j.inputs.jobClusters[0].newCluster.sparkVersion)).to.deep.equal(
        jobs.map(() => (shared ? devContract.sparkVersion : (dbx.sparkVersion ?? DEFAULT_SPARK_VERSION))),
      );
      const violations = checkRegistrations(stack, evaluation.registrations).map((v) => v.message);
      expect(violations, `${stack}: ${JSON.stringify(raw)}`).to.deep.equal([]);
    }
    console.log(
      `      config fuzzing: ${samples.length - refusedWorkers} valid configs planned, 0 policy violations; ` +
        `${refusedWorkers} shared personal stacks asking for more workers than dev's policy allows refused`,
    );
    // About a second per plan: the suite-wide minute is too tight on a slow runner.
  }).timeout(180_000);
});
