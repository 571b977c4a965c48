import { expect } from "chai";
import {
  buildPlan,
  COMMITTED_STACKS,
  planJson,
  redact,
  regenerateCommand,
  SECRET,
  stalePlanFiles,
} from "../scripts/lib/planFiles";
import { COMPUTED } from "./harness/mockProgram";
import { evaluated, sectionWith } from "./support";

interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  protect: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
  inputs: Record<string, any>;
}

const resources = (json: string): PlannedResource[] => JSON.parse(json).resources;

/** Each stack's plan, built once for the tests that only read it. */
const built = new Map<string, ReturnType<typeof buildPlan>>();
const planOf = (stack: string) => {
  let plan = built.get(stack);
  if (plan === undefined) {
    plan = buildPlan(stack);
    built.set(stack, plan);
  }
  return plan;
};

describe("offline plan", () => {
  for (const stack of COMMITTED_STACKS) {
    it(`plans/${stack}.txt and plans/${stack}.json match the program`, async () => {
      const stale = stalePlanFiles(stack, await planOf(stack));
      expect(stale, `out of date: run ${regenerateCommand(stack)} and commit the result`).to.deep.equal([]);
    });
  }

  it("is identical across runs", async () => {
    const [first, second] = [await planOf("dev"), await buildPlan("dev")];
    expect(second.text).to.equal(first.text);
    expect(second.json).to.equal(first.json);
  });

  it("lists type, name, parent and protect of each resource, sorted by URN", async () => {
    const planned = resources((await planOf("prod")).json);
    const urns = planned.map((r) => r.urn);
    expect(urns).to.deep.equal([...urns].sort((a, b) => a.localeCompare(b)));
    for (const r of planned.filter((p) => p.parent !== null)) expect(urns).to.include(r.parent);
    const account = planned.find((r) => r.type === "azure-native:storage:StorageAccount");
    expect(account).to.include({ name: "lake-account", protect: true });
    expect(account?.parent).to.equal("urn:pulumi:prod::h3-ml::h3:storage:DataLake::lake");
    const devPlanned = resources((await planOf("dev")).json);
    expect(devPlanned.filter((r) => r.protect)).to.deep.equal([]);
  });

  it("shows values known only after deployment as a placeholder", async () => {
    const planned = resources((await planOf("dev")).json);
    const hub = planned.find((r) => r.type === "azure-native:eventhub:EventHub");
    expect(hub?.inputs.captureDescription.destination.storageAccountResourceId).to.equal(COMPUTED);
    expect(hub?.inputs.eventHubName).to.equal("events");
  });

  it("redacts secret inputs by path and secret outputs whole", async () => {
    expect(redact({ b: { a: ["x", "key"] }, c: 1 }, new Set(["b.a[1]"]))).to.deep.equal({
      b: { a: ["x", SECRET] },
      c: 1,
    });
    const sas = await evaluated("dev", {
      config: sectionWith("dev", "eventHubs", { allowSasSender: true }),
      preview: false,
    });
    const json = planJson(sas);
    expect(JSON.parse(json).outputs.eventHubsSasSenderConnectionStrings).to.equal(SECRET);
    expect(json).not.to.contain("SharedAccessKey=");
  });

  it("fails when a committed file differs and names the command that updates it", async () => {
    const plan = await planOf("dev");
    expect(stalePlanFiles("dev", { ...plan, text: `${plan.text}changed\n` })).to.deep.equal([
      "plans/dev.txt",
    ]);
    expect(regenerateCommand("dev")).to.equal("npm run plan -- dev   (or: make plan STACK=dev)");
  });
});
