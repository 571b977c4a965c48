/**
 * The policy pack over the real program: the dev, prod and a personal stack pass every rule; stateful
 * resources are protected in prod and only there; a deliberately insecure change is caught by name; and no
 * secret value is readable in stack outputs, plans, the plan log or the stack config files.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { parse } from "yaml";
import { DataLake } from "../components/dataLake";
import { SAS_SENDER_REASON } from "../components/eventIngestion";
import { readStackConfig, standardTags } from "../config/config";
import { resourceNames } from "../config/naming";
import { TYPES } from "../policy/core";
import { RULES } from "../policy/rules";
import { STATEFUL_TYPES } from "../policy/rules/prodStatefulProtected";
import { LOCAL_AUTH_REASON_TAG } from "../policy/vocabulary/tags";
import { PLANS_DIR, planJson, redact } from "../scripts/lib/planFiles";
import { renderPlan } from "../scripts/lib/planText";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";
import { type Evaluation, evaluate, evaluateProgram } from "./harness/mockProgram";
import { checkedCount, checkRegistrations } from "./harness/policyCheck";
import { findSecrets, SECRET_KEY_NAME } from "./harness/secrets";
import { evaluated, FULL_COPY, resource, SHARED_MODE, sectionWith } from "./support";

const violationsOf = (evaluation: Evaluation): string[] =>
  checkRegistrations(evaluation.stack, evaluation.registrations).map((v) => v.message);

const STACKS = ["dev", "prod", "dev-alice"] as const;
/** What every stack must contain for "zero violations" to mean something. */
const MUST_BE_CHECKED = [
  TYPES.storageAccount,
  TYPES.managementPolicy,
  TYPES.eventHubsNamespace,
  TYPES.eventHub,
  TYPES.roleAssignment,
];

