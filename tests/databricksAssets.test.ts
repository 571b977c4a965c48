import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  SHARED_CODE_ROOT,
  sharedFolderAccess,
  stackWorkspaceFolder,
  WorkspaceAssets,
  type WorkspaceAssetsArgs,
} from "../components/workspaceAssets";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { evaluate } from "./harness/mockProgram";
import { ofType, resource } from "./support";

const FOLDER = "/Users/deployer@example.com/.h3-ml/dev";
const CACHES = /(^|\/)(__pycache__|\.[^/]+)(\/|$)|\.py[co]$/;

/** Files under `root` as git would ship them: no byte-code caches, no hidden files. */
function shippedFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .filter((file) => !CACHES.test(file))
    .sort();
}

const build = (localRoot: string, overrides: Partial<WorkspaceAssetsArgs> = {}) =>
  evaluate(
    "dev",
    () =>
      new WorkspaceAssets("assets", {
        provider: testProvider(),
        workspaceFolder: `${FOLDER}/`,
        localRoot,
        ...overrides,
      }),
  );

describe("WorkspaceAssets", () => {
  it("deploys every file in notebooks/ exactly once, notebooks as notebooks and the rest as workspace files", async () => {
    const root = path.join(PROJECT_ROOT, "notebooks");
    const files = shippedFiles(root);
    expect(files.length, "notebooks/ has files").to.be.greaterThan(0);
    const ev = await build(root);
    const assets = [...ofType(ev, TYPES.notebook), ...ofType(ev, TYPES.workspaceFile)];
    expect(assets.map((a) => a.inputs.source).sort()).to.deep.equal(files.map((f) => path.join(root, f)));
    for (const file of files) {
      const content = readFileSync(path.join(root, file));
      const isNotebook = content.toString("utf8").startsWith("# Databricks notebook source");
      const asset = resource(ev, isNotebook ? TYPES.notebook : TYPES.workspaceFile, `assets-${file}`);
      expect(asset.inputs.path, file).to.equal(`${FOLDER}/${isNotebook ? file.replace(/\.py$/, "") : file}`);
      expect(asset.inputs.md5, file).to.equal(
        createHash("md5").update(new Uint8Array(content)).digest("hex"),
      );
      if (isNotebook) expect(asset.inputs.language, file).to.equal("PYTHON");
    }
  });

  describe("with a fixture folder", () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(path.join(tmpdir(), "h3-assets-"));
      mkdirSync(path.join(root, "pkg", "__pycache__"), { recursive: true });
      writeFileSync(path.join(root, "job.py"), "# Databricks notebook source\nprint(1)\n");
      writeFileSync(path.join(root, "report.sql"), "-- Databricks notebook source\nSELECT 1\n");
      writeFileSync(path.join(root, "pkg", "__init__.py"), "");
      writeFileSync(path.join(root, "pkg", "mod.py"), "X = 1\n");
      writeFileSync(path.join(root, "pkg", "__pycache__", "mod.cpython-311.pyc"), "cache");
      writeFileSync(path.join(root, ".DS_Store"), "junk");
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it("maps each file to its path in the workspace folder and skips caches and hidden files", async () => {
      const ev = await build(root);
      expect(ofType(ev, TYPES.notebook).map((n) => [n.inputs.path, n.inputs.language])).to.deep.equal([
        [`${FOLDER}/job`, "PYTHON"],
        [`${FOLDER}/report`, "SQL"],
      ]);
      expect(ofType(ev, TYPES.workspaceFile).map((f) => f.inputs.path)).to.deep.equal([
        `${FOLDER}/pkg/__init__.py`,
        `${FOLDER}/pkg/mod.py`,
      ]);
    });

    it("changes an asset's md5 input when its content changes, so the preview shows an update", async () => {
      const before = resource(await build(root), TYPES.workspaceFile, "assets-pkg/mod.py").inputs.md5;
      writeFileSync(path.join(root, "pkg", "mod.py"), "X = 2\n");
      const after = resource(await build(root), TYPES.workspaceFile, "assets-pkg/mod.py").inputs.md5;
      expect(after).to.not.equal(before);
      expect(after).to.equal(createHash("md5").update("X = 2\n").digest("hex"));
    });

    it("drops the asset of a deleted file, so the deploy removes it from the workspace", async () => {
      rmSync(path.join(root, "pkg", "mod.py"));
      const ev = await build(root);
      expect(ofType(ev, TYPES.workspaceFile).map((f) => f.name)).to.deep.equal(["assets-pkg/__init__.py"]);
    });

    it("owns the folder and creates every asset in it through the explicit provider", async () => {
      const ev = await build(root);
      const folder = resource(ev, TYPES.directory, "assets-folder");
      expect(folder.inputs).to.deep.equal({ path: FOLDER, deleteRecursive: true });
      for (const asset of [...ofType(ev, TYPES.notebook), ...ofType(ev, TYPES.workspaceFile)]) {
        expect(asset.dependencies, asset.name).to.include(folder.urn);
      }
      for (const r of databricksResources(ev)) expect(r.provider, r.name).to.equal(providerRef(ev));
    });

    it("gives a job the path of its notebook, and fails naming the file when it is missing", async () => {
      const ev = await build(root);
      const notebook = await new Promise((done) => ev.result.notebookPath("job").apply(done));
      expect(notebook).to.equal(`${FOLDER}/job`);
      expect(() => ev.result.notebookPath("ingest")).to.throw(
        `${root}/ingest.py must exist and start with "# Databricks notebook source" (a job runs it); notebooks found: job, report`,
      );
    });
  });
});

describe("stackWorkspaceFolder", () => {
  const resolve = (value: pulumi.Output<string>) => new Promise((done) => value.apply(done));

  it("puts a shared stack's code in one fixed folder at the workspace root, whoever deploys it", async () => {
    expect(SHARED_CODE_ROOT).to.equal("/h3-ml");
    expect(await resolve(stackWorkspaceFolder("dev", undefined))).to.equal("/h3-ml/dev");
    expect(await resolve(stackWorkspaceFolder("prod", undefined))).to.equal("/h3-ml/prod");
  });

  it("puts a personal stack's code in the home of the person who runs it", async () => {
    expect(await resolve(stackWorkspaceFolder("dev-alice", "/Users/alice@example.com"))).to.equal(
      "/Users/alice@example.com/.h3-ml/dev-alice",
    );
  });
});

describe("sharedFolderAccess", () => {
  const SP = "9f0c1d2e-0000-4000-8000-00000000aaaa";
  const PREVIEW = "9f0c1d2e-0000-4000-8000-00000000bbbb";

  it("lets the jobs' identities run the code, analysts and preview identities read it, and nobody edit it", () => {
    const other = SP.replace("aaaa", "cccc");
    expect(sharedFolderAccess([SP, other], "h3-analysts", [PREVIEW])).to.deep.equal([
      { servicePrincipalName: SP, permissionLevel: "CAN_RUN" },
      { servicePrincipalName: other, permissionLevel: "CAN_RUN" },
      { groupName: "h3-analysts", permissionLevel: "CAN_READ" },
      { servicePrincipalName: PREVIEW, permissionLevel: "CAN_READ" },
    ]);
    expect(sharedFolderAccess([], undefined, [])).to.deep.equal([]);
  });
});
