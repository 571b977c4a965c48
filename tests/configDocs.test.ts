import { readFileSync } from "node:fs";
import { expect } from "chai";
import { describeDefault } from "../config/fields";
import { CONFIG_SCHEMA } from "../config/schema";
import {
  PROJECT_FILE,
  projectFileWithConfig,
  REFERENCE_FILE,
  renderConfigReference,
  renderProjectConfig,
} from "../scripts/configDocs";

const FIX = "run `npm run config:docs` and commit the result";

describe("config documentation rendered from config/schema.ts", () => {
  it("Pulumi.yaml's config block is the rendering", () => {
    const current = readFileSync(PROJECT_FILE, "utf8");
    expect(current, `Pulumi.yaml is out of date: ${FIX}`).to.equal(projectFileWithConfig(current));
  });

  it("docs/configuration.md is the rendering", () => {
    expect(readFileSync(REFERENCE_FILE, "utf8"), `docs/configuration.md is out of date: ${FIX}`).to.equal(
      renderConfigReference(),
    );
  });

  it("documents every field of every section with its default", () => {
    const reference = renderConfigReference();
    expect(reference).to.include(
      "| `eventHubs.partitionCount` | 1..32 | prod 4, else 1 | Partitions of each hub; fixed once the hub exists on Standard. |",
    );
    expect(reference).to.include("| `databricks.analyticsCluster.autoterminationMinutes` | 10..30 | 20 |");
    expect(reference).to.include("| `databricks.normalizeCron` |");
    expect(reference).to.include("Default: every hour at minute 30.");
    const project = renderProjectConfig();
    expect(project).to.include("    # captureIntervalSeconds: 60..900; default 300\n");
    expect(project).to.include("  deletionSlaDays:\n    type: integer\n    default: 30\n");
  });

  it("states a default for every declared field", () => {
    const walk = (fields: typeof CONFIG_SCHEMA | Record<string, unknown>, prefix: string): string[] =>
      Object.entries(fields).flatMap(([name, field]) => {
        const f = field as (typeof CONFIG_SCHEMA)[keyof typeof CONFIG_SCHEMA];
        const own = describeDefault(f.default).trim() === "" ? [`${prefix}${name}`] : [];
        return [...own, ...("fields" in f && f.fields ? walk(f.fields, `${prefix}${name}.`) : [])];
      });
    expect(walk(CONFIG_SCHEMA, "")).to.deep.equal([]);
  });
});
