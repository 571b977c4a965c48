/**
 * Each stack's jobs read only their own hubs' Capture files. Every stack's ingest job reads one folder of a capture
 * container (its `capture_root`) and its file-arrival trigger watches one; a shared personal stack's hub captures
 * into dev's container. When one stack's folder holds another's, the first stack ingests the second's events and
 * starts billed runs for them.
 */
import { expect } from "chai";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import type { Evaluation } from "./harness/mockProgram";
import { evaluated, FULL_COPY, resource, SHARED_MODE } from "./support";

/** The folders a stack's ingest job reads and watches, each with a trailing slash. */
function captureRoots(ev: Evaluation): string[] {
  const ingest = resource(ev, TYPES.job, "jobs-ingest").inputs;
  const parameter = ingest.parameters.find((p: { name: string }) => p.name === "capture_root")?.default;
  return [parameter, ingest.trigger?.fileArrival?.url].filter((u): u is string => typeof u === "string");
}

/** Pairs of stacks where one reads a folder inside (or equal to) a folder the other reads. */
function nestedRoots(roots: Readonly<Record<string, readonly string[]>>): string[] {
  const found: string[] = [];
  for (const [stack, own] of Object.entries(roots)) {
    for (const [other, theirs] of Object.entries(roots)) {
      if (stack === other) continue;
      for (const outer of own) {
        for (const inner of theirs) {
          if (inner.startsWith(outer)) found.push(`${stack} reads ${outer}, which holds ${other}'s ${inner}`);
        }
      }
    }
  }
  return found;
}

describe("capture roots", () => {
  const STACKS = {
    dev: {},
    prod: {},
    "dev-ada": SHARED_MODE,
    "dev-bob": SHARED_MODE,
    "dev-carol": FULL_COPY,
  } as const;
  let roots: Record<string, string[]>;
  before(async () => {
    roots = {};
    for (const [stack, config] of Object.entries(STACKS))
      roots[stack] = captureRoots(await evaluated(stack, { config }));
  });

  it("reads and watches one folder per stack", () => {
    for (const [stack, own] of Object.entries(roots)) {
      expect(new Set(own).size, `${stack}: ${own.join(", ")}`).to.equal(1);
    }
    expect([...new Set(roots.dev)]).to.deep.equal([
      "abfss://capture@h3mldevst571d3e.dfs.core.windows.net/h3ml-dev-evhns-571d3e/",
    ]);
    expect(roots["dev-ada"]?.[0]).to.equal(
      "abfss://capture@h3mldevst571d3e.dfs.core.windows.net/dev-ada/h3ml-dev-evhns-571d3e/",
    );
  });

  it("never reads a folder that holds another stack's, dev and the personal stacks in its container included", () => {
    expect(nestedRoots(roots)).to.deep.equal([]);
  });

  it("would fail with dev reading its whole container, as the jobs did when every hub captured under {Namespace}/", () => {
    const container = "abfss://capture@h3mldevst571d3e.dfs.core.windows.net/";
    expect(
      nestedRoots({ dev: [container], "dev-ada": [`${container}h3ml-dev-evhns-571d3e/dev-ada/`] }),
    ).to.deep.equal([
      `dev reads ${container}, which holds dev-ada's ${container}h3ml-dev-evhns-571d3e/dev-ada/`,
    ]);
  });
});
