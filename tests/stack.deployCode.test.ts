import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import { expect } from "chai";
import { WorkspaceAssets } from "../components/workspaceAssets";
import { listWorkspaceAssets } from "../lib/workspaceAssetFiles";
import { CODE_RESOURCE_TYPES, codeDeployArgs, codeTargets } from "../scripts/lib/codeTargets";
import { evaluate, evaluateProgram } from "../scripts/lib/mockProgram";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";
import { expectedNotebookAssets } from "./support";

describe("code-only deploy targets", () => {
  it("target one resource per file under notebooks/ and nothing else of the assets", async () => {
    const evaluation = await evaluate("dev", () => {
      const provider = new databricks.Provider("workspace", { host: "https://adb-1.1.azuredatabricks.net" });
      return new WorkspaceAssets("assets", { provider, workspaceFolder: "/Shared/h3-ml/dev" });
    });
    const targets = codeTargets(evaluation.registrations);
    const files = listWorkspaceAssets(path.join(PROJECT_ROOT, "notebooks"));
    expect(files.length).to.be.greaterThan(0);
    const sources = evaluation.registrations
      .filter((r) => targets.includes(r.urn))
      .map((r) => path.relative("notebooks", r.inputs.source))
      .sort();
    expect(sources).to.deep.equal(files.map((f) => f.relativePath).sort());
    const skipped = evaluation.registrations
      .filter((r) => r.custom && !targets.includes(r.urn))
      .map((r) => r.type);
    expect(skipped).to.have.members(["databricks:index/directory:Directory", "pulumi:providers:databricks"]);
  });

  for (const stack of ["dev", "prod"]) {
    it(`target exactly the three jobs and one asset per file under notebooks/ on ${stack}`, async () => {
      const { registrations } = await evaluateProgram(stack);
      const targeted = new Set(codeTargets(registrations));
      const byUrn = registrations.filter((r) => targeted.has(r.urn));
      expect(byUrn).to.have.length(targeted.size);
      const assets = expectedNotebookAssets();
      expect(assets).to.include.members([
        "databricks:index/notebook:Notebook notebooks-ingest.py",
        "databricks:index/notebook:Notebook notebooks-normalize.py",
        "databricks:index/notebook:Notebook notebooks-delete_user_data.py",
        "databricks:index/workspaceFile:WorkspaceFile notebooks-h3_ml/lake.py",
      ]);
      expect(byUrn.map((r) => `${r.type} ${r.name}`).sort()).to.deep.equal(
        [
          ...["delete", "ingest", "normalize"].map((job) => `databricks:index/job:Job jobs-${job}`),
          ...assets,
        ].sort(),
      );
    });
  }

  it("never target a resource of another type in the program", async () => {
    const { registrations } = await evaluateProgram("prod");
    const targeted = new Set(codeTargets(registrations));
    const types: readonly string[] = CODE_RESOURCE_TYPES;
    const wrong = registrations.filter((r) => targeted.has(r.urn) && !types.includes(r.type));
    expect(wrong).to.deep.equal([]);
    expect(
      registrations.filter((r) => r.type.startsWith("azure-native:") && targeted.has(r.urn)),
    ).to.deep.equal([]);
  });

  it("builds a pulumi up limited to the targets, with the policy pack", () => {
    expect(codeDeployArgs("dev-ada", ["urn:a", "urn:b"], ["--yes"])).to.deep.equal([
      "up",
      "--stack",
      "dev-ada",
      "--policy-pack",
      "policy",
      "--target",
      "urn:a",
      "--target",
      "urn:b",
      "--yes",
    ]);
  });
});