describe("guardrails over the program", () => {
  const evaluations = new Map<string, Evaluation>();

  before(async () => {
    // dev-alice is a full copy here: the rules about stateful resources need one.
    for (const stack of STACKS) {
      evaluations.set(stack, await evaluated(stack, stack === "dev-alice" ? { config: FULL_COPY } : {}));
    }
  });

  const of = (stack: string): Evaluation => evaluations.get(stack) as Evaluation;

  for (const stack of STACKS) {
    it(`passes every rule of the pack on ${stack}`, () => {
      const types = new Set(of(stack).registrations.map((r) => r.type));
      for (const type of MUST_BE_CHECKED) expect([...types], `${stack} registers ${type}`).to.include(type);
      expect(violationsOf(of(stack))).to.deep.equal([]);
      console.log(
        `      ${stack}: ${checkedCount(of(stack).registrations)} resources checked against ${RULES.length} rules, 0 violations`,
      );
    });
  }

  describe("prod protection", () => {
    /** Prod protects its stateful resources; dev and personal stacks protect nothing (docs/deployment.md). */
    const PROTECTED: Readonly<Record<(typeof STACKS)[number], boolean>> = {
      prod: true,
      dev: false,
      "dev-alice": false,
    };
    /** The stateful resources of the program by type and logical name: containers, hubs, the connector and the volume too. */
    const STATEFUL = [
      `${TYPES.storageAccount} lake-account`,
      `${TYPES.blobContainer} lake-capture`,
      `${TYPES.blobContainer} lake-lake`,
      `${TYPES.eventHubsNamespace} ingestion-namespace`,
      `${TYPES.eventHub} ingestion-events`,
      `${TYPES.workspace} databricks-workspace`,
      `${TYPES.accessConnector} databricks-access-connector`,
      `${TYPES.catalog} unity-catalog-catalog`,
      `${TYPES.volume} unity-catalog-checkpoints`,
      `${TYPES.logAnalyticsWorkspace} diagnostics-workspace`,
    ];

    for (const stack of STACKS) {
      const protectedHere = PROTECTED[stack];
      it(`${protectedHere ? "protects" : "leaves unprotected"} the storage account, containers, namespace, hubs, workspace, connector, catalog and checkpoints on ${stack}`, () => {
        const stateful = of(stack).registrations.filter((r) => STATEFUL_TYPES.includes(r.type));
        expect(stateful.map((r) => `${r.type} ${r.name}: ${r.protect}`).sort()).to.deep.equal(
          STATEFUL.map((r) => `${r}: ${protectedHere}`).sort(),
        );
      });

      it(`protects nothing but those on ${stack}`, () => {
        const others = of(stack).registrations.filter((r) => r.protect && !STATEFUL_TYPES.includes(r.type));
        expect(others.map((r) => `${r.type} ${r.name}`)).to.deep.equal([]);
      });
    }
  });

  describe("a deliberately insecure change", () => {
    /** The lake as index.ts builds it, with `change` applied to its storage account's inputs. */
    const insecureLake = (stack: string, change: Record<string, unknown>) =>
      evaluate(
        stack,
        () => {
          const config = readStackConfig();
          const publicBlobs: pulumi.ResourceTransformation = (args) =>
            args.type === TYPES.storageAccount
              ? { props: { ...args.props, ...change }, opts: args.opts }
              : undefined;
          return new DataLake(
            "lake",
            {
              resourceGroupName: "h3ml-rg",
              location: config.location,
              accountName: resourceNames({ ...config, organization: "organization" }).storageAccount,
              sku: config.storage.sku,
              rawRetentionDays: config.storage.rawRetentionDays,
              networkDefaultAction: config.storage.networkDefaultAction,
              allowedIpRanges: [...config.storage.allowedIpRanges],
              resourceAccessRules: [],
              virtualNetworkSubnetIds: [],
              tags: standardTags(config),
              protect: config.environment === "prod",
            },
            { transformations: [publicBlobs] },
          );
        },
        { config: stack.startsWith("dev-") ? SHARED_MODE : {} },
      );

    it("fails when the lake's storage account allows public blob access, naming the rule", async () => {
      const lake = await insecureLake("prod", { allowBlobPublicAccess: true });
      expect(violationsOf(lake)).to.deep.equal([
        "[storage-no-public-blob-access] lake-account: allowBlobPublicAccess must be false, got true. " +
          "Fix: set allowBlobPublicAccess: false",
      ]);
    });

    it("fails when shared keys are turned back on, on a personal stack too", async () => {
      const lake = await insecureLake("dev-alice", { allowSharedKeyAccess: true });
      expect(violationsOf(lake)).to.have.length(1);
      expect(violationsOf(lake)[0]).to.match(
        /^\[storage-shared-key-disabled\] lake-account: allowSharedKeyAccess/,
      );
    });

    it("passes the same component unchanged, so the findings above come from the change alone", async () => {
      expect(violationsOf(await insecureLake("prod", {}))).to.deep.equal([]);
    });
  });

  describe("the SAS sender override", () => {
    const MARKER = LOCAL_AUTH_REASON_TAG;
    const sasOn = (stack: string) =>
      evaluateProgram(stack, {
        config: {
          ...(stack === "dev-alice" ? FULL_COPY : {}),
          ...sectionWith(stack, "eventHubs", {
            ...(stack === "dev-alice" ? FULL_COPY.eventHubs : {}),
            allowSasSender: true,
          }),
        },
      });
    const namespaceOf = (evaluation: Evaluation) =>
      resource(evaluation, TYPES.eventHubsNamespace, "ingestion-namespace");

    for (const stack of STACKS) {
      it(`passes the pack on ${stack}, the namespace naming eventHubs.allowSasSender as its reason`, async () => {
        const sas = await sasOn(stack);
        const namespace = namespaceOf(sas);
        expect(namespace.inputs.disableLocalAuth).to.equal(false);
        expect(namespace.inputs.tags[MARKER]).to.equal(SAS_SENDER_REASON);
        expect(violationsOf(sas)).to.deep.equal([]);
      });
    }

    it("fails when local auth is on without the marker, naming the rule", async () => {
      const prod = await sasOn("prod");
      const namespace = namespaceOf(prod);
      const { [MARKER]: _marker, ...tags } = namespace.inputs.tags as Record<string, string>;
      const unmarked = { ...namespace, inputs: { ...namespace.inputs, tags } };
      // The namespace with its diagnostic setting and its firewall, which prod's pack wants beside it.
      const logs = prod.registrations.filter(
        (r) =>
          (r.type === TYPES.diagnosticSetting || r.type === TYPES.namespaceNetworkRuleSet) &&
          r.dependencies.includes(namespace.urn),
      );
      expect(checkRegistrations("prod", [unmarked, ...logs]).map((v) => v.message)).to.deep.equal([
        `[eventhubs-local-auth] ingestion-namespace: disableLocalAuth must be true (or a tags.${MARKER} of at ` +
          "least 10 characters saying why SAS is needed), got false. " +
          "Fix: set disableLocalAuth: true and send with an Entra identity (eventHubs.senderPrincipalIds)",
      ]);
    });

    it("leaves no marker on the namespace when the override is off", () => {
      for (const stack of STACKS) {
        const namespace = namespaceOf(of(stack));
        expect(namespace.inputs.disableLocalAuth, stack).to.equal(true);
        expect(namespace.inputs.tags, stack).to.not.have.property(MARKER);
      }
    });
  });
});

