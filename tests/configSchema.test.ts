/**
 * The parsers take every field's type, allowed values, range and default from its declaration in
 * config/schema.ts: a changed copy of a declaration, and nothing else, changes what the config accepts and what
 * the rendered docs say.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { clusterPolicyDefinition } from "../components/clusterSpecs";
import { ConfigError, parseStackConfig, type RawStackConfig } from "../config/config";
import {
  ConfigReader,
  type Environment,
  type FieldDeclaration,
  type Fields,
  Problems,
} from "../config/fields";
import { CONFIG_SCHEMA } from "../config/schema";
import JOB_PARAMETERS from "../notebooks/h3_ml/job_parameters.json";
import { clusterPolicyAutotermination } from "../policy/rules/clusterPolicyAutotermination";
import { AUTOTERMINATION_MINUTES, DELETION_SLA_MAX_DAYS } from "../policy/vocabulary/limits";
import { renderConfigReference, renderProjectConfig } from "../scripts/configDocs";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";

/** What every shared stack must name, so the one problem a test looks for is the only one. */
const DEV_MUSTS = {
  resourceGroupName: "h3ml-dev-rg",
  eventHubs: {
    deployerPrincipalIds: ["00000000-0000-4000-8000-0000000000c1"],
    allowedIpRanges: ["203.0.113.0/24"],
  },
  databricks: { notificationEmails: ["oncall@example.com"] },
};

type Schema = typeof CONFIG_SCHEMA;

/** `CONFIG_SCHEMA` with the declaration at `path` (`databricks.analyticsCluster.autoterminationMinutes`) changed. */
function schemaWith(path: string, change: (field: FieldDeclaration) => FieldDeclaration): Schema {
  const replace = (fields: Fields, [name, ...rest]: string[]): Fields => {
    const field = fields[name as string] as FieldDeclaration;
    const changed =
      rest.length === 0
        ? change(field)
        : { ...field, fields: replace((field as { fields: Fields }).fields, rest) };
    return { ...fields, [name as string]: changed };
  };
  return replace(CONFIG_SCHEMA, path.split(".")) as unknown as Schema;
}

