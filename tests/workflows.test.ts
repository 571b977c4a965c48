/**
 * The CI definitions are code nobody can run here. actionlint checks the GitHub workflows' syntax and
 * expressions as GitHub would; these tests parse both CI systems' YAML and hold the properties that matter:
 * who may do what (permissions, environments, service connections, variable groups), in which order (which jobs
 * need which), one update per stack at a time, every job bounded in time, every action pinned, and every
 * reference (make targets, local actions, templates, scripts) resolving.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is CI expression syntax, compared as text
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const GITHUB = path.join(ROOT, ".github");
const WORKFLOWS = path.join(GITHUB, "workflows");
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

function collect(node: Yaml, keep: (value: Yaml) => boolean): Yaml[] {
  const found: Yaml[] = [];
  walk(node, (value) => {
    if (keep(value)) found.push(value);
  });
  return found;
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

/** Paths below the repository that shell text runs: `tools/ci/x.py`, `azure-pipelines/scripts/y.sh`. */
function scriptsCalled(script: string): string[] {
  return [...script.matchAll(/(?:^|[\s"'/])((?:tools\/ci|azure-pipelines\/scripts)\/[\w.-]+)/g)].map(
    (m) => m[1],
  );
}

const CI_FILES = [...yamlFiles(GITHUB), ...yamlFiles(ADO)];

describe("CI references", () => {
  it("reads targets from make commands and skips flags and variables", () => {
    expect(
      makeTargetsCalled("set -e\nmake test\ncd x && make -C . STACK=dev plan deploy-code"),
    ).to.deep.equal(["test", "plan", "deploy-code"]);
    expect(makeTargetsCalled("npm run make-believe; echo remake")).to.deep.equal([]);
    expect(makeTargetsCalled("make no-such-target").filter((t) => !makeTargets().has(t))).to.deep.equal([
      "no-such-target",
    ]);
  });

  for (const file of CI_FILES) {
    it(`${path.relative(ROOT, file)} calls only make targets and scripts that exist`, () => {
      const targets = makeTargets();
      const scripts = shellScripts(readYaml(file));
      expect(scripts.flatMap(makeTargetsCalled).filter((t) => !targets.has(t))).to.deep.equal([]);
      const missing = scripts
        .flatMap(scriptsCalled)
        .filter((s) => !existsSync(path.join(ROOT, s.replace(/^ci-tools\//, ""))));
      expect(missing).to.deep.equal([]);
    });
  }

  // Every policy stays at the level the pack declares on the stacks CI deploys (docs/security.md).
  it("runs the policy pack with no policy pack config, so no pipeline lowers a rule", () => {
    const scripts = CI_FILES.flatMap((file) => shellScripts(readYaml(file)));
    expect(scripts.filter((s) => s.includes("--policy-pack policy")).length).to.be.greaterThan(0);
    expect(scripts.filter((s) => s.includes("--policy-pack-config"))).to.deep.equal([]);
  });
});

const workflow = (name: string): Yaml => readYaml(path.join(WORKFLOWS, name));
const signIn = readYaml(path.join(GITHUB, "actions", "sign-in", "action.yml"));

/** Every job of every workflow, by `<file>:<job>`. */
const githubJobs: Record<string, Yaml> = Object.fromEntries(
  yamlFiles(WORKFLOWS).flatMap((file) =>
    Object.entries(readYaml(file).jobs).map(([name, job]) => [`${path.basename(file)}:${name}`, job]),
  ),
);

/** The environment a job runs in: its own, or (for a call of pulumi.yml) the one it passes. */
function environmentOf(job: Yaml): string | undefined {
  return job.environment ?? job.with?.environment;
}

describe("GitHub Actions", () => {
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

  describe("actions", () => {
    /** Every `uses:` line of the workflows and the composite action, as written (the version is a comment). */
    const uses = yamlFiles(GITHUB).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => /^\s*(- )?uses:/.test(line))
        .map((line) => ({ file: path.relative(ROOT, file), line: line.trim().replace(/^- /, "") })),
    );
    const remote = uses.filter((u) => !/uses: \.\//.test(u.line));
    // The first release of each action whose action.yml runs on `node24` (read from each repository's tags).
    const NODE24_SINCE: Record<string, number> = {
      "actions/checkout": 5,
      "actions/setup-node": 5,
      "actions/setup-python": 6,
      "actions/setup-java": 5,
      "actions/setup-go": 6,
      "azure/login": 3,
      "pulumi/actions": 7,
      "pulumi/auth-actions": 2,
    };

    it("are pinned to a full commit SHA with the release in a comment, the same pin everywhere", () => {
      const pins = new Map<string, string>();
      for (const { file, line } of remote) {
        const match = /^uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect(match, `${file}: ${line}`).not.to.equal(null);
        const [, action, sha, version] = match ?? [];
        expect(pins.get(action) ?? `${sha} ${version}`, `${action} pinned twice`).to.equal(
          `${sha} ${version}`,
        );
        pins.set(action, `${sha} ${version}`);
      }
      expect([...pins.keys()].sort()).to.deep.equal(Object.keys(NODE24_SINCE).sort());
    });

    it("run on Node 24", () => {
      for (const { line } of remote) {
        const [, action, major] = /^uses: ([\w.-]+\/[\w.-]+)@\w+ # v(\d+)/.exec(line) ?? [];
        expect(Number(major), `${action} ${major}`).to.be.at.least(NODE24_SINCE[action] ?? Infinity);
      }
    });

    it("local actions and workflows exist", () => {
      const local = uses
        .map((u) => /uses: (\.\/\S+)/.exec(u.line)?.[1])
        .filter((u): u is string => u !== undefined)
        .map((u) => u.replace(/^\.\/ci-tools\//, "./"));
      expect(local.filter((u) => !existsSync(path.join(ROOT, u)))).to.deep.equal([]);
    });
  });

  describe("triggers", () => {
    it("pull requests to main, pushes to main, prod by hand from main, drift every day", () => {
      expect(workflow("pull-request.yml").on).to.deep.equal({ pull_request: { branches: ["main"] } });
      expect(workflow("deploy.yml").on).to.deep.equal({ push: { branches: ["main"] } });
      const manual = workflow("deploy-prod.yml").on;
      expect(Object.keys(manual)).to.deep.equal(["workflow_dispatch"]);
      expect(manual.workflow_dispatch.inputs.commit).to.include({ required: true, type: "string" });
      expect(manual.workflow_dispatch.inputs.rollback).to.include({ type: "boolean", default: false });
      expect(Object.keys(workflow("drift.yml").on).sort()).to.deep.equal(["schedule", "workflow_dispatch"]);
      expect(Object.keys(workflow("pulumi.yml").on)).to.deep.equal(["workflow_call"]);
      expect(Object.keys(workflow("test.yml").on)).to.deep.equal(["workflow_call"]);
    });
  });

  describe("who may do what", () => {
    it("every workflow starts from read-only contents", () => {
      for (const name of ["deploy.yml", "deploy-prod.yml", "pull-request.yml", "drift.yml", "test.yml"]) {
        expect(workflow(name).permissions, name).to.deep.equal({ contents: "read" });
      }
    });

    it("each job gets exactly the token permissions it uses", () => {
      const granted = Object.fromEntries(
        Object.entries(githubJobs)
          .filter(([, job]) => job.permissions !== undefined)
          .map(([name, job]) => [name, job.permissions]),
      );
      const deploys = { contents: "read", "id-token": "write" };
      expect(granted).to.deep.equal({
        "deploy-prod.yml:check": { contents: "read", actions: "read" },
        "deploy-prod.yml:preview": deploys,
        "deploy-prod.yml:prod": deploys,
        "deploy.yml:dev": deploys,
        "deploy.yml:smoke": deploys,
        "deploy.yml:prod-gate": { contents: "read", actions: "read" },
        "deploy.yml:prod-preview": deploys,
        "deploy.yml:prod": deploys,
        "drift.yml:prod": deploys,
        "drift.yml:report": { issues: "write" },
        "pull-request.yml:preview": deploys,
        // The only job that may write on a pull request runs none of its code (below).
        "pull-request.yml:comment": { contents: "read", "pull-requests": "write" },
      });
      // Jobs without permissions of their own: the test suite (read-only workflow) and pulumi.yml, whose
      // permissions are its callers'.
      expect(
        Object.entries(githubJobs)
          .filter(([, job]) => job.permissions === undefined)
          .map(([name]) => name)
          .sort(),
      ).to.deep.equal([
        "deploy.yml:test",
        "pull-request.yml:test",
        "pulumi.yml:pulumi",
        "test.yml:make-test",
      ]);
    });

    it("each job runs in the environment that holds its identity; no pull request job reaches prod", () => {
      const environments = Object.fromEntries(
        Object.entries(githubJobs)
          .filter(([, job]) => environmentOf(job) !== undefined)
          .map(([name, job]) => [name, environmentOf(job)]),
      );
      expect(environments).to.deep.equal({
        "deploy-prod.yml:preview": "prod-preview",
        "deploy-prod.yml:prod": "prod",
        "deploy.yml:dev": "dev",
        "deploy.yml:smoke": "dev",
        "deploy.yml:prod-preview": "prod-preview",
        "deploy.yml:prod": "prod",
        "drift.yml:prod": "prod-preview",
        "pull-request.yml:preview": "dev-preview",
        "pulumi.yml:pulumi": "${{ inputs.environment }}",
      });
    });

    it("the pull request's comment is posted from main's script, with the preview as data", () => {
      const comment = githubJobs["pull-request.yml:comment"];
      expect(comment.steps[0].with).to.deep.equal({
        ref: "${{ github.event.pull_request.base.sha }}",
        "sparse-checkout": "tools/ci",
        "persist-credentials": false,
      });
      expect(comment.steps[1].env.REPORT).to.equal("${{ needs.preview.outputs.report }}");
      expect(comment.steps[1].run).to.contain("python3 tools/ci/pr_comment.py github");
    });

    it("forks' pull requests get no preview: they cannot authenticate", () => {
      expect(githubJobs["pull-request.yml:preview"].if).to.equal(
        "github.event.pull_request.head.repo.full_name == github.repository",
      );
    });

    it("no stored secret: OIDC everywhere, the Databricks provider through the Azure CLI", () => {
      const text = yamlFiles(GITHUB)
        .map((f) => readFileSync(f, "utf8"))
        .join("\n");
      expect(text).not.to.match(/client-secret|creds:|CLIENT_SECRET|secrets\./);
      const env = githubJobs["pulumi.yml:pulumi"].env;
      expect(env).to.include({ ARM_USE_OIDC: "true", DATABRICKS_AUTH_TYPE: "azure-cli" });
      expect(githubJobs["drift.yml:prod"].env).to.include({ DATABRICKS_AUTH_TYPE: "azure-cli" });
    });

    it("a read-only job gets a Pulumi team token or none, a deploy a member-level organization token", () => {
      const step = signIn.runs.steps.find((s: Yaml) => s.id === "token");
      expect(step.run).to.match(/type=urn:pulumi:token-type:access_token:team[\s\S]*scope=team:\$TEAM/);
      expect(step.run).to.match(/elif \[ "\$READ_ONLY" = true \]; then\n\s+echo "::error[^\n]*\n\s+exit 1/);
      expect(step.run).to.match(/access_token:organization[^\n]*\n\s+echo "scope=" >>/);
      const readOnly = Object.entries(githubJobs).flatMap(([name, job]) =>
        (job.steps ?? [])
          .filter(
            (s: Yaml) =>
              s.uses === "./.github/actions/sign-in" || s.uses === "./ci-tools/.github/actions/sign-in",
          )
          .map((s: Yaml) => [name, s.with["read-only"] ?? "false"]),
      );
      expect(readOnly).to.deep.equal([
        ["deploy.yml:smoke", "false"],
        ["drift.yml:prod", "true"],
        ["pulumi.yml:pulumi", "${{ inputs.command == 'preview' }}"],
        ["pulumi.yml:pulumi", "false"],
      ]);
    });
  });

  describe("order", () => {
    const needs = (file: string) =>
      Object.fromEntries(
        Object.entries(workflow(file).jobs).map(([name, job]) => [name, (job as Yaml).needs ?? null]),
      );

    it("merges: test, dev, its smoke test; prod only behind the reviewers gate, previewed first", () => {
      expect(needs("deploy.yml")).to.deep.equal({
        test: null,
        dev: "test",
        smoke: "dev",
        "prod-gate": "smoke",
        "prod-preview": "prod-gate",
        prod: "prod-preview",
      });
      expect(githubJobs["deploy.yml:prod-gate"].if).to.equal("vars.PROD_GATE == 'reviewers'");
      expect(githubJobs["deploy.yml:prod-gate"].steps.at(-1).run).to.equal(
        'python3 tools/ci/prod_gate.py settings --repo "$GITHUB_REPOSITORY" --environment prod --require-reviewers',
      );
    });

    it("prod by hand: the gate's settings and the commit checked, prod previewed, then deployed", () => {
      expect(needs("deploy-prod.yml")).to.deep.equal({ check: null, preview: "check", prod: "preview" });
      const check = githubJobs["deploy-prod.yml:check"].steps;
      expect(check[0]).to.include({ name: "refuse another branch", if: "github.ref != 'refs/heads/main'" });
      expect(check.slice(2).map((s: Yaml) => s.run)).to.deep.equal([
        'python3 tools/ci/prod_gate.py settings --repo "$GITHUB_REPOSITORY" --environment prod',
        'python3 tools/ci/prod_gate.py commit --repo "$GITHUB_REPOSITORY" --commit "$COMMIT"',
      ]);
      for (const job of ["preview", "prod"]) {
        expect(githubJobs[`deploy-prod.yml:${job}`].with.ref).to.equal("${{ inputs.commit }}");
      }
      expect(githubJobs["deploy-prod.yml:prod"].with.rollback).to.equal("${{ inputs.rollback }}");
    });

    it("pull requests: test, the dev preview, its comment", () => {
      expect(needs("pull-request.yml")).to.deep.equal({ test: null, preview: "test", comment: "preview" });
      expect(githubJobs["pull-request.yml:preview"].with).to.deep.equal({
        stack: "dev",
        command: "preview",
        environment: "dev-preview",
      });
    });

    it("drift: the report follows a failed check", () => {
      expect(needs("drift.yml")).to.deep.equal({ prod: null, report: "prod" });
      expect(githubJobs["drift.yml:report"].if).to.equal("failure()");
    });
  });

  describe("the shared pulumi workflow", () => {
    const steps: Yaml[] = githubJobs["pulumi.yml:pulumi"].steps;
    const index = (name: string) => steps.findIndex((s) => s.name === name);

    it("checks out the commit it deploys with its history, and the CI tools of the workflow's own commit", () => {
      expect(steps[0].with).to.deep.equal({
        ref: "${{ inputs.ref || github.sha }}",
        "fetch-depth": 0,
        "persist-credentials": false,
      });
      expect(steps[1].with).to.include({ path: "ci-tools", "persist-credentials": false });
    });

    it("signs in before Pulumi runs, and again between up and the settle check", () => {
      expect(index("sign in")).to.be.lessThan(index("preview ${{ inputs.stack }}"));
      expect(index("sign in")).to.be.lessThan(index("up ${{ inputs.stack }}"));
      expect(steps.slice(index("up ${{ inputs.stack }}") + 1).map((s) => s.name)).to.deep.equal([
        "sign in again after up",
        "expect no changes after up",
      ]);
      expect(steps.at(-1).run).to.equal(
        'pulumi preview --stack "$STACK_NAME" --expect-no-changes --diff --non-interactive',
      );
    });

    it("previews and deploys with the policy pack; prod's deploy first checks the commit's order", () => {
      expect(steps[index("preview ${{ inputs.stack }}")].run).to.contain(
        'pulumi preview --stack "$STACK_NAME" --diff --policy-pack policy',
      );
      expect(steps[index("up ${{ inputs.stack }}")].run).to.contain(
        'pulumi up --stack "$STACK_NAME" --yes --diff --policy-pack policy',
      );
      const order = steps[index("up ${{ inputs.stack }}") - 1];
      expect(order.if).to.equal("inputs.command == 'up' && inputs.stack == 'prod'");
      expect(order.run).to.contain("python3 ci-tools/tools/ci/prod_gate.py order");
      expect(order.run).to.contain('$([ "$ROLLBACK" = true ] && echo --rollback)');
    });

    it("serializes updates per stack and never cancels one", () => {
      const { concurrency } = githubJobs["pulumi.yml:pulumi"];
      expect(concurrency.group).to.contain("format('pulumi-up-{0}', inputs.stack)");
      expect(concurrency["cancel-in-progress"]).to.equal("${{ inputs.command != 'up' }}");
    });

    it("hands the preview's report to its caller", () => {
      expect(workflow("pulumi.yml").on.workflow_call.outputs.report.value).to.equal(
        "${{ jobs.pulumi.outputs.report }}",
      );
      expect(steps[index("report the preview")].run).to.contain("ci-tools/tools/ci/pr_comment.py render");
    });
  });

  describe("the smoke test", () => {
    const smoke = githubJobs["deploy.yml:smoke"];

    it("runs as its own job with its own timeout, from outputs read right after signing in", () => {
      expect(smoke["timeout-minutes"]).to.equal(120);
      const names = smoke.steps.map((s: Yaml) => s.name ?? s.run ?? s.uses);
      expect(names.slice(-3)).to.deep.equal(["sign in", "read dev's outputs", "smoke test dev"]);
      expect(smoke.steps.at(-1).run).to.equal(
        'make smoke STACK="$STACK_NAME" OUTPUTS="$RUNNER_TEMP/outputs.json"',
      );
    });

    it("gives the test what ClientAssertionCredential needs to ask GitHub for fresh tokens", () => {
      expect(smoke.permissions["id-token"]).to.equal("write");
      expect(smoke.steps.at(-1).env).to.deep.equal({
        AZURE_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
        AZURE_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
      });
    });
  });

  describe("drift", () => {
    const steps: Yaml[] = githubJobs["drift.yml:prod"].steps;

    it("checks prod's infrastructure with a refresh and its code by content, at the commit prod runs", () => {
      const run = (name: string) => steps.find((s) => s.name === name)?.run as string;
      expect(run("check out the commit prod runs")).to.contain("python3 tools/ci/prod_gate.py deployed");
      expect(run("infrastructure as deployed")).to.equal(
        'pulumi preview --refresh --expect-no-changes --diff --non-interactive --stack "$STACK_NAME"',
      );
      expect(run("code as deployed")).to.contain("make verify-code");
      expect(steps.find((s) => s.name === "code as deployed").if).to.equal("success() || failure()");
    });
  });

  it("every job that runs on a runner has a timeout", () => {
    const unbounded = Object.entries(githubJobs)
      .filter(([, job]) => job["runs-on"] !== undefined && typeof job["timeout-minutes"] !== "number")
      .map(([name]) => name);
    expect(unbounded).to.deep.equal([]);
  });

  it("installs the Pulumi CLI of the SDK's release from package.json", () => {
    const [read, install] = signIn.runs.steps;
    expect(read.run).to.contain(`jq -r '.dependencies["@pulumi/pulumi"]' package.json`);
    expect(install.with["pulumi-version"]).to.equal("${{ steps.sdk.outputs.version }}");
    expect(readFileSync(path.join(ADO, "templates", "pulumi-cli.yml"), "utf8")).to.contain(
      `jq -r '.dependencies["@pulumi/pulumi"]' package.json`,
    );
  });

  it("caches the Azure CLI's tokens right after each sign-in", () => {
    const names = signIn.runs.steps.map((s: Yaml) => s.name);
    expect(names.indexOf("cache the Azure CLI's tokens")).to.equal(
      names.indexOf("sign the Azure CLI in") + 1,
    );
  });

  it("builds with the Go release tools/pulumi-cli/go.mod names", () => {
    const setupGo = githubJobs["test.yml:make-test"].steps.find((s: Yaml) =>
      String(s.uses).startsWith("actions/setup-go@"),
    );
    expect(setupGo.with).to.deep.equal({
      "go-version-file": "tools/pulumi-cli/go.mod",
      "cache-dependency-path": "tools/pulumi-cli/go.sum",
    });
  });

  it("Dependabot watches every manifest the repository pins", () => {
    const updates: Yaml[] = readYaml(path.join(GITHUB, "dependabot.yml")).updates;
    const watched = new Map(
      updates.map((u) => [u["package-ecosystem"], [u.directories ?? [u.directory]].flat() as string[]]),
    );
    expect([...watched.keys()].sort()).to.deep.equal(["github-actions", "gomod", "npm", "pip"]);
    const tracked = spawnSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\n");
    const manifests = (name: RegExp) =>
      tracked
        .filter((f) => name.test(path.basename(f)))
        .map((f) => `/${path.dirname(f)}`.replace(/\/\.$/, "/"));
    expect([...new Set(manifests(/^package-lock\.json$/))].sort()).to.deep.equal(watched.get("npm")?.sort());
    expect([...new Set(manifests(/^requirements(-dev)?\.txt$/))].sort()).to.deep.equal(
      watched.get("pip")?.sort(),
    );
    expect(manifests(/^go\.mod$/)).to.deep.equal(watched.get("gomod"));
  });
});

describe("Azure DevOps pipeline", () => {
  const pipeline = readYaml(path.join(ADO, "pipeline.yml"));
  const stages: Yaml[] = pipeline.stages;
  const stage = (name: string): Yaml => stages.find((s) => s.stage === name);
  const template = (name: string): Yaml => readYaml(path.join(ADO, "templates", name));
  /** The template steps a stage expands, with the parameters each is given. */
  const templatesOf = (name: string): { template: string; parameters: Yaml }[] =>
    collect(stage(name), (n) => typeof n.template === "string").map((n) => ({
      template: n.template,
      parameters: n.parameters ?? {},
    }));

  it("references templates that exist", () => {
    const templates = CI_FILES.filter((f) => f.startsWith(ADO)).flatMap((file) =>
      collect(readYaml(file), (n) => typeof n.template === "string").map((n) =>
        path.join(file.endsWith("pipeline.yml") ? ADO : path.dirname(file), n.template),
      ),
    );
    expect(templates.filter((t) => !existsSync(t))).to.deep.equal([]);
  });

  it("runs each stage on its own occasion and in order", () => {
    const graph = Object.fromEntries(stages.map((s) => [s.stage, s.dependsOn ?? null]));
    expect(graph).to.deep.equal({
      test: null,
      preview: "test",
      deploy_dev: "test",
      preview_prod: "deploy_dev",
      deploy_prod: "preview_prod",
      drift: [],
    });
    expect(stage("test").condition).to.equal("ne(variables['Build.Reason'], 'Schedule')");
    expect(stage("preview").condition).to.contain("eq(variables['Build.Reason'], 'PullRequest')");
    expect(stage("deploy_dev").condition).to.contain(
      "eq(variables['Build.SourceBranch'], 'refs/heads/main')",
    );
    expect(stage("deploy_dev").condition).to.contain(
      "in(variables['Build.Reason'], 'IndividualCI', 'BatchedCI', 'Manual')",
    );
    expect(stage("drift").condition).to.equal("eq(variables['Build.Reason'], 'Schedule')");
    expect(pipeline.schedules).to.deep.equal([
      {
        cron: "17 5 * * *",
        displayName: "drift check of prod",
        branches: { include: ["main"] },
        always: true,
      },
    ]);
    expect(pipeline.pr.branches.include).to.deep.equal(["main"]);
  });

  it("gives each stage the identity and Pulumi token of its task, and pull requests nothing of prod", () => {
    const access = Object.fromEntries(
      stages.map((s) => [
        s.stage,
        {
          groups: (s.variables ?? []).map((v: Yaml) => v.group),
          connections: [
            ...new Set(templatesOf(s.stage).flatMap((t) => t.parameters.serviceConnection ?? [])),
          ],
        },
      ]),
    );
    expect(pipeline.variables).to.deep.equal([{ group: "h3-ml-pulumi" }]);
    expect(access).to.deep.equal({
      test: { groups: [], connections: [] },
      preview: { groups: ["h3-ml-pulumi-dev-preview"], connections: ["h3-ml-dev-preview"] },
      deploy_dev: { groups: ["h3-ml-pulumi-deploy"], connections: ["h3-ml-dev"] },
      preview_prod: { groups: ["h3-ml-pulumi-prod-preview"], connections: ["h3-ml-prod-preview"] },
      deploy_prod: { groups: ["h3-ml-pulumi-deploy"], connections: ["h3-ml-prod"] },
      drift: { groups: ["h3-ml-pulumi-prod-preview"], connections: ["h3-ml-prod-preview"] },
    });
  });

  it("deploys through the environments that hold the locks and prod's approval", () => {
    const deployments = collect(pipeline, (n) => typeof n.deployment === "string").map((d) => d.environment);
    expect(deployments).to.deep.equal(["h3-ml-dev", "h3-ml-prod"]);
    expect(pipeline.lockBehavior).to.equal("sequential");
  });

  it("smoke-tests dev in a job of its own after the deploy, with its own timeout", () => {
    const smoke = stage("deploy_dev").jobs.find((j: Yaml) => j.job === "smoke");
    expect(smoke).to.include({ dependsOn: "up", timeoutInMinutes: 120 });
    expect(templatesOf("deploy_dev").map((t) => t.template)).to.include("templates/smoke.yml");
  });

  it("previews prod before its deploy and passes the rollback choice to it", () => {
    expect(templatesOf("preview_prod").at(-1)?.parameters).to.deep.equal({
      command: "preview",
      stack: "prod",
      serviceConnection: "h3-ml-prod-preview",
    });
    expect(templatesOf("deploy_prod").at(-1)?.parameters).to.deep.equal({
      command: "up",
      stack: "prod",
      serviceConnection: "h3-ml-prod",
      rollback: "${{ parameters.rollback }}",
    });
    expect(pipeline.parameters).to.deep.equal([
      {
        name: "rollback",
        displayName: "Deploy to prod a commit older than the one prod runs (a rollback)",
        type: "boolean",
        default: false,
      },
    ]);
    const up = collect(
      template("pulumi.yml"),
      (n) => n.displayName === "pulumi up ${{ parameters.stack }}",
    )[0];
    expect(up.inputs.inlineScript).to.match(
      /prod_gate\.py order[\s\S]*pulumi up --stack "\$stack" --yes --diff --policy-pack policy/,
    );
    expect(up.env.H3_ROLLBACK).to.equal("${{ parameters.rollback }}");
  });

  it("bounds every job in time", () => {
    const jobs = collect(pipeline, (n) => typeof n.job === "string" || typeof n.deployment === "string");
    expect(jobs.filter((j) => typeof j.timeoutInMinutes !== "number")).to.deep.equal([]);
  });

  describe("the steps", () => {
    const files = ["pulumi.yml", "smoke.yml", "drift.yml"];
    const cliSteps = files.flatMap((f) =>
      collect(template(f), (n) => n.task === "AzureCLI@2").map((s) => ({ file: f, step: s })),
    );
    const session = readFileSync(path.join(ADO, "scripts", "pulumi-session.sh"), "utf8");

    it("sign every step in through the service connection, with no secret of their own", () => {
      expect(cliSteps.length).to.equal(6);
      for (const { file, step } of cliSteps) {
        expect(step.inputs, `${file}: ${step.displayName}`).to.include({
          azureSubscription: "${{ parameters.serviceConnection }}",
          addSpnToEnvironment: true,
        });
        expect(step.inputs.inlineScript).to.match(/^source azure-pipelines\/scripts\/pulumi-session\.sh\n/);
        expect(step.env.H3_STACK).to.equal("${{ parameters.stack }}");
      }
      expect(session).to.contain("tools/ci/azure-token-cache.sh");
      expect(session).to.contain('ARM_OIDC_TOKEN="$idToken"');
      expect(session).to.contain("export DATABRICKS_AUTH_TYPE=azure-cli");
      expect(
        files.map((f) => readFileSync(path.join(ADO, "templates", f), "utf8")).join() + session,
      ).not.to.match(/servicePrincipalKey|CLIENT_SECRET|client-secret/);
    });

    it("map the build's token only where a credential or the comment needs it, never into a preview or up", () => {
      const mapped = collect(
        files.map((f) => template(f)),
        (n) => n.env?.SYSTEM_ACCESSTOKEN !== undefined,
      ).map((n) => n.displayName);
      expect(mapped).to.deep.equal([
        "post or update the preview on the pull request",
        "smoke test ${{ parameters.stack }}",
        "infrastructure and code as deployed",
      ]);
    });

    it("prove the stack settled in a step of its own after up", () => {
      const names = collect(template("pulumi.yml"), (n) => n.task === "AzureCLI@2").map((s) => s.displayName);
      expect(names.slice(1)).to.deep.equal([
        "pulumi up ${{ parameters.stack }}",
        "expect no changes after up",
      ]);
    });

    it("check drift like GitHub: a refresh with no changes expected and the code by content", () => {
      const check = collect(
        template("drift.yml"),
        (n) => n.displayName === "infrastructure and code as deployed",
      )[0];
      expect(check.inputs.inlineScript).to.contain("pulumi preview --refresh --expect-no-changes");
      expect(check.inputs.inlineScript).to.contain("make verify-code");
    });
  });

  it("installs and caches the Go release tools/pulumi-cli/go.mod names for make test", () => {
    const toolchain = template("toolchain.yml");
    const goMod = readFileSync(path.join(ROOT, "tools", "pulumi-cli", "go.mod"), "utf8");
    expect(collect(toolchain, (n) => n.task === "GoTool@0").map((g) => g.inputs.version)).to.deep.equal([
      /^go (\S+)$/m.exec(goMod)?.[1],
    ]);
    const caches = collect(toolchain, (n) => n.task === "Cache@2").map((c) => c.inputs);
    expect(caches).to.deep.equal([
      { key: 'go-modules | "$(Agent.OS)" | tools/pulumi-cli/go.sum', path: "$(Pipeline.Workspace)/go/mod" },
      { key: 'go-build | "$(Agent.OS)" | tools/pulumi-cli/go.sum', path: "$(Pipeline.Workspace)/go/build" },
    ]);
    const script = collect(toolchain, (n) => n.displayName === "Go caches in the pipeline workspace")[0]
      .script;
    expect(script).to.contain("variable=GOMODCACHE]$(Pipeline.Workspace)/go/mod");
    expect(script).to.contain("variable=GOCACHE]$(Pipeline.Workspace)/go/build");
  });
});
