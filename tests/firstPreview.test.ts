/**
 * The first `pulumi preview` / `pulumi up` of each kind of stack, evaluated as the engine answers it: what Azure
 * computes on create is unknown, and the Databricks provider, configured from the workspace URL that does not
 * exist yet, answers every invoke with `{}` (pulumi/pulumi#10209; sdk/go/common/resource/plugin/provider_plugin.go).
 */
import { expect } from "chai";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { COMPUTED, type Evaluation } from "./harness/mockProgram";
import { evaluated, FULL_COPY, ofType, resource, SHARED_MODE } from "./support";

describe("first preview of a stack that does not exist yet", () => {
  const previews = new Map<string, Evaluation>();
  // dev-fresh: a personal stack before its first up, as `make stack-new` writes it, sharing dev's workspace (which
  // exists, so its provider is configured) or, as a full copy, with a workspace of its own that does not exist yet.
  const STACKS = ["dev", "prod", "dev-fresh", "dev-fresh full copy"];
  before(async () => {
    for (const stack of STACKS) {
      const [name, full] = stack.split(" ");
      const config = name === "dev-fresh" ? (full ? FULL_COPY : SHARED_MODE) : {};
      previews.set(stack, await evaluated(name as string, { preview: true, config }));
    }
  });
  const of = (stack: string) => previews.get(stack) as Evaluation;

  for (const stack of STACKS) {
    it(`evaluates ${stack} without throwing, every job registered`, () => {
      expect(ofType(of(stack), TYPES.job).map((j) => j.name)).to.deep.equal([
        "jobs-delete",
        "jobs-ingest",
        "jobs-normalize",
      ]);
    });
  }

  // A first preview's getCurrentUser answers {}: the personal stack's folder and its failure mailbox derive from
  // the user, so both stay computed rather than failing to serialize.
  it("shows a personal stack's folder and mailbox as computed until the workspace exists", () => {
    const fresh = of("dev-fresh full copy");
    expect(resource(fresh, TYPES.directory, "notebooks-folder").inputs.path).to.equal(COMPUTED);
    for (const job of ofType(fresh, TYPES.job)) {
      expect(job.inputs.emailNotifications.onFailures, job.name).to.deep.equal([COMPUTED]);
    }
    expect(fresh.outputs.databricksNotebookFolder).to.deep.equal({ value: COMPUTED, secret: false });
  });

  it("shows a shared stack's folder and recipients as known, from config alone", () => {
    for (const stack of ["dev", "prod"]) {
      expect(resource(of(stack), TYPES.directory, "notebooks-folder").inputs.path, stack).to.equal(
        `/h3-ml/${stack}`,
      );
      for (const job of ofType(of(stack), TYPES.job)) {
        expect(job.inputs.emailNotifications.onFailures, `${stack} ${job.name}`).to.deep.equal([
          "h3-ml-oncall@example.com",
        ]);
      }
    }
  });
});
