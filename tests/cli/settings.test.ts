import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { envName, profileName, upsertProfile, workspaceHost } from "../../scripts/lib/localSettings";
import { writeSettings } from "../../scripts/settings";
import { importState, type RealPulumiProject, realPulumiProject, secretValue } from "./realPulumi";

/** The outputs every stack mode exports, as a deployed shared personal stack would have them. */
const OUTPUTS = {
  databricksWorkspaceUrl: "adb-1234567890123456.7.azuredatabricks.net",
  eventHubsNamespace: "h3ml-dev-ada-ehns.servicebus.windows.net",
  eventHubNames: ["events"],
  catalogName: "h3ml_dev",
  schemaPrefix: "dev_ada_",
  databricksNotebookFolder: "/Users/ada@example.com/.h3-ml/dev-ada",
  ingestJobId: "101",
  ingestJobUrl: "https://adb-1234567890123456.7.azuredatabricks.net/#job/101",
  normalizeJobId: "102",
  deleteJobId: "103",
};

function deployedStack(): { project: RealPulumiProject; env: NodeJS.ProcessEnv; cfg: string } {
  const project = realPulumiProject();
  importState(project, "dev-ada", {
    ...OUTPUTS,
    eventHubsSasSenderConnectionStrings: secretValue({
      events: "Endpoint=sb://x/;SharedAccessKey=not-a-real-key",
    }),
  });
  const cfg = path.join(project.root, "..", "databrickscfg");
  return { project, cfg, env: { ...project.env, DATABRICKS_CONFIG_FILE: cfg } };
}

