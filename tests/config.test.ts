import { expect } from "chai";
import { ConfigError, parseStackConfig, type RawStackConfig } from "../config/config";
import { parseDatabricks } from "../config/databricks";
import { Problems } from "../config/fields";
import JOB_PARAMETERS from "../notebooks/h3_ml/job_parameters.json";
import { environmentOfStack } from "../policy/vocabulary/stacks";
import { PROD_ACCESS, withDefaults } from "./support";

/** Why deletionSlaDays has the range it has, as the message says it. */
const SLA_WHY = "the range the jobs accept: at least Delta's 7-day VACUUM minimum plus 2 days of schedule";

/** What every shared stack (dev, prod) must set; a config under test about something else gets it. */
const SHARED_STACK_MUSTS = {
  eventHubs: {
    deployerPrincipalIds: ["00000000-0000-4000-8000-0000000000c1"],
    // A namespace firewall that denies names its senders.
    allowedIpRanges: ["203.0.113.0/24"],
  },
  databricks: { notificationEmails: ["oncall@example.com"] },
} as const;

function isSection(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * `raw` with what its stack must set added where it sets nothing itself: a shared stack's deployers and
 * recipients, a personal stack's mode (`make stack-new` writes it).
 */
function withMusts(raw: RawStackConfig, stack: string): RawStackConfig {
  // The environment the parser settles on: a valid explicit one, else the stack name's.
  const explicit = ["dev", "prod", "personal"].includes(raw.environment as string)
    ? raw.environment
    : undefined;
  const environment = explicit ?? environmentOfStack(stack);
  if (environment === "personal")
    return raw.personal === undefined ? { ...raw, personal: { mode: "shared" } } : raw;
  if (environment !== "dev" && environment !== "prod") return raw;
  // The group the owner created for the stack, named unless the test is about it.
  const withGroup =
    "resourceGroupName" in raw ? raw : { ...raw, resourceGroupName: `h3ml-${environment}-rg` };
  const hubs = withGroup.eventHubs ?? {};
  const withDeployers =
    !isSection(hubs) || "deployerPrincipalIds" in hubs
      ? withGroup
      : { ...withGroup, eventHubs: { ...SHARED_STACK_MUSTS.eventHubs, ...hubs } };
  const dbx = raw.databricks ?? {};
  if (!isSection(dbx)) return withDeployers;
  const recipients =
    "notificationEmails" in dbx || "notificationWebhookUrl" in dbx
      ? dbx
      : { ...SHARED_STACK_MUSTS.databricks, ...dbx };
  return {
    ...withDeployers,
    databricks: environment === "prod" ? withDefaults(recipients, PROD_ACCESS) : recipients,
  };
}

function parse(raw: RawStackConfig, project: string, stack: string) {
  return parseStackConfig(withMusts(raw, stack), project, stack);
}

function problemsOf(raw: RawStackConfig, stack = "dev"): readonly string[] {
  try {
    parse(raw, "h3-ml", stack);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  expect.fail("expected a ConfigError");
}

describe("stack config", () => {
  // A shared stack names the identities that create its hubs; nothing is read from the caller.
  it("refuses a shared stack that names no deployer, giving the command", () => {
    for (const stack of ["dev", "prod"]) {
      const raw = { eventHubs: { deployerPrincipalIds: [], allowedIpRanges: ["203.0.113.0/24"] } };
      expect(problemsOf(raw, stack)).to.deep.equal([
        `eventHubs.deployerPrincipalIds must be at least one object id on the shared ${stack} stack, got []: creating an ` +
          "event hub with Capture checks that the caller may write to the capture storage account. " +
          "Fix: pulumi config set --path 'eventHubs.deployerPrincipalIds[0]' <object id of the CI service principal>",
      ]);
    }
    expect(parse({}, "h3-ml", "dev-alice").eventHubs.deployerPrincipalIds).to.deep.equal([]);
  });

  // Azure reads a Deny namespace rule set without IP or virtual network rules as open to every address
  // (https://learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering, "Important points").
  // The deployer's rights are on the stack's resource group only (docs/deployment.md, "Deployer rights").
  it("refuses a shared stack that names no existing resource group, and lets a personal stack create its own", () => {
    const withoutGroup = { resourceGroupName: undefined };
    expect(problemsOf(withoutGroup, "prod")).to.deep.equal([
      "resourceGroupName must be the existing resource group of the shared prod stack, got undefined: its " +
        "deployer's rights are on that group only, so it cannot create one; npm run deployer-rights -- prod " +
        "prints the commands that create it. Fix: pulumi config set resourceGroupName h3ml-prod-rg",
    ]);
    expect(parse({}, "h3-ml", "dev-alice").resourceGroupName).to.equal(undefined);
  });

  it("refuses a namespace firewall that denies and names no sender, on every stack that creates a namespace", () => {
    const denyingAll = {
      eventHubs: { deployerPrincipalIds: SHARED_STACK_MUSTS.eventHubs.deployerPrincipalIds },
    };
    expect(problemsOf(denyingAll, "prod")).to.deep.equal([
      "eventHubs.allowedIpRanges must be at least one sender address while eventHubs.networkDefaultAction is " +
        "Deny, got undefined: Azure reads a Deny without rules as open to every address. Fix: pulumi config set " +
        "--path 'eventHubs.allowedIpRanges[0]' <the senders' egress address or range>",
    ]);
    expect(problemsOf(denyingAll, "dev")).to.deep.equal([
      "eventHubs.networkDefaultAction must be Allow (the named override) when eventHubs.allowedIpRanges names no " +
        "sender, got undefined: Azure reads a Deny without rules as open to every address; or list the senders' " +
        "addresses in eventHubs.allowedIpRanges. Fix: pulumi config set --path eventHubs.networkDefaultAction Allow",
    ]);
    expect(problemsOf({ personal: { mode: "full" } }, "dev-alice")).to.have.length(1);
    // A shared personal stack creates no namespace: it adds a hub to dev's.
    expect(() => parse({ personal: { mode: "shared" } }, "h3-ml", "dev-alice")).to.not.throw();
    // The named override opens it, outside prod only.
    const open = { eventHubs: { ...denyingAll.eventHubs, networkDefaultAction: "Allow" } };
    expect(() => parse(withMusts(open, "dev"), "h3-ml", "dev")).to.not.throw();
    expect(problemsOf(open, "prod")).to.deep.equal([
      'eventHubs.networkDefaultAction must be "Deny" in prod, got "Allow": prod\'s namespace takes events from its ' +
        "senders' addresses only. Fix: pulumi config set --path eventHubs.networkDefaultAction Deny",
    ]);
  });

  describe("defaults", () => {
    it("gives a dev stack secure, small settings", () => {
      const config = parse({}, "h3-ml", "dev");
      expect(config).to.deep.equal({
        project: "h3-ml",
        stack: "dev",
        location: "westeurope",
        environment: "dev",
        nameSeed: undefined,
        namePrefix: "h3ml",
        tags: {},
        deletionSlaDays: 30,
        resourceGroupName: "h3ml-dev-rg",
        eventHubs: {
          sku: "Standard",
          capacity: 1,
          partitionCount: 1,
          messageRetentionDays: 1,
          hubs: ["events"],
          captureIntervalSeconds: 300,
          captureSizeLimitBytes: 314572800,
          senderPrincipalIds: [],
          allowSasSender: false,
          deployerPrincipalIds: SHARED_STACK_MUSTS.eventHubs.deployerPrincipalIds,
          // The namespace firewall denies all but its senders' addresses unless a stack opens it by name.
          networkDefaultAction: "Deny",
          allowedIpRanges: SHARED_STACK_MUSTS.eventHubs.allowedIpRanges,
        },
        storage: {
          sku: "Standard_LRS",
          rawRetentionDays: 7,
          networkDefaultAction: "Deny",
          allowedIpRanges: [],
        },
        databricks: parseDatabricks(SHARED_STACK_MUSTS.databricks, "dev", new Problems()),
        diagnostics: { retentionDays: 30, logAnalyticsWorkspaceId: undefined },
        developers: undefined,
        personal: undefined,
      });
    });

    // A bare `dev`: the program qualifies it with the stack's own organization (config/naming.ts), the one name
    // that resolves on Pulumi Cloud and on a self-managed backend alike (pulumi/pulumi#2522).
    it("builds a personal stack as its personal.mode says, reading dev's stack by its default name", () => {
      expect(parse({ personal: { mode: "shared" } }, "h3-ml", "dev-alice").personal).to.deep.equal({
        mode: "shared",
        devStack: "dev",
      });
      expect(
        parse({ personal: { mode: "shared", devStack: "dev-eu" } }, "h3-ml", "dev-alice").personal?.devStack,
      ).to.equal("dev-eu");
      expect(
        parse(
          {
            personal: { mode: "full", devStack: "h3/h3-ml/dev" },
            eventHubs: { networkDefaultAction: "Allow" },
          },
          "h3-ml",
          "dev-alice",
        ).personal,
      ).to.deep.equal({ mode: "full", devStack: "h3/h3-ml/dev" });
    });

    // A stack file that lost the key would otherwise turn a full copy into a shared stack, whose next `up` deletes
    // the copy's namespace, workspace, storage and catalog.
    it("refuses a personal stack that does not say its mode, giving both commands", () => {
      const refusal =
        "personal.mode must be set to one of shared, full: a personal stack states whether it builds on the dev " +
        "stack's platform or copies it whole. Fix: pulumi config set --path personal.mode shared, or " +
        "pulumi config set --path personal.mode full";
      for (const personal of [{}, { devStack: "organization/h3-ml/dev" }, null]) {
        expect(problemsOf({ personal }, "dev-alice"), JSON.stringify(personal)).to.deep.equal([refusal]);
      }
      expect(problemsOf({ environment: "personal", personal: {} }, "sandbox")).to.deep.equal([refusal]);
    });

    it("lets a Premium hub keep events as long as the deletion SLA, and no longer", () => {
      const premium = (deletionSlaDays: number, messageRetentionDays: number) =>
        parse({ deletionSlaDays, eventHubs: { sku: "Premium", messageRetentionDays } }, "h3-ml", "prod")
          .eventHubs;
      expect(premium(30, 30).messageRetentionDays).to.equal(30);
      expect(premium(12, 12).messageRetentionDays).to.equal(12);
      expect(() => premium(12, 13)).to.throw(
        ConfigError,
        /eventHubs\.messageRetentionDays .*deletionSlaDays/,
      );
    });

    it("gives prod more partitions and a week of retention", () => {
      const config = parse({}, "h3-ml", "prod");
      expect(config.environment).to.equal("prod");
      expect(config.eventHubs).to.include({ partitionCount: 4, messageRetentionDays: 7 });
    });

    it("keeps a personal stack's raw events one day", () => {
      const config = parse({}, "h3-ml", "dev-alice");
      expect(config.environment).to.equal("personal");
      expect(config.storage.rawRetentionDays).to.equal(1);
    });

    it("accepts numbers and booleans as the strings Pulumi passes", () => {
      const config = parse(
        { deletionSlaDays: "14", eventHubs: { partitionCount: "8", allowSasSender: "true" } },
        "h3-ml",
        "dev",
      );
      expect(config.deletionSlaDays).to.equal(14);
      expect(config.eventHubs.partitionCount).to.equal(8);
      expect(config.eventHubs.allowSasSender).to.equal(true);
      expect(config.storage.rawRetentionDays).to.equal(7);
    });

    it("keeps raw events a week by default, within the shortest deletion SLA the jobs accept", () => {
      const shortest = JOB_PARAMETERS.deletion_sla_days.min;
      expect(parse({ deletionSlaDays: shortest }, "h3-ml", "dev").storage.rawRetentionDays).to.equal(7);
    });

    it("returns a frozen object, sections included", () => {
      const config = parse({ eventHubs: { hubs: ["a", "b"] } }, "h3-ml", "dev");
      expect(Object.isFrozen(config)).to.equal(true);
      expect(Object.isFrozen(config.eventHubs)).to.equal(true);
      expect(Object.isFrozen(config.eventHubs.hubs)).to.equal(true);
    });

    it("accepts event hub names at the edges of Azure's rules", () => {
      const hubs = ["a", "h".repeat(256), "events.v1_raw-2", "Audit", "9"];
      expect(parse({ eventHubs: { hubs } }, "h3-ml", "dev").eventHubs.hubs).to.deep.equal(hubs);
    });

    it("lets an explicit environment win over the stack name", () => {
      expect(parse({ environment: "dev" }, "h3-ml", "staging").environment).to.equal("dev");
      expect(parse({ environment: "" }, "h3-ml", "dev-bob").environment).to.equal("personal");
    });
  });

  describe("environment derived from the stack name", () => {
    for (const [stack, environment] of [
      ["prod", "prod"],
      ["dev", "dev"],
      ["dev-alice", "personal"],
      ["dev-Alice.2", "personal"],
      ["staging", undefined],
      ["dev-", undefined],
      ["Dev", undefined],
    ] as const) {
      it(`${stack} -> ${environment ?? "none"}`, () => {
        expect(environmentOfStack(stack)).to.equal(environment);
      });
    }
  });

  describe("rules", () => {
    const cases: { when: string; raw: RawStackConfig; stack?: string; message: string }[] = [
      {
        when: "eventHubs.captureIntervalSeconds is below 60",
        raw: { eventHubs: { captureIntervalSeconds: 30 } },
        message:
          "eventHubs.captureIntervalSeconds must be an integer in 60..900, got 30. " +
          "Fix: pulumi config set --path eventHubs.captureIntervalSeconds 300",
      },
      {
        when: "eventHubs.captureIntervalSeconds is above 900",
        raw: { eventHubs: { captureIntervalSeconds: 901 } },
        message: "eventHubs.captureIntervalSeconds must be an integer in 60..900, got 901.",
      },
      {
        when: "eventHubs.sku is Basic",
        raw: { eventHubs: { sku: "Basic" } },
        message:
          'eventHubs.sku must be one of Standard, Premium (Basic has no Capture), got "Basic". ' +
          "Fix: pulumi config set --path eventHubs.sku Standard",
      },
      {
        when: "eventHubs.partitionCount is 0",
        raw: { eventHubs: { partitionCount: 0 } },
        message: "eventHubs.partitionCount must be an integer in 1..32, got 0.",
      },
      {
        when: "eventHubs.partitionCount is 33",
        raw: { eventHubs: { partitionCount: 33 } },
        message: "eventHubs.partitionCount must be an integer in 1..32, got 33.",
      },
      {
        when: "eventHubs.partitionCount is not a whole number",
        raw: { eventHubs: { partitionCount: "two" } },
        message: 'eventHubs.partitionCount must be an integer in 1..32, got "two".',
      },
      {
        when: "eventHubs.capacity is above 40 on Standard",
        raw: { eventHubs: { capacity: 41 } },
        message:
          "eventHubs.capacity must be an integer in 1..40 (throughput units; Premium: 1, 2, 4, 8 or 16 processing units), got 41. " +
          "Fix: pulumi config set --path eventHubs.capacity 1",
      },
      {
        when: "eventHubs.capacity is not a power of two on Premium",
        raw: { eventHubs: { sku: "Premium", capacity: 3 } },
        message: "eventHubs.capacity must be 1, 2, 4, 8 or 16 processing units for Premium, got 3.",
      },
      {
        when: "eventHubs.messageRetentionDays exceeds Standard's 7 days",
        raw: { eventHubs: { messageRetentionDays: 8 } },
        message: "eventHubs.messageRetentionDays must be an integer in 1..7 for Standard, got 8.",
      },
      {
        when: "a Premium hub keeps events longer than the deletion SLA",
        raw: { eventHubs: { sku: "Premium", messageRetentionDays: 31 } },
        message:
          "eventHubs.messageRetentionDays must be an integer in 1..30 (Standard: at most 7; at most deletionSlaDays, " +
          "as a hub keeps every event its full retention and nothing deletes it sooner), got 31. " +
          "Fix: pulumi config set --path eventHubs.messageRetentionDays 1",
      },
      {
        when: "a Premium hub keeps events longer than a shorter deletion SLA",
        raw: { deletionSlaDays: 10, eventHubs: { sku: "Premium", messageRetentionDays: 11 } },
        stack: "prod",
        message:
          "eventHubs.messageRetentionDays must be an integer in 1..10 (Standard: at most 7; at most deletionSlaDays,",
      },
      {
        when: "eventHubs.captureSizeLimitBytes is under 10 MiB",
        raw: { eventHubs: { captureSizeLimitBytes: 1048576 } },
        message:
          "eventHubs.captureSizeLimitBytes must be an integer in 10485760..524288000 (10 MiB..500 MiB), got 1048576.",
      },
      {
        when: "eventHubs.captureSizeLimitBytes is over 500 MiB",
        raw: { eventHubs: { captureSizeLimitBytes: 524288001 } },
        message: "got 524288001",
      },
      {
        when: "an eventHubs.hubs name has a space",
        raw: { eventHubs: { hubs: ["events", "bad name"] } },
        message: "eventHubs.hubs[1] must be an event hub name",
      },
      {
        when: "eventHubs.hubs lists a name twice",
        raw: { eventHubs: { hubs: ["events", "events"] } },
        message: 'eventHubs.hubs[1] must be unique in the list, got "events": it is listed twice.',
      },
      {
        when: "eventHubs.hubs is empty",
        raw: { eventHubs: { hubs: [] } },
        message:
          "eventHubs.hubs must be a list of at least one item, got []: a stack without a hub ingests nothing. " +
          "Fix: pulumi config set --path 'eventHubs.hubs[0]' events",
      },
      {
        when: "eventHubs.hubs lists one name twice in different case",
        raw: { eventHubs: { hubs: ["events", "audit", "Events"] } },
        message:
          'eventHubs.hubs[2] must be unique in the list, ignoring case, got "Events": Azure takes it for "events". ' +
          "Fix: pulumi config set --path 'eventHubs.hubs[2]' <another value>",
      },
      ...[".events", "events-", "_events", "ev/ents", "h".repeat(257)].map((name) => ({
        when: `an eventHubs.hubs name breaks Event Hubs' naming rules (${name.length > 20 ? "257 characters" : name})`,
        raw: { eventHubs: { hubs: [name] } },
        message:
          "eventHubs.hubs[0] must be an event hub name of 1-256 letters, digits, '.', '-', '_', starting and " +
          `ending with a letter or digit, got ${JSON.stringify(name)}. Fix: pulumi config set --path 'eventHubs.hubs[0]' events`,
      })),
      {
        when: "eventHubs.hubs is not a list",
        raw: { eventHubs: { hubs: "events" } },
        message: "eventHubs.hubs must be a list, each item an event hub name",
      },
      {
        when: "eventHubs.senderPrincipalIds has a non-GUID",
        raw: { eventHubs: { senderPrincipalIds: ["backend-app"] } },
        message: 'eventHubs.senderPrincipalIds[0] must be an Entra object id (GUID), got "backend-app".',
      },
      {
        when: "eventHubs.allowSasSender is not a boolean",
        raw: { eventHubs: { allowSasSender: "yes" } },
        message: 'eventHubs.allowSasSender must be true or false, got "yes".',
      },
      {
        when: "eventHubs has an unknown field",
        raw: { eventHubs: { partitonCount: 4 } },
        message: "eventHubs.partitonCount is not a known setting (known: sku, capacity, partitionCount,",
      },
      {
        when: "eventHubs is not an object",
        raw: { eventHubs: "Standard" },
        message: 'eventHubs must be an object of settings, got "Standard".',
      },
      {
        when: "deletionSlaDays is 0",
        raw: { deletionSlaDays: 0 },
        message: `deletionSlaDays must be an integer in 9..30 (${SLA_WHY}), got 0. Fix: pulumi config set deletionSlaDays 30`,
      },
      {
        // The jobs refuse it at run time (notebooks/h3_ml/job_parameters.json); the config refuses it first.
        when: "deletionSlaDays is under what the jobs accept",
        raw: { deletionSlaDays: 8 },
        message: `deletionSlaDays must be an integer in 9..30 (${SLA_WHY}), got 8. Fix: pulumi config set deletionSlaDays 30`,
      },
      {
        when: "deletionSlaDays is 31",
        raw: { deletionSlaDays: 31 },
        message: "deletionSlaDays must be an integer in 9..30",
      },
      {
        when: "storage.rawRetentionDays exceeds deletionSlaDays",
        raw: { deletionSlaDays: 10, storage: { rawRetentionDays: 11 } },
        message:
          "storage.rawRetentionDays must be an integer in 1..10 (at most deletionSlaDays, so raw events age out in time), got 11.",
      },
      {
        when: "storage.rawRetentionDays is 0",
        raw: { storage: { rawRetentionDays: 0 } },
        message: "storage.rawRetentionDays must be an integer in 1..30 (at most deletionSlaDays",
      },
      {
        when: "storage.sku is a Premium SKU",
        raw: { storage: { sku: "Premium_LRS" } },
        message:
          'storage.sku must be one of Standard_LRS, Standard_ZRS, Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS, got "Premium_LRS".',
      },
      {
        when: "storage.networkDefaultAction is neither Allow nor Deny",
        raw: { storage: { networkDefaultAction: "Open" } },
        message:
          'storage.networkDefaultAction must be one of Deny, Allow (Allow is a named override), got "Open". ' +
          "Fix: pulumi config set --path storage.networkDefaultAction Deny",
      },
      {
        when: "prod opens the storage firewall",
        raw: { storage: { networkDefaultAction: "Allow" } },
        stack: "prod",
        message:
          'storage.networkDefaultAction must be "Deny" in prod, got "Allow": prod storage stays behind its firewall. ' +
          "Fix: pulumi config set --path storage.networkDefaultAction Deny",
      },
      {
        when: "storage.allowedIpRanges has a /32",
        raw: { storage: { allowedIpRanges: ["203.0.113.7/32"] } },
        message:
          'storage.allowedIpRanges[0] must be a public IPv4 address or CIDR range up to /30, got "203.0.113.7/32".',
      },
      {
        when: "personal.mode is neither shared nor full",
        raw: { personal: { mode: "copy" } },
        stack: "dev-alice",
        message:
          'personal.mode must be one of shared, full, got "copy". Fix: pulumi config set --path personal.mode shared',
      },
      {
        when: "personal.devStack is neither a stack name nor fully qualified",
        raw: { personal: { mode: "shared", devStack: "acme/dev" } },
        stack: "dev-alice",
        message:
          "personal.devStack must be a stack name of this project (dev), or a fully qualified " +
          '<organization>/<project>/<stack>, got "acme/dev". Fix: pulumi config set --path personal.devStack dev',
      },
      {
        when: "a shared stack sets personal",
        raw: { personal: { mode: "full" } },
        stack: "dev",
        message:
          'personal is read on personal stacks only, got {"mode":"full"} on a dev stack. Fix: pulumi config rm personal',
      },
      {
        when: "prod sets developers",
        raw: { developers: { accountGroup: "h3-developers" } },
        stack: "prod",
        message:
          'developers is read on dev stacks only (personal stacks share dev), got {"accountGroup":"h3-developers"} on a prod stack. ' +
          "Fix: pulumi config rm developers",
      },
      {
        when: "developers names only the account group",
        raw: { developers: { accountGroup: "h3-developers" } },
        message:
          "developers.entraGroupObjectId must be set to an Entra group object id (GUID): personal stacks need both grants. " +
          "Fix: pulumi config set --path developers.entraGroupObjectId 00000000-0000-0000-0000-000000000000",
      },
      {
        when: "environment is not one of dev, prod, personal",
        raw: { environment: "staging" },
        message:
          'environment must be one of dev, prod, personal, got "staging". Fix: pulumi config set environment dev',
      },
      {
        when: "environment cannot be derived from the stack name",
        raw: {},
        stack: "staging",
        message:
          'environment is not set and cannot be derived from stack name "staging" (only "dev", "prod" and ' +
          '"dev-<name>" are recognised). Fix: pulumi config set environment dev|prod|personal',
      },
      {
        when: "namePrefix has capitals",
        raw: { namePrefix: "H3" },
        message: "namePrefix must be 2-8 lowercase letters or digits starting with a letter",
      },
      {
        when: "namePrefix is too long for a storage account name",
        raw: { namePrefix: "h3platform" },
        message: 'got "h3platform"',
      },
      {
        when: "location is not a region name",
        raw: { location: "West Europe" },
        message: 'location must be an Azure region name such as westeurope, got "West Europe".',
      },
      {
        when: "resourceGroupName ends with a period",
        raw: { resourceGroupName: "my-rg." },
        message: "resourceGroupName must be an existing resource group name",
      },
      {
        when: "a tag value is not text",
        raw: { tags: { owner: 7 } },
        message:
          'tags.owner must be text of at most 256 characters, got 7. Fix: pulumi config set --path tags.owner "<value>"',
      },
      {
        when: "tags set the local-auth marker, which only eventHubs.allowSasSender may set",
        raw: { tags: { "h3-ml-local-auth-reason": "legacy sender" } },
        message:
          "tags.h3-ml-local-auth-reason is reserved: the program sets it on the Event Hubs namespace when " +
          'eventHubs.allowSasSender is true (set that if a sender needs SAS), got "legacy sender". ' +
          "Fix: pulumi config rm --path tags.h3-ml-local-auth-reason",
      },
    ];

    for (const c of cases) {
      it(`fails when ${c.when}`, () => {
        const problems = problemsOf(c.raw, c.stack);
        expect(problems, problems.join("\n")).to.have.length(1);
        expect(problems[0]).to.contain(c.message);
      });
    }

    it("collects every problem instead of stopping at the first", () => {
      const problems = problemsOf({
        deletionSlaDays: 0,
        namePrefix: "X",
        eventHubs: { sku: "Basic", captureIntervalSeconds: 30, partitionCount: 64 },
        storage: { networkDefaultAction: "Open" },
      });
      // In the order the schema declares the keys.
      expect(problems.map((p) => p.split(" ")[0])).to.deep.equal([
        "namePrefix",
        "deletionSlaDays",
        "eventHubs.sku",
        "eventHubs.partitionCount",
        "eventHubs.captureIntervalSeconds",
        "storage.networkDefaultAction",
      ]);
    });

    it("lists every problem in the error message, naming the stack", () => {
      expect(() => parse({ deletionSlaDays: 0, eventHubs: { sku: "Basic" } }, "h3-ml", "dev")).to.throw(
        ConfigError,
        /^Stack "dev" has 2 config problem\(s\):\n {2}- deletionSlaDays .*\n {2}- eventHubs\.sku /,
      );
    });
  });
});
