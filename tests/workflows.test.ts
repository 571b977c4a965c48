/**
 * The CI definitions are code nobody can run here: these tests hold them to what can be checked offline.
 * actionlint checks the GitHub workflows as GitHub would; the rest checks that every reference (make
 * targets, local actions, templates, stages) resolves and that the deploy rules (OIDC only, policy pack,
 * idempotency check, one update per stack at a time, prod after dev) are in the files.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is CI expression syntax, compared as text
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const ADO = path.join(ROOT, "azure-pipelines");
const ACTIONLINT = path.join(ROOT, ".cache", "bin", "actionlint");

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped by nature
type Yaml = any;

function readYaml(file: string): Yaml {
  return parse(readFileSync(file, "utf8"));
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Every object reachable from `node`, depth first: steps and jobs are found wherever templates nest them. */
function walk(node: Yaml, visit: (value: Yaml) => void): void {
  if (node === null || typeof node !== "object") return;
  visit(node);
  for (const child of Array.isArray(node) ? node : Object.values(node)) walk(child, visit);
}

/** Shell text of every step: GitHub `run`, Azure DevOps `script`/`bash` and AzureCLI@2 `inlineScript`. */
function shellScripts(doc: Yaml): string[] {
  const scripts: string[] = [];
  walk(doc, (node) => {
    for (const key of ["run", "script", "bash"]) if (typeof node[key] === "string") scripts.push(node[key]);
    if (typeof node.inputs?.inlineScript === "string") scripts.push(node.inputs.inlineScript);
  });
  return scripts;
}

/** Targets named by `make <target>` in shell text; flags, their arguments and `VAR=value` are skipped. */
function makeTargetsCalled(script: string): string[] {
  const targets: string[] = [];
  for (const match of script.matchAll(/(?:^|[;&|(]|\s)make(?![\w-])((?:[ \t]+[^\s;&|)]+)*)/gm)) {
    const words = match[1].trim().split(/[ \t]+/);
    for (let i = 0; i < words.length; i++) {
      if (["-C", "-f", "-I", "-o", "-W"].includes(words[i])) i++;
      else if (!words[i].startsWith("-") && !words[i].includes("=")) targets.push(words[i]);
    }
  }
  return targets;
}

/** The targets the root Makefile defines, from make's own database, so included fragments count too. */
function makeTargets(): Set<string> {
  // -q exits non-zero whatever it finds; the database on stdout is what counts.
  const db = spawnSync("make", ["-pRrq", "-f", "Makefile", ".no-such-target"], {
    cwd: ROOT,
    encoding: "utf8",
  }).stdout;
  expect(db, "make printed no database").to.contain("# Make data base");
  const targets = new Set<string>();
  for (const line of db.split("\n")) {
    const match = /^([A-Za-z0-9][\w.\-/]*):(?!=)/.exec(line);
    if (match) targets.add(match[1]);
  }
  return targets;
}

function makeTargetsOf(file: string): string[] {
  return shellScripts(readYaml(file)).flatMap(makeTargetsCalled);
}

const sdkVersion: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies[
  "@pulumi/pulumi"
];

describe("make targets named in CI steps", () => {
  it("reads targets from make commands and skips flags and variables", () => {
    expect(
      makeTargetsCalled("set -e\nmake test\ncd x && make -C . STACK=dev plan deploy-code"),
    ).to.deep.equal(["test", "plan", "deploy-code"]);
    expect(makeTargetsCalled("npm run make-believe; echo remake")).to.deep.equal([]);
  });

  it("fails when a step calls a make target that does not exist", () => {
    const targets = makeTargets();
    expect(makeTargetsCalled("make no-such-target").filter((t) => !targets.has(t))).to.deep.equal([
      "no-such-target",
    ]);
  });

  for (const file of [...yamlFiles(WORKFLOWS), ...yamlFiles(ADO)]) {
    it(`${path.relative(ROOT, file)} calls only targets the Makefile defines`, () => {
      const targets = makeTargets();
      const missing = makeTargetsOf(file).filter((t) => !targets.has(t));
      expect(missing, `undefined make targets in ${path.relative(ROOT, file)}`).to.deep.equal([]);
    });
  }

  it("the CI files run make test and install deploy dependencies through make", () => {
    const called = [...yamlFiles(WORKFLOWS), ...yamlFiles(ADO)].flatMap(makeTargetsOf);
    expect(called).to.include.members(["test", "deploy-deps"]);
  });
});