describe("make settings (real Pulumi CLI, file backend)", () => {
  it("writes the workspace profile with Azure CLI auth and an env file of every non-secret output", () => {
    const { project, env, cfg } = deployedStack();
    const log: string[] = [];
    const written = writeSettings("dev-ada", {
      root: project.root,
      pulumi: project.pulumi,
      env,
      log: (l) => log.push(l),
    });
    expect(written).to.deep.include({
      profile: "h3-ml-dev-ada",
      profileFile: cfg,
      secrets: ["eventHubsSasSenderConnectionStrings"],
    });
    expect(readFileSync(cfg, "utf8")).to.equal(
      "[h3-ml-dev-ada]\nhost = https://adb-1234567890123456.7.azuredatabricks.net\nauth_type = azure-cli\n",
    );
    expect(readFileSync(path.join(project.root, ".env.dev-ada"), "utf8")).to.equal(
      [
        "# Outputs of the stack dev-ada, written by `make settings STACK=dev-ada`; run it again after each deploy.",
        "# Load it with: set -a; . ./<this file>; set +a",
        "H3_STACK='dev-ada'",
        "DATABRICKS_CONFIG_PROFILE='h3-ml-dev-ada'",
        "H3_CATALOG_NAME='h3ml_dev'",
        "H3_DATABRICKS_NOTEBOOK_FOLDER='/Users/ada@example.com/.h3-ml/dev-ada'",
        "H3_DATABRICKS_WORKSPACE_URL='adb-1234567890123456.7.azuredatabricks.net'",
        "H3_DELETE_JOB_ID='103'",
        `H3_EVENT_HUB_NAMES='["events"]'`,
        "H3_EVENT_HUBS_NAMESPACE='h3ml-dev-ada-ehns.servicebus.windows.net'",
        "H3_INGEST_JOB_ID='101'",
        "H3_INGEST_JOB_URL='https://adb-1234567890123456.7.azuredatabricks.net/#job/101'",
        "H3_NORMALIZE_JOB_ID='102'",
        "H3_SCHEMA_PREFIX='dev_ada_'",
        "# H3_EVENT_HUBS_SAS_SENDER_CONNECTION_STRINGS: the output eventHubsSasSenderConnectionStrings is a secret " +
          "and is left out; read it where it is needed with pulumi stack output eventHubsSasSenderConnectionStrings " +
          "--stack dev-ada --show-secrets",
        "",
      ].join("\n"),
    );
    expect(log.join("\n")).to.contain("left out secret outputs: eventHubsSasSenderConnectionStrings");
  });

  it("never writes a secret in plain text, in either file", () => {
    const { project, env, cfg } = deployedStack();
    writeSettings("dev-ada", { root: project.root, pulumi: project.pulumi, env, log: () => {} });
    for (const file of [cfg, path.join(project.root, ".env.dev-ada")]) {
      expect(readFileSync(file, "utf8")).not.to.match(/SharedAccessKey|not-a-real-key|\[secret\]/);
    }
  });

  it("replaces its own profile on a rerun and keeps every other profile as it was", () => {
    const { project, env, cfg } = deployedStack();
    writeFileSync(
      cfg,
      "; team profiles\n[DEFAULT]\nhost = https://adb-1.1.azuredatabricks.net\n\n[h3-ml-dev-ada]\nhost = https://old\ntoken = stale\n\n[prod]\nhost = https://adb-2.2.azuredatabricks.net\n",
    );
    writeSettings("dev-ada", { root: project.root, pulumi: project.pulumi, env, log: () => {} });
    writeSettings("dev-ada", { root: project.root, pulumi: project.pulumi, env, log: () => {} });
    expect(readFileSync(cfg, "utf8")).to.equal(
      "; team profiles\n[DEFAULT]\nhost = https://adb-1.1.azuredatabricks.net\n\n[h3-ml-dev-ada]\n" +
        "host = https://adb-1234567890123456.7.azuredatabricks.net\nauth_type = azure-cli\n\n" +
        "[prod]\nhost = https://adb-2.2.azuredatabricks.net\n",
    );
  });

  it("fails on a stack that was never deployed, saying what to run", () => {
    const project = realPulumiProject();
    importState(project, "dev-bob", {});
    expect(() =>
      writeSettings("dev-bob", {
        root: project.root,
        pulumi: project.pulumi,
        env: project.env,
        log: () => {},
      }),
    ).to.throw(
      "stack dev-bob has no databricksWorkspaceUrl output (got null): it has not been deployed yet. Fix: pulumi up --stack dev-bob, then run this again",
    );
  });

  it("fails on a stack the backend does not have, with the CLI's message", () => {
    const project = realPulumiProject();
    expect(() =>
      writeSettings("dev-nobody", {
        root: project.root,
        pulumi: project.pulumi,
        env: project.env,
        log: () => {},
      }),
    ).to.throw(
      /`pulumi stack output --json --stack dev-nobody` failed \(exit \d+\): error: no stack named 'dev-nobody' found/,
    );
  });
});

describe("local settings names", () => {
  it("names the profile after the project and the bare stack", () => {
    expect(profileName("h3-ml", "dev")).to.equal("h3-ml-dev");
    expect(profileName("h3-ml", "acme/dev-ada")).to.equal("h3-ml-dev-ada");
  });

  it("turns output names into H3_ variables", () => {
    expect(envName("ingestJobId")).to.equal("H3_INGEST_JOB_ID");
    expect(envName("databricksWorkspaceUrl")).to.equal("H3_DATABRICKS_WORKSPACE_URL");
    expect(envName("eventHubsSasSenderConnectionStrings")).to.equal(
      "H3_EVENT_HUBS_SAS_SENDER_CONNECTION_STRINGS",
    );
  });

  it("gives the bare host Azure returns a scheme", () => {
    expect(workspaceHost("adb-1.2.azuredatabricks.net")).to.equal("https://adb-1.2.azuredatabricks.net");
    expect(workspaceHost("https://adb-1.2.azuredatabricks.net/")).to.equal(
      "https://adb-1.2.azuredatabricks.net",
    );
  });

  it("appends a new profile after the others with one blank line", () => {
    expect(upsertProfile("[DEFAULT]\nhost = h\n", "p", { host: "x" })).to.equal(
      "[DEFAULT]\nhost = h\n\n[p]\nhost = x\n",
    );
    expect(upsertProfile("", "p", { host: "x" })).to.equal("[p]\nhost = x\n");
  });
});
