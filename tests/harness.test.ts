import { expect } from "chai";
import { EvaluationError, evaluateProgram } from "../scripts/lib/mockProgram";
import { FULL_COPY } from "./support";

describe("harness", () => {
  it("evaluates several stacks in one process, each with its own config", async () => {
    const dev = await evaluateProgram("dev");
    const alice = await evaluateProgram("dev-alice", { config: FULL_COPY });
    const rgName = (e: typeof dev) =>
      e.registrations.find((r) => r.type === "azure-native:resources:ResourceGroup")?.inputs
        .resourceGroupName;
    expect(rgName(dev)).to.equal("h3ml-dev-rg");
    expect(rgName(alice)).to.equal("h3ml-dev-alice-rg");
    expect(alice.outputs.resourceGroupName).to.deep.equal({ value: "h3ml-dev-alice-rg", secret: false });
  });

  it("reports what was registered when the program throws", async () => {
    const failure = await evaluateProgram("dev", { config: { deletionSlaDays: 0 } }).catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(EvaluationError);
    expect((failure as EvaluationError).registrations).to.deep.equal([]);
  });
});
