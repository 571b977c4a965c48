/**
 * The dev container brings what `make test` needs (Node 20, Python 3.11, Java 17 with Maven, Go, make) plus the
 * Pulumi, Azure and Databricks CLIs, at the versions the project pins elsewhere: CI's toolchain, the Pulumi SDK,
 * the Go module that builds the Pulumi CLI. Feature ids and options: https://containers.dev/features.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), "utf8");
const container = JSON.parse(read(".devcontainer/devcontainer.json"));
const postCreate = read(".devcontainer/post-create.sh");
const ciSteps: { uses?: string; with?: Record<string, string> }[] = parse(read(".github/workflows/test.yml"))
  .jobs["make-test"].steps;
const ciSetting = (action: string, key: string) =>
  String(ciSteps.find((s) => s.uses?.startsWith(`actions/${action}@`))?.with?.[key]);
const feature = (name: string) => container.features[`ghcr.io/devcontainers/features/${name}:1`];

describe("dev container", () => {
  it("is valid JSON naming a Debian base image and the official features", () => {
    expect(container.image).to.match(/^mcr\.microsoft\.com\/devcontainers\/base:bookworm$/);
    expect(Object.keys(container.features).sort()).to.deep.equal(
      ["azure-cli", "go", "java", "node", "python"].map((f) => `ghcr.io/devcontainers/features/${f}:1`),
    );
    expect(container.postCreateCommand).to.equal("bash .devcontainer/post-create.sh");
  });

  it("runs the Node, Python and Java releases CI runs", () => {
    expect(feature("node")).to.deep.equal({ version: ciSetting("setup-node", "node-version") });
    expect(feature("python")).to.deep.equal({ version: ciSetting("setup-python", "python-version") });
    expect(feature("java")).to.deep.equal({
      version: ciSetting("setup-java", "java-version"),
      installMaven: true,
    });
    const engines = JSON.parse(read("package.json")).engines.node as string;
    expect(engines).to.equal(">=20.19");
    expect(feature("node").version.startsWith("20.")).to.equal(true);
    expect(read("pyproject.toml")).to.include(`requires-python = ">=${feature("python").version}"`);
  });

  it("runs the Go release the Pulumi CLI module asks for, as CI does", () => {
    expect(ciSetting("setup-go", "go-version-file")).to.equal("tools/pulumi-cli/go.mod");
    const goDirective = /^go (\S+)$/m.exec(read("tools/pulumi-cli/go.mod"))?.[1];
    expect(feature("go")).to.deep.equal({ version: goDirective });
  });

  it("installs the Pulumi CLI of the SDK's release and a pinned Databricks CLI", () => {
    expect(postCreate).to.include(
      `pulumi_version=$(node -p "require('./package.json').dependencies['@pulumi/pulumi']")`,
    );
    expect(postCreate).to.include('curl -fsSL https://get.pulumi.com | sh -s -- --version "$pulumi_version"');
    expect(container.containerEnv.DATABRICKS_CLI_VERSION).to.match(/^\d+\.\d+\.\d+$/);
    // The shell expands the version, so the script holds the variable's name, not the number.
    const variable = "$" + "{DATABRICKS_CLI_VERSION}";
    expect(postCreate).to.include(
      `https://raw.githubusercontent.com/databricks/setup-cli/v${variable}/install.sh`,
    );
    expect(feature("azure-cli")).to.deep.equal({});
  });
});