describe("GitHub Actions workflows", () => {
  const workflow = (name: string): Yaml => readYaml(path.join(WORKFLOWS, name));

  it("pass actionlint", () => {
    expect(existsSync(ACTIONLINT), "actionlint is not installed: run `make install-actionlint`").to.equal(
      true,
    );
    const result = spawnSync(ACTIONLINT, ["-no-color"], { cwd: ROOT, encoding: "utf8" });
    expect(result.stdout + result.stderr, "actionlint findings").to.equal("");
    expect(result.status).to.equal(0);
  });

  it("fails when a workflow is broken: actionlint reads what the tests feed it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "workflow-"));
    const broken = path.join(dir, "broken.yml");
    writeFileSync(
      broken,
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing\n    steps:\n      - run: echo\n",
    );
    const result = spawnSync(ACTIONLINT, ["-no-color", broken], { encoding: "utf8" });
    expect(result.status).to.equal(1);
    expect(result.stdout).to.contain('job "a" needs job "missing" which does not exist');
  });

  it("pin every action to a full release or commit", () => {
    const unpinned: string[] = [];
    for (const file of yamlFiles(WORKFLOWS)) {
      walk(readYaml(file), (node) => {
        if (typeof node.uses !== "string" || node.uses.startsWith("./")) return;
        if (!/@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(node.uses))
          unpinned.push(`${path.basename(file)}: ${node.uses}`);
      });
    }
    expect(unpinned).to.deep.equal([]);
  });

  it("reference local workflows that exist", () => {
    const missing: string[] = [];
    for (const file of yamlFiles(WORKFLOWS)) {
      walk(readYaml(file), (node) => {
        if (
          typeof node.uses === "string" &&
          node.uses.startsWith("./") &&
          !existsSync(path.join(ROOT, node.uses))
        ) {
          missing.push(node.uses);
        }
      });
    }
    expect(missing).to.deep.equal([]);
  });

  it("preview dev and prod on pull requests with read-only environments after the tests", () => {
    const preview = workflow("pull-request.yml").jobs.preview;
    expect(workflow("pull-request.yml").on.pull_request.branches).to.deep.equal(["main"]);
    expect(preview.needs).to.equal("test");
    expect(preview.uses).to.equal("./.github/workflows/pulumi.yml");
    expect(preview.strategy.matrix.stack).to.deep.equal(["dev", "prod"]);
    expect(preview.with).to.deep.equal({
      stack: "${{ matrix.stack }}",
      command: "preview",
      environment: "${{ matrix.stack }}-preview",
    });
  });

  it("deploy dev on merge to main and smoke-test it; prod follows only with PROD_GATE=reviewers", () => {
    const deploy = workflow("deploy.yml");
    expect(Object.keys(deploy.on)).to.deep.equal(["push"]);
    expect(deploy.on.push.branches).to.deep.equal(["main"]);
    expect(deploy.jobs.dev).to.include({ needs: "test", uses: "./.github/workflows/pulumi.yml" });
    expect(deploy.jobs.dev.with).to.deep.equal({
      stack: "dev",
      command: "up",
      environment: "dev",
      smoke: true,
    });
    expect(deploy.jobs.prod).to.include({ needs: "dev", if: "vars.PROD_GATE == 'reviewers'" });
    expect(deploy.jobs.prod.with).to.deep.equal({ stack: "prod", command: "up", environment: "prod" });
  });

  describe("the prod deploy by hand (deploy-prod.yml)", () => {
    const manual = workflow("deploy-prod.yml");
    const check = manual.jobs.check;
    const script = (name: string): string => check.steps.find((step: Yaml) => step.name === name).run;

    it("runs only when dispatched, for a commit given in full", () => {
      expect(Object.keys(manual.on)).to.deep.equal(["workflow_dispatch"]);
      expect(manual.on.workflow_dispatch.inputs.commit).to.include({ required: true, type: "string" });
      expect(script("the commit is on main and dev took it")).to.contain('[[ "$COMMIT" =~ ^[0-9a-f]{40}$ ]]');
    });

    it("refuses a run from another branch, a commit not on main, and one dev did not take", () => {
      expect(check.steps[0]).to.include({
        name: "refuse another branch",
        if: "github.ref != 'refs/heads/main'",
      });
      const commit = script("the commit is on main and dev took it");
      expect(commit).to.contain('git merge-base --is-ancestor "$COMMIT" origin/main');
      expect(commit).to.contain(
        'gh run list --workflow deploy.yml --branch main --commit "$COMMIT" --status success',
      );
      expect(check.permissions).to.deep.equal({ contents: "read", actions: "read" });
    });

    it("deploys that commit to prod through the prod environment after the check", () => {
      expect(manual.jobs.prod).to.include({ needs: "check", uses: "./.github/workflows/pulumi.yml" });
      expect(manual.jobs.prod.with).to.deep.equal({
        stack: "prod",
        command: "up",
        environment: "prod",
        ref: "${{ inputs.commit }}",
      });
    });
  });

  it("build with the Go release tools/pulumi-cli/go.mod names", () => {
    const setupGo = workflow("test.yml").jobs["make-test"].steps.find((s: Yaml) =>
      String(s.uses).startsWith("actions/setup-go@"),
    );
    expect(setupGo.with["go-version-file"]).to.equal("tools/pulumi-cli/go.mod");
    expect(existsSync(path.join(ROOT, setupGo.with["go-version-file"]))).to.equal(true);
  });

  describe("the shared pulumi workflow", () => {
    const job = workflow("pulumi.yml").jobs.pulumi;
    const steps: Yaml[] = job.steps;
    const pulumiSteps = steps.filter((s) => String(s.uses).startsWith("pulumi/actions@"));

    it("authenticates to Azure by OIDC only", () => {
      expect(job.permissions["id-token"]).to.equal("write");
      const login = steps.find((s) => String(s.uses).startsWith("azure/login@"));
      expect(Object.keys(login.with).sort()).to.deep.equal(["client-id", "subscription-id", "tenant-id"]);
      expect(job.env).to.include({ ARM_USE_OIDC: "true", DATABRICKS_AUTH_TYPE: "github-oidc-azure" });
      expect(JSON.stringify(workflow("pulumi.yml"))).not.to.match(/client-secret|creds|CLIENT_SECRET/);
    });

    it("checks out the commit it was given, else the one that triggered it", () => {
      expect(steps[0]).to.deep.equal({
        uses: "actions/checkout@v5.0.0",
        with: { ref: "${{ inputs.ref || github.sha }}" },
      });
    });

    it("signs in again after up, before the settle check, and smoke-tests the stack when asked", () => {
      const names = steps.map((s) => s.name ?? s.uses);
      const up = steps.findIndex((s) => s.with?.command === "up");
      expect(names.slice(up + 1, up + 3)).to.deep.equal([
        "sign in again after up",
        "expect no changes after up",
      ]);
      expect(steps[up + 1]).to.include({ if: "inputs.command == 'up'" });
      const smoke = steps.at(-1);
      expect(smoke).to.include({
        name: "smoke test ${{ inputs.stack }}",
        if: "inputs.command == 'up' && inputs.smoke",
        run: 'make smoke STACK="$STACK_NAME"',
      });
      expect(smoke.env).to.deep.equal({ DATABRICKS_AUTH_TYPE: "azure-cli" });
    });

    it("serializes updates per stack and never cancels one", () => {
      const group: string = job.concurrency.group;
      expect(group).to.contain("format('pulumi-up-{0}', inputs.stack)");
      expect(job.concurrency["cancel-in-progress"]).to.equal("${{ inputs.command != 'up' }}");
    });

    it("previews with the policy pack and comments on the pull request", () => {
      const preview = pulumiSteps.find((s) => s.if === "inputs.command == 'preview'");
      expect(preview.with).to.include({
        command: "preview",
        diff: true,
        policyPacks: "policy",
        "comment-on-pr": true,
      });
      expect(existsSync(path.join(ROOT, preview.with.policyPacks))).to.equal(true);
    });

    it("runs up with the policy pack, then a preview that must find no changes", () => {
      const upIndex = steps.findIndex((s) => s.with?.command === "up");
      expect(steps[upIndex].with).to.include({ policyPacks: "policy" });
      const check = steps[upIndex + 2];
      expect(check.if).to.equal("inputs.command == 'up'");
      expect(check.with).to.include({ command: "preview", "expect-no-changes": true });
    });

    it("installs the Pulumi CLI of the SDK's release", () => {
      expect(workflow("pulumi.yml").env.PULUMI_VERSION).to.equal(sdkVersion);
      for (const step of pulumiSteps)
        expect(step.with["pulumi-version"]).to.equal("${{ env.PULUMI_VERSION }}");
    });
  });
});