function problemsOf(raw: RawStackConfig, schema: Schema, stack = "dev"): readonly string[] {
  try {
    parseStackConfig(raw, "h3-ml", stack, schema);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

const withCluster = (cluster: Record<string, unknown>): RawStackConfig => ({
  ...DEV_MUSTS,
  databricks: { ...DEV_MUSTS.databricks, maxWorkers: 4, analyticsCluster: cluster },
});

describe("config read from its declarations", () => {
  it("a range changed in the schema alone changes what is accepted and what the docs say", () => {
    const idle = "databricks.analyticsCluster.autoterminationMinutes";
    const longer = schemaWith(idle, (field) => ({ ...field, max: 45 }) as FieldDeclaration);

    expect(problemsOf(withCluster({ autoterminationMinutes: 45 }), CONFIG_SCHEMA)).to.deep.equal([
      `${idle} must be an integer in 10..30, got 45. Fix: pulumi config set --path ${idle} 20`,
    ]);
    const config = parseStackConfig(withCluster({ autoterminationMinutes: 45 }), "h3-ml", "dev", longer);
    expect(config.databricks.analyticsCluster?.autoterminationMinutes).to.equal(45);
    expect(problemsOf(withCluster({ autoterminationMinutes: 46 }), longer)).to.deep.equal([
      `${idle} must be an integer in 10..45, got 46. Fix: pulumi config set --path ${idle} 20`,
    ]);

    expect(renderConfigReference(CONFIG_SCHEMA)).to.include(`| \`${idle}\` | 10..30 | 20 |`);
    expect(renderConfigReference(longer)).to.include(`| \`${idle}\` | 10..45 | 20 |`);
  });

  it("a range changed in a section's declaration shows in Pulumi.yaml's comments", () => {
    const slower = schemaWith(
      "eventHubs.captureIntervalSeconds",
      (field) => ({ ...field, max: 1200 }) as FieldDeclaration,
    );
    expect(renderProjectConfig(slower)).to.include("    # captureIntervalSeconds: 60..1200; default 300\n");
    expect(
      parseStackConfig(
        { ...DEV_MUSTS, eventHubs: { ...DEV_MUSTS.eventHubs, captureIntervalSeconds: 1200 } },
        "h3-ml",
        "dev",
        slower,
      ).eventHubs.captureIntervalSeconds,
    ).to.equal(1200);
  });

  it("an allowed list changed in the schema alone changes what is accepted and what the docs say", () => {
    const premium = schemaWith(
      "storage.sku",
      (field) => ({ ...field, choices: ["Standard_LRS", "Premium_ZRS"] }) as FieldDeclaration,
    );
    const raw = { ...DEV_MUSTS, storage: { sku: "Premium_ZRS" } };
    expect(problemsOf(raw, CONFIG_SCHEMA)).to.have.length(1);
    expect(parseStackConfig(raw, "h3-ml", "dev", premium).storage.sku).to.equal("Premium_ZRS");
    expect(problemsOf({ ...DEV_MUSTS, storage: { sku: "Standard_ZRS" } }, premium)).to.deep.equal([
      'storage.sku must be one of Standard_LRS, Premium_ZRS, got "Standard_ZRS". ' +
        "Fix: pulumi config set --path storage.sku Standard_LRS",
    ]);
    expect(renderConfigReference(premium)).to.include(
      "| `storage.sku` | Standard_LRS \\| Premium_ZRS | Standard_LRS |",
    );
  });

  it("a default changed in the schema alone changes what an unset key reads and what Pulumi.yaml says", () => {
    const prefix = schemaWith(
      "namePrefix",
      (field) => ({ ...field, default: { kind: "value", value: "h3x" } }) as FieldDeclaration,
    );
    expect(parseStackConfig(DEV_MUSTS, "h3-ml", "dev", prefix).namePrefix).to.equal("h3x");
    expect(renderProjectConfig(prefix)).to.include('  namePrefix:\n    type: string\n    default: "h3x"\n');
  });

  it("a derived default reads the keys declared before it, in the environment of the stack", () => {
    const read = (environment: Environment, databricks: Record<string, unknown>) =>
      new ConfigReader(new Problems(), environment).section(
        CONFIG_SCHEMA.databricks.fields,
        databricks,
        "databricks",
      );
    expect(read("prod", { maxWorkers: 1 }).jobWorkers).to.equal(1);
    expect(read("prod", { maxWorkers: 5 }).jobWorkers).to.equal(2);
    expect(read("dev", { maxWorkers: 5 }).jobWorkers).to.equal(0);
    expect(read("dev", { maxWorkers: 5, analyticsCluster: { minWorkers: 3 } }).analyticsCluster).to.include({
      minWorkers: 3,
      maxWorkers: 3,
    });
    // A bound that names another key is that key's value: a longer SLA lets raw files stay longer.
    const storage = (deletionSlaDays: number, rawRetentionDays: number) =>
      problemsOf({ ...DEV_MUSTS, deletionSlaDays, storage: { rawRetentionDays } }, CONFIG_SCHEMA);
    expect(storage(20, 20)).to.deep.equal([]);
    expect(storage(19, 20)).to.deep.equal([
      "storage.rawRetentionDays must be an integer in 1..19 (at most deletionSlaDays, so raw events age out in time), " +
        "got 20. Fix: pulumi config set --path storage.rawRetentionDays 7",
    ]);
    // Were the jobs to accept an SLA under a week, raw files would by default go within it.
    const shorter = schemaWith("deletionSlaDays", (field) => ({ ...field, min: 1 }) as FieldDeclaration);
    const config = parseStackConfig({ ...DEV_MUSTS, deletionSlaDays: 3 }, "h3-ml", "dev", shorter);
    expect(config.storage.rawRetentionDays).to.equal(3);
  });

  it("refuses a wrong value of every declared key, naming the key and giving the command that fixes it", () => {
    const leaves: { key: string; field: FieldDeclaration; environment: Environment }[] = [];
    const walk = (fields: Fields, prefix: string, environment: Environment) => {
      for (const [name, field] of Object.entries(fields)) {
        const stackKind = field.onlyIn?.[0] ?? environment;
        if (field.type === "object") walk(field.fields, `${prefix}${name}.`, stackKind);
        else leaves.push({ key: `${prefix}${name}`, field, environment: stackKind });
      }
    };
    walk(CONFIG_SCHEMA, "", "dev");
    expect(leaves.length).to.be.greaterThan(50);
    const stacks: Record<Environment, string> = { dev: "dev", prod: "prod", personal: "dev-alice" };
    for (const { key, environment } of leaves) {
      if (key === "environment") continue;
      // An object is wrong for every key that is not a section or a map; a map gets a wrong value in it.
      const wrong = key === "tags" ? { owner: { nested: true } } : { nested: true };
      const raw: Record<string, unknown> = structuredClone(DEV_MUSTS);
      const parts = key.split(".");
      let at = raw;
      for (const part of parts.slice(0, -1)) {
        at[part] = { ...((at[part] as Record<string, unknown>) ?? {}) };
        at = at[part] as Record<string, unknown>;
      }
      at[parts.at(-1) as string] = wrong;
      const problems = problemsOf(raw, CONFIG_SCHEMA, stacks[environment]);
      const named = problems.filter(
        (p) => p.startsWith(`${key} must be`) || p.startsWith(`${key}.owner must be`),
      );
      expect(named, `${key}: ${problems.join("\n")}`).to.have.length(1);
      expect(named[0])
        .to.include('{"nested":true}')
        .and.match(/\. Fix: pulumi config set (--path )?\S/);
    }
  });
});

describe("one number per limit", () => {
  const sla = JOB_PARAMETERS.deletion_sla_days;
  const dev = (raw: RawStackConfig) => problemsOf({ ...DEV_MUSTS, ...raw }, CONFIG_SCHEMA);

  it("deletionSlaDays has the range and default the jobs' parameter contract gives, and the pack's ceiling is its top", () => {
    expect(parseStackConfig(DEV_MUSTS, "h3-ml", "dev").deletionSlaDays).to.equal(sla.default);
    expect(dev({ deletionSlaDays: sla.min })).to.deep.equal([]);
    expect(dev({ deletionSlaDays: sla.max })).to.deep.equal([]);
    expect(dev({ deletionSlaDays: sla.min - 1 })).to.have.length(1);
    expect(dev({ deletionSlaDays: sla.max + 1 })).to.have.length(1);
    expect(DELETION_SLA_MAX_DAYS, "policy/vocabulary/limits.ts against job_parameters.json").to.equal(
      sla.max,
    );
  });

  it("the jobs' docs state the contract's default and minimum", () => {
    const pipeline = readFileSync(path.join(PROJECT_ROOT, "docs", "pipeline.md"), "utf8");
    const row = pipeline.split("\n").find((line) => line.startsWith("| `deletion_sla_days` |"));
    expect(row, "docs/pipeline.md lists deletion_sla_days").to.be.a("string");
    expect(row).to.include(`default ${sla.default}`).and.include(`at least ${sla.min}`);
  });

  it("an analytics cluster's idle time is the range the config allows and the interactive policy forces, which the pack accepts", () => {
    const { min, max } = AUTOTERMINATION_MINUTES;
    const idle = (autoterminationMinutes: number) => withCluster({ autoterminationMinutes });
    expect(problemsOf(idle(min), CONFIG_SCHEMA)).to.deep.equal([]);
    expect(problemsOf(idle(max), CONFIG_SCHEMA)).to.deep.equal([]);
    expect(problemsOf(idle(min - 1), CONFIG_SCHEMA)).to.have.length(1);
    expect(problemsOf(idle(max + 1), CONFIG_SCHEMA)).to.have.length(1);

    const rules = {
      sparkVersion: "17.3.x-scala2.13",
      nodeTypeId: "Standard_D4ds_v5",
      maxWorkers: 2,
      customTags: {},
    };
    const policy = {
      type: "x",
      name: "p",
      protect: false,
      props: { definition: clusterPolicyDefinition("all-purpose", rules) },
    };
    expect(clusterPolicyAutotermination.check(policy, { stack: "dev", kind: "dev" })).to.deep.equal([]);
  });
});
