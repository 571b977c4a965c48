/**
 * The job parameters the program hands each job are exactly those notebooks/h3_ml/job_parameters.json declares for
 * it: the jobs validate what they get against that file, so a parameter it does not declare would be refused at run
 * time, and one it declares but the program leaves out would fall back to the notebook's default silently.
 */
import { expect } from "chai";
import JOB_PARAMETERS from "../notebooks/h3_ml/job_parameters.json";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import type { Evaluation } from "./harness/mockProgram";
import { evaluated, FULL_COPY, ofType, SHARED_MODE } from "./support";

/** The job each Databricks job of the program runs, by its resource name. */
const JOB_OF: Readonly<Record<string, string>> = {
  "jobs-ingest": "ingest",
  "jobs-normalize": "normalize",
  "jobs-delete": "delete",
};

interface Declared {
  readonly jobs: readonly string[];
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
}

const DECLARED = JOB_PARAMETERS as unknown as Readonly<Record<string, Declared>>;

const declaredFor = (job: string) =>
  Object.entries(DECLARED)
    .filter(([, p]) => p.jobs.includes(job))
    .map(([name]) => name)
    .sort();

describe("job parameters against their contract (notebooks/h3_ml/job_parameters.json)", () => {
  const STACKS = { dev: {}, prod: {}, "dev-ada": SHARED_MODE, "dev-carol": FULL_COPY } as const;
  const evaluations: Record<string, Evaluation> = {};
  before(async () => {
    for (const [stack, config] of Object.entries(STACKS))
      evaluations[stack] = await evaluated(stack, { config });
  });

  for (const stack of Object.keys(STACKS)) {
    it(`passes each job on ${stack} exactly the parameters the contract declares for it, each within its range`, () => {
      const jobs = ofType(evaluations[stack] as Evaluation, TYPES.job);
      expect(jobs.map((j) => j.name).sort()).to.deep.equal(Object.keys(JOB_OF).sort());
      for (const job of jobs) {
        const kind = JOB_OF[job.name] as string;
        const passed = job.inputs.parameters as { name: string; default: string }[];
        expect(passed.map((p) => p.name).sort(), `${stack} ${job.name}`).to.deep.equal(declaredFor(kind));
        for (const { name, default: value } of passed) {
          const declared = DECLARED[name] as Declared;
          if (declared.type !== "integer") continue;
          const n = Number(value);
          expect(Number.isInteger(n), `${stack} ${job.name} ${name}=${value}`).to.equal(true);
          if (declared.min !== undefined)
            expect(n, `${name} at least ${declared.min}`).to.be.at.least(declared.min);
          if (declared.max !== undefined)
            expect(n, `${name} at most ${declared.max}`).to.be.at.most(declared.max);
        }
      }
    });
  }
});
