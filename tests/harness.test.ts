import * as azure from "@pulumi/azure-native";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  EvaluationError,
  evaluate,
  evaluateProgram,
  MOCK_SUBSCRIPTION_ID,
  MOCK_WORKSPACE_HOST,
} from "./harness/mockProgram";
import { FULL_COPY } from "./support";

describe("harness", () => {
  it("evaluates several stacks in one process, each with its own config", async () => {
    const dev = await evaluateProgram("dev");
    const alice = await evaluateProgram("dev-alice", { config: FULL_COPY });
    const rgName = (e: typeof dev) =>
      e.registrations.find((r) => r.type === "azure-native:resources:ResourceGroup")?.inputs
        .resourceGroupName;
    // Dev deploys into the group its file names; a personal full copy creates its own.
    expect(rgName(dev)).to.equal(undefined);
    expect(dev.outputs.resourceGroupName).to.deep.equal({ value: "h3ml-dev-rg", secret: false });
    expect(rgName(alice)).to.equal("h3ml-dev-alice-rg");
    expect(alice.outputs.resourceGroupName).to.deep.equal({ value: "h3ml-dev-alice-rg", secret: false });
  });

  it("reports what was registered when the program throws", async () => {
    const failure = await evaluateProgram("dev", { config: { deletionSlaDays: 0 } }).catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(EvaluationError);
    expect((failure as EvaluationError).registrations).to.deep.equal([]);
  });

  describe("preview of a stack that does not exist yet", () => {
    /** A workspace, the Databricks provider configured from its URL, and one invoke through each provider. */
    const workspaceAndInvokes = () => {
      const workspace = new azure.databricks.Workspace("ws", {
        resourceGroupName: "rg",
        workspaceName: "ws",
        managedResourceGroupId: "/subscriptions/s/resourceGroups/managed",
        sku: { name: "premium" },
      });
      const provider = new databricks.Provider("dbx", {
        host: pulumi.interpolate`https://${workspace.workspaceUrl}`,
      });
      return {
        url: workspace.workspaceUrl,
        user: databricks.getCurrentUserOutput({}, { provider }),
        subscription: azure.authorization.getClientConfigOutput().subscriptionId,
      };
    };

    // The engine does not configure a provider whose config holds an unknown, and answers its invokes with an
    // empty result: pulumi/pulumi#10209, sdk/go/common/resource/plugin/provider_plugin.go (`Invoke`).
    it("answers an invoke through a provider configured from an unknown value with an empty result", async () => {
      const preview = await evaluate("dev-alice", workspaceAndInvokes, { preview: true });
      expect(preview.outputs.url).to.deep.equal({ value: "[computed]", secret: false });
      expect(preview.outputs.user).to.deep.equal({ value: {}, secret: false });
      // The default azure-native provider is configured from the environment, so its invokes are answered.
      expect(preview.outputs.subscription).to.deep.equal({ value: MOCK_SUBSCRIPTION_ID, secret: false });
    });

    it("answers both invokes when the stack exists", async () => {
      const existing = await evaluate("dev-alice", workspaceAndInvokes);
      expect(existing.outputs.url).to.deep.equal({ value: MOCK_WORKSPACE_HOST, secret: false });
      expect(existing.outputs.user?.value).to.deep.include({ userName: "deployer@example.com" });
    });
  });
});
