/**
 * What a shared personal stack must match in the dev stack it runs in, as the one versioned object dev exports
 * (`personalStack`) and personal stacks read through their StackReference: the cluster policy their jobs run under
 * and what it fixes, and where their hubs' Capture files land. A personal stack refuses a version it was not
 * written for, with the command that fixes it, rather than deploying jobs dev's workspace would refuse.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/config";

/** Raised with every change to a field's meaning, or a field's removal. */
export const PERSONAL_STACK_CONTRACT_VERSION = 1;

export interface PersonalStackContract {
  readonly version: number;
  /** The cluster policy personal jobs' clusters are drawn from (`<prefix>-dev personal jobs`). */
  readonly jobPolicyId: string;
  /** The runtime and VM size that policy fixes. */
  readonly sparkVersion: string;
  readonly nodeTypeId: string;
  /** The most workers a personal job's cluster may have. */
  readonly maxWorkers: number;
  /** Tags the policy fixes, with the values every personal job's cluster must carry. */
  readonly fixedTags: Readonly<Record<string, string>>;
  /**
   * `abfss://` URL of dev's capture container: a personal hub's files land in its `<hub>/<namespace>/` folder
   * (`personalCaptureRoot`), inside the capture location personal jobs read through.
   */
  readonly captureContainerUrl: string;
}

/**
 * The tags every shared personal stack's job clusters carry with the same value, whichever stack: the project,
 * who manages them, and that they are personal. `stack` and `owner` differ per stack (the policy checks them apart).
 */
export function personalFixedTags(config: Pick<StackConfig, "project">): Record<string, string> {
  return { project: config.project, managedBy: "pulumi", environment: "personal" };
}

/** The output name under which dev exports the contract. */
export const PERSONAL_STACK_OUTPUT = "personalStack";

/**
 * The contract as read from dev's outputs, checked: its version, and that this stack's jobs fit the policy it names
 * (`workers` at most its cap, `tags` carrying its fixed tags). `devStack` names dev in messages.
 */
export function checkedContract(
  contract: pulumi.Output<unknown>,
  devStack: string,
  jobs: { readonly workers: number; readonly tags: Readonly<Record<string, string>> },
): pulumi.Output<PersonalStackContract> {
  return contract.apply((value) => {
    const found = value as Partial<PersonalStackContract> | undefined;
    if (found?.version !== PERSONAL_STACK_CONTRACT_VERSION) {
      throw new Error(
        `dev stack ${devStack} exports ${found === undefined ? `no ${PERSONAL_STACK_OUTPUT} output` : `${PERSONAL_STACK_OUTPUT} version ${JSON.stringify(found.version)}`}, and this stack reads version ${PERSONAL_STACK_CONTRACT_VERSION}. ` +
          "Fix: deploy dev from the revision you are on (its pipeline), or check out the revision dev runs (git log on main)",
      );
    }
    const contracted = found as PersonalStackContract;
    if (jobs.workers > contracted.maxWorkers) {
      throw new Error(
        `databricks.jobWorkers must be at most ${contracted.maxWorkers} (dev's personal job policy), got ${jobs.workers}. ` +
          `Fix: pulumi config set --path databricks.jobWorkers ${contracted.maxWorkers}`,
      );
    }
    const wrong = Object.entries(contracted.fixedTags).filter(([key, tag]) => jobs.tags[key] !== tag);
    if (wrong.length > 0) {
      throw new Error(
        `the jobs' tags must carry ${wrong.map(([key, tag]) => `${key}=${tag}`).join(", ")} (dev's personal job policy fixes them), ` +
          `got ${wrong.map(([key]) => `${key}=${JSON.stringify(jobs.tags[key])}`).join(", ")}. ` +
          "Fix: run this stack from the project dev runs (the same Pulumi.yaml name and revision)",
      );
    }
    return contracted;
  });
}