describe("secret hygiene", () => {
  const withSas = (stack: string, preview = false) =>
    evaluated(stack, { config: sectionWith(stack, "eventHubs", { allowSasSender: true }), preview });

  it("finds the credential shapes it is meant to find", () => {
    const planted = [
      "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc123=;EntityPath=events",
      "DefaultEndpointsProtocol=https;AccountName=lake;AccountKey=Zm9vYmFy==;EndpointSuffix=core.windows.net",
      "https://lake.blob.core.windows.net/capture?sv=2024-01-01&sig=AbC%2Bdef",
      `token: dapi${"0123456789abcdef".repeat(2)}`,
    ];
    for (const text of planted) expect(findSecrets(text), text).to.have.length(1);
    expect(findSecrets("SharedAccessKey=[secret]")).to.deep.equal([]);
  });

  it("keeps the SAS connection strings secret in stack outputs", async () => {
    const sas = await withSas("dev");
    const output = sas.outputs.eventHubsSasSenderConnectionStrings;
    expect(output, "the SAS override exports connection strings").to.not.equal(undefined);
    expect(output?.secret).to.equal(true);
    // The value really is a credential: the check above would matter if the secret flag were dropped.
    expect(findSecrets(JSON.stringify(output?.value))).to.not.deep.equal([]);
  });

  it("has no secret-shaped value in a plain stack output, input or plan, on any stack", async () => {
    const evaluations = [
      ...(await Promise.all(
        STACKS.map((s) => evaluated(s, { config: s === "dev-alice" ? SHARED_MODE : {} })),
      )),
      await evaluated("dev-alice", { config: FULL_COPY }),
      await withSas("dev"),
    ];
    for (const evaluation of evaluations) {
      for (const [key, output] of Object.entries(evaluation.outputs)) {
        if (!output.secret)
          expect(
            findSecrets(JSON.stringify(output.value)),
            `${evaluation.stack} output ${key}`,
          ).to.deep.equal([]);
      }
      for (const r of evaluation.registrations) {
        const plain = JSON.stringify(redact(r.inputs, new Set(r.secretInputs)));
        expect(findSecrets(plain), `${evaluation.stack} ${r.type} ${r.name}`).to.deep.equal([]);
      }
    }
  });

  it("redacts secrets in the plan JSON and the plan text the tooling prints", async () => {
    for (const evaluation of [await withSas("dev", true), await withSas("dev")]) {
      expect(findSecrets(planJson(evaluation)), "plan JSON").to.deep.equal([]);
      expect(findSecrets(renderPlan(evaluation, "full")), "plan text").to.deep.equal([]);
    }
  });

  it("has no secret in the committed plan files", () => {
    const files = readdirSync(PLANS_DIR).filter((f) => /\.(json|txt)$/.test(f));
    expect(files.length).to.be.greaterThan(0);
    for (const file of files) {
      expect(findSecrets(readFileSync(path.join(PLANS_DIR, file), "utf8")), file).to.deep.equal([]);
    }
  });

  it("stores every credential-like key of Pulumi.*.yaml with --secret, and no credential in plain text", () => {
    const files = readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    expect(files).to.include.members(["Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
    for (const file of files) {
      const text = readFileSync(path.join(PROJECT_ROOT, file), "utf8");
      expect(findSecrets(text), file).to.deep.equal([]);
      const config = (parse(text)?.config ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(config)) {
        if (!SECRET_KEY_NAME.test(key)) continue;
        expect(value, `${file} ${key} must be set with pulumi config set --secret`).to.have.property(
          "secure",
        );
      }
    }
  });
});
