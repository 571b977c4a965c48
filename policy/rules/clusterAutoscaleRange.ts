import { at, expected, type Rule, TYPES } from "../core";

/** A cluster spec's autoscale block, where one is set. */
interface Autoscale {
  readonly minWorkers?: unknown;
  readonly maxWorkers?: unknown;
}

// The Databricks provider's schema for `autoscale` (`ClusterAutoscale`): "maxWorkers must be strictly greater
// than min_workers". A size that cannot vary is `numWorkers`.
function autoscaleProblems(path: string, spec: unknown): string[] {
  if (spec === null || typeof spec !== "object") return [];
  const autoscale = (spec as { autoscale?: Autoscale }).autoscale;
  if (autoscale === undefined) return [];
  const { minWorkers, maxWorkers } = autoscale;
  const min = typeof minWorkers === "number" ? minWorkers : 0;
  if (typeof maxWorkers === "number" && maxWorkers > min) return [];
  return [
    expected(
      `${path}autoscale.maxWorkers`,
      `greater than autoscale.minWorkers (${min})`,
      maxWorkers,
      `set numWorkers: ${min} instead of autoscale when the size cannot vary, or raise maxWorkers`,
    ),
  ];
}

export const clusterAutoscaleRange: Rule = {
  name: "cluster-autoscale-range",
  description:
    "An autoscaling cluster (all-purpose or a job's) has maxWorkers greater than minWorkers; a fixed size is numWorkers.",
  appliesTo: [TYPES.cluster, TYPES.job],
  check: ({ type, props }) => {
    if (type === TYPES.cluster) return autoscaleProblems("", props);
    const jobClusters = at(props, "jobClusters");
    return (Array.isArray(jobClusters) ? jobClusters : []).flatMap((cluster, i) =>
      autoscaleProblems(`jobClusters[${i}].newCluster.`, (cluster as { newCluster?: unknown })?.newCluster),
    );
  },
};
