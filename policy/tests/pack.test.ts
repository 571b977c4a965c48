/**
 * The pack as `pulumi preview --policy-pack policy/` runs it: Pulumi's own policy runner loads index.ts
 * (compiled by ts-node, type-checked) and serves the analyzer over gRPC; the test plays the engine's part.
 * Run by `make test-policy` once policy/ has its own dependencies installed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeRequest,
  AnalyzerResourceOptions,
  ConfigureAnalyzerRequest,
  EnforcementLevel,
  PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { expect } from "chai";
import { BASELINE } from "../fixtures";
import { patch } from "../fixtures/baseline";
import { RULES, STACK_RULES } from "../rules";

// google-protobuf ships no type declarations; these are the two messages the test builds.
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
  // biome-ignore lint/suspicious/noExplicitAny: Struct comes from the untyped google-protobuf module
  Struct: { fromJavaScript(value: Record<string, unknown>): any };
};
const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };

const PACK_DIR = path.join(__dirname, "..");

interface Diagnostic {
  policyName: string;
  message: string;
  enforcementLevel: EnforcementLevel;
}

/** A running pack and a client connected to it. */
class RunningPack {
  private constructor(
    private readonly child: ChildProcess,
    readonly client: AnalyzerClient,
  ) {}

  /** Starts the pack in `dir` the way the CLI's analyzer plugin does and waits for its port. */
  static async start(dir: string): Promise<RunningPack> {
    const runner = path.join(PACK_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: dir, stdio: "pipe" });
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.once("data", (chunk) => resolve(String(chunk).trim()));
      child.once("exit", (code) =>
        reject(new Error(`policy pack exited with ${code} before serving:\n${stderr}`)),
      );
    });
    expect(port).to.match(/^\d+$/);
    return new RunningPack(child, new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
  }

  analyze(
    stack: string,
    resource: { type: string; name: string; props: Record<string, unknown>; protect: boolean },
  ) {
    const request = new AnalyzeRequest()
      .setType(resource.type)
      .setName(resource.name)
      .setUrn(`urn:pulumi:${stack}::h3-ml::${resource.type}::${resource.name}`)
      .setProperties(Struct.fromJavaScript(resource.props))
      .setOptions(new AnalyzerResourceOptions().setProtect(resource.protect));
    return new Promise<Diagnostic[]>((resolve, reject) =>
      this.client.analyze(request, (error, response) =>
        error
          ? reject(error)
          : resolve(
              response.getDiagnosticsList().map((d) => ({
                policyName: d.getPolicyname(),
                message: d.getMessage(),
                enforcementLevel: d.getEnforcementlevel(),
              })),
            ),
      ),
    );
  }

  /**
   * What the CLI sends for `--policy-pack-config <file>` whose content is `{ "<policy>": "advisory" }`: each
   * named policy's enforcement level, with no further properties.
   */
  configure(levels: Readonly<Record<string, EnforcementLevel>>) {
    const request = new ConfigureAnalyzerRequest();
    for (const [policy, level] of Object.entries(levels)) {
      request
        .getPolicyconfigMap()
        .set(policy, new PolicyConfig().setEnforcementlevel(level).setProperties(Struct.fromJavaScript({})));
    }
    return new Promise<void>((resolve, reject) =>
      this.client.configure(request, (error) => (error ? reject(error) : resolve())),
    );
  }

  policies() {
    return new Promise<{ name: string; level: EnforcementLevel }[]>((resolve, reject) =>
      // biome-ignore lint/suspicious/noExplicitAny: Empty comes from the untyped google-protobuf module
      this.client.getAnalyzerInfo(new Empty() as any, (error, info) =>
        error
          ? reject(error)
          : resolve(
              info.getPoliciesList().map((p) => ({ name: p.getName(), level: p.getEnforcementlevel() })),
            ),
      ),
    );
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}

const publicBlobs = {
  ...BASELINE.storageAccount,
  props: patch(BASELINE.storageAccount.props, { allowBlobPublicAccess: true }),
};

describe("policy pack served by Pulumi's policy runner", function () {
  this.timeout(120_000);
  let pack: RunningPack;

  before(async () => {
    pack = await RunningPack.start(PACK_DIR);
  });
  after(() => pack?.stop());

  it("serves every rule as a mandatory policy", async () => {
    const policies = await pack.policies();
    expect(policies.map((p) => p.name)).to.deep.equal([...RULES, ...STACK_RULES].map((r) => r.name));
    expect(policies.every((p) => p.level === EnforcementLevel.MANDATORY)).to.equal(true);
  });

  it("passes a compliant storage account", async () => {
    expect(await pack.analyze("prod", BASELINE.storageAccount)).to.deep.equal([]);
  });

  it("blocks public blob access, naming the rule and the input", async () => {
    expect(await pack.analyze("prod", publicBlobs)).to.deep.equal([
      {
        policyName: "storage-no-public-blob-access",
        enforcementLevel: EnforcementLevel.MANDATORY,
        // The engine puts the rule's description first, then the finding.
        message:
          "Storage accounts forbid anonymous (public) blob access.\n" +
          "[storage-no-public-blob-access] lake: allowBlobPublicAccess must be false, got true. " +
          "Fix: set allowBlobPublicAccess: false",
      },
    ]);
  });

  it("blocks an unprotected storage account on prod only", async () => {
    const unprotected = { ...BASELINE.storageAccount, protect: false };
    const prod = await pack.analyze("prod", unprotected);
    expect(prod.map((d) => d.policyName)).to.deep.equal(["prod-stateful-protected"]);
    const dev = { ...unprotected, props: patch(unprotected.props, { tags: { stack: "dev" } }) };
    expect(await pack.analyze("dev", dev)).to.deep.equal([]);
  });

  describe("with a policy pack config lowering one policy to advisory", () => {
    // Pulumi's policy SDK makes every policy's enforcement level configurable; a config entry overrides the
    // level the pack declares (https://pulumi.com/docs/using-pulumi/crossguard/configuration); the CLI reads
    // `--policy-pack-config` into this request (pulumi/pulumi pkg/resource/analyzer/config.go).
    let configured: RunningPack;
    before(async () => {
      configured = await RunningPack.start(PACK_DIR);
      await configured.configure({ "storage-no-public-blob-access": EnforcementLevel.ADVISORY });
    });
    after(() => configured?.stop());

    const personal = {
      ...publicBlobs,
      protect: false,
      props: patch(publicBlobs.props, { tags: { stack: "dev-alice" } }),
    };

    it("reports that policy's finding as advisory, with the same message", async () => {
      const found = await configured.analyze("dev-alice", personal);
      expect(found.map((d) => [d.policyName, d.enforcementLevel])).to.deep.equal([
        ["storage-no-public-blob-access", EnforcementLevel.ADVISORY],
      ]);
      expect(found[0]?.message).to.include("allowBlobPublicAccess must be false, got true");
    });

    it("keeps every other policy mandatory", async () => {
      const found = await configured.analyze("dev-alice", { ...personal, protect: true });
      expect(found.map((d) => [d.policyName, d.enforcementLevel])).to.deep.equal([
        ["storage-no-public-blob-access", EnforcementLevel.ADVISORY],
        ["personal-unprotected", EnforcementLevel.MANDATORY],
      ]);
    });
  });
});