describe("Azure DevOps pipeline", () => {
  const pipeline = readYaml(path.join(ADO, "pipeline.yml"));
  const stages: Yaml[] = pipeline.stages;
  const stage = (name: string): Yaml => stages.find((s) => s.stage === name);
  const pulumiTemplate = readYaml(path.join(ADO, "templates", "pulumi.yml"));
  const session = readFileSync(path.join(ADO, "scripts", "pulumi-session.sh"), "utf8");
  /** The AzureCLI@2 steps of the template, in order, whichever `${{ if }}` holds them. */
  const cliSteps = (): Yaml[] => {
    const found: Yaml[] = [];
    walk(pulumiTemplate.steps, (node) => {
      if (node.task === "AzureCLI@2") found.push(node);
    });
    return found;
  };
  const byName = (name: string): Yaml => cliSteps().find((s) => s.displayName === name);

  it("references templates and scripts that exist", () => {
    const missing: string[] = [];
    walk(pipeline, (node) => {
      if (typeof node.template === "string" && !existsSync(path.join(ADO, node.template)))
        missing.push(node.template);
    });
    for (const script of cliSteps().map((s) => s.inputs.inlineScript as string)) {
      for (const [, file] of script.matchAll(/(azure-pipelines\/scripts\/[\w.-]+)/g)) {
        if (!existsSync(path.join(ROOT, file ?? ""))) missing.push(file ?? "");
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it("depends only on stages it defines", () => {
    const names = new Set(stages.map((s) => s.stage));
    const dangling = stages.flatMap((s) => [s.dependsOn ?? []].flat()).filter((d: string) => !names.has(d));
    expect(dangling).to.deep.equal([]);
  });

  it("validates pull requests with a preview of dev and prod", () => {
    expect(pipeline.pr.branches.include).to.deep.equal(["main"]);
    const preview = stage("preview");
    expect(preview.condition).to.contain("eq(variables['Build.Reason'], 'PullRequest')");
    const job = preview.jobs[0];
    expect(Object.values(job.strategy.matrix)).to.deep.equal([{ stack: "dev" }, { stack: "prod" }]);
    expect(job.steps[1].parameters).to.deep.equal({
      command: "preview",
      stack: "$(stack)",
      serviceConnection: "h3-ml-preview",
    });
  });

  it("deploys main to dev and smoke-tests it, then prod through the approval environment", () => {
    const dev = stage("deploy_dev");
    const prod = stage("deploy_prod");
    expect(dev.dependsOn).to.equal("test");
    expect(prod.dependsOn).to.equal("deploy_dev");
    for (const [s, stack] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      expect(s.condition).to.contain("eq(variables['Build.SourceBranch'], 'refs/heads/main')");
      const job = s.jobs[0];
      expect(job.environment).to.equal(`h3-ml-${stack}`);
      const steps: Yaml[] = job.strategy.runOnce.deploy.steps;
      expect(steps[0]).to.deep.equal({ checkout: "self" });
      expect(steps.at(-1).parameters).to.deep.equal({
        command: "up",
        stack,
        serviceConnection: `h3-ml-${stack}`,
        ...(stack === "dev" ? { smoke: true } : {}),
      });
    }
    expect(dev.jobs[0].strategy.runOnce.deploy.steps[1].parameters).to.deep.equal({ withPython: true });
  });

  it("queues deploys of a stack instead of running two at once", () => {
    expect(pipeline.lockBehavior).to.equal("sequential");
  });

  it("signs every step in through the service connection and hands Databricks Azure CLI auth", () => {
    expect(cliSteps().map((s) => s.displayName)).to.deep.equal([
      "pulumi preview ${{ parameters.stack }}",
      "pulumi up ${{ parameters.stack }}",
      "expect no changes after up",
      "smoke test ${{ parameters.stack }}",
    ]);
    for (const step of cliSteps()) {
      expect(step.inputs, step.displayName).to.include({
        azureSubscription: "${{ parameters.serviceConnection }}",
        addSpnToEnvironment: true,
      });
      expect(step.inputs.inlineScript, step.displayName).to.match(
        /^source azure-pipelines\/scripts\/pulumi-session\.sh\n/,
      );
      expect(step.env.H3_STACK).to.equal("${{ parameters.stack }}");
    }
    expect(session).to.contain('ARM_OIDC_TOKEN="$idToken"');
    expect(session).to.contain("export DATABRICKS_AUTH_TYPE=azure-cli");
    expect(JSON.stringify(pulumiTemplate) + session).not.to.match(
      /servicePrincipalKey|CLIENT_SECRET|client-secret/,
    );
  });

  it("runs the policy pack, and proves the stack settled in a step of its own after up", () => {
    expect(byName("pulumi preview ${{ parameters.stack }}").inputs.inlineScript).to.match(
      /pulumi preview --stack "\$stack" --diff --policy-pack policy/,
    );
    expect(byName("pulumi up ${{ parameters.stack }}").inputs.inlineScript).to.match(
      /pulumi up --stack "\$stack" --yes --diff --policy-pack policy/,
    );
    expect(byName("expect no changes after up").inputs.inlineScript).to.contain(
      'pulumi preview --stack "$stack" --expect-no-changes',
    );
    expect(byName("smoke test ${{ parameters.stack }}").inputs.inlineScript).to.contain(
      'make smoke STACK="$stack"',
    );
  });

  it("posts the preview on the pull request with the build's own token", () => {
    const preview = byName("pulumi preview ${{ parameters.stack }}");
    expect(preview.inputs.inlineScript).to.contain('azure-pipelines/scripts/comment-pr.sh "$report"');
    expect(preview.env.SYSTEM_ACCESSTOKEN).to.equal("$(System.AccessToken)");
  });

  it("installs the Pulumi CLI of the SDK's release", () => {
    const install = pulumiTemplate.steps.find((s: Yaml) => s.displayName === "install Pulumi CLI");
    expect(install.env.PULUMI_VERSION).to.equal(sdkVersion);
  });

  it("installs the Go release tools/pulumi-cli/go.mod names for make test", () => {
    const toolchain = readYaml(path.join(ADO, "templates", "toolchain.yml"));
    const go: Yaml[] = [];
    walk(toolchain, (node) => {
      if (node.task === "GoTool@0") go.push(node);
    });
    const goMod = readFileSync(path.join(ROOT, "tools", "pulumi-cli", "go.mod"), "utf8");
    expect(go.map((g) => g.inputs.version)).to.deep.equal([/^go (\S+)$/m.exec(goMod)?.[1]]);
  });
});

/** A folder on PATH with a `curl` that records its arguments and the body it was given. */
function fakeCurl(): { dir: string; record: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "ado-"));
  const record = path.join(dir, "curl.txt");
  writeFileSync(
    path.join(dir, "curl"),
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${record}"\ncat >> "${record}"\n`,
    { mode: 0o755 },
  );
  return { dir, record };
}

describe("Azure DevOps: posting a preview on the pull request (comment-pr.sh)", () => {
  const script = path.join(ADO, "scripts", "comment-pr.sh");
  const baseEnv = (dir: string) => ({
    PATH: `${dir}:/usr/bin:/bin`,
    SYSTEM_COLLECTIONURI: "https://dev.azure.com/acme/",
    SYSTEM_TEAMPROJECT: "h3",
    SYSTEM_TEAMPROJECTID: "p-1",
    BUILD_REPOSITORY_ID: "r-2",
    BUILD_BUILDID: "77",
    SYSTEM_PULLREQUEST_PULLREQUESTID: "42",
    SYSTEM_ACCESSTOKEN: "build-token",
  });

  it("creates a closed thread with the preview on an Azure Repos pull request", () => {
    const { dir, record } = fakeCurl();
    const report = path.join(dir, "preview.md");
    writeFileSync(report, "# pulumi preview dev\n\n```\n+ 1 to create\n```\n");
    const result = spawnSync(script, [report], {
      encoding: "utf8",
      env: { ...baseEnv(dir), BUILD_REASON: "PullRequest", BUILD_REPOSITORY_PROVIDER: "TfsGit" },
    });
    expect(result.status, result.stderr).to.equal(0);
    const [args, body] = readFileSync(record, "utf8").split("--data\n@-\n");
    expect(args).to.contain(
      "https://dev.azure.com/acme/p-1/_apis/git/repositories/r-2/pullRequests/42/threads?api-version=7.1",
    );
    expect(args).to.contain("Authorization: Bearer build-token");
    expect(JSON.parse(body ?? "")).to.deep.equal({
      comments: [
        { parentCommentId: 0, content: "# pulumi preview dev\n\n```\n+ 1 to create\n```", commentType: 1 },
      ],
      status: 4,
    });
  });

  it("leaves a run that validates no Azure Repos pull request alone", () => {
    const { dir, record } = fakeCurl();
    const result = spawnSync(script, [path.join(dir, "none.md")], {
      encoding: "utf8",
      env: { ...baseEnv(dir), BUILD_REASON: "IndividualCI", BUILD_REPOSITORY_PROVIDER: "TfsGit" },
    });
    expect(result.status).to.equal(0);
    expect(result.stdout).to.equal(
      "not an Azure Repos pull request: the preview stays in the run's summary\n",
    );
    expect(existsSync(record)).to.equal(false);
  });
});
