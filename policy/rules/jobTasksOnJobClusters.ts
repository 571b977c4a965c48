import { at, expected, type Rule, show, TYPES } from "../core";

interface Task {
  taskKey?: unknown;
  jobClusterKey?: unknown;
  newCluster?: unknown;
  existingClusterId?: unknown;
}

// A job on a shared all-purpose cluster competes with people for it, runs whatever libraries they attached
// and keeps it alive; a job cluster is created for the run, sized for it, and gone after it.
export const jobTasksOnJobClusters: Rule = {
  name: "job-tasks-on-job-clusters",
  description:
    "Every job task runs on a job cluster declared by the job (never an existing all-purpose cluster).",
  appliesTo: [TYPES.job],
  check: ({ props }) => {
    const tasks = at(props, "tasks");
    if (!Array.isArray(tasks) || tasks.length === 0) {
      return [expected("tasks", "a non-empty list", tasks, "declare the job's tasks")];
    }
    const declared = new Set(
      (Array.isArray(props.jobClusters) ? props.jobClusters : []).map(
        (c: { jobClusterKey?: unknown }) => c.jobClusterKey,
      ),
    );
    const problems: string[] = [];
    for (const task of tasks as Task[]) {
      const where = `tasks[${show(task.taskKey)}]`;
      if (task.existingClusterId !== undefined) {
        problems.push(
          expected(
            `${where}.existingClusterId`,
            "unset",
            task.existingClusterId,
            "use a jobClusterKey instead",
          ),
        );
      } else if (task.newCluster === undefined && !declared.has(task.jobClusterKey)) {
        problems.push(
          expected(
            `${where}.jobClusterKey`,
            `one of the job's jobClusters (${[...declared].map(show).join(", ") || "none declared"})`,
            task.jobClusterKey,
            "declare a jobClusters entry and point the task at its jobClusterKey",
          ),
        );
      }
    }
    return problems;
  },
};
