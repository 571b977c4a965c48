/**
 * Databricks Runtime versions released as Long Term Support. Nothing in a version string says "LTS", so the
 * list is kept here and extended when Databricks announces the next LTS.
 */
export const LTS_RUNTIMES: readonly string[] = ["12.2", "13.3", "14.3", "15.4", "16.4", "17.3"];

/** `17.3.x-scala2.13`, `17.3.x-photon-scala2.13`, `17.3.x-cpu-ml-scala2.13` all count as 17.3. */
export function isLtsRuntime(sparkVersion: unknown): boolean {
  if (typeof sparkVersion !== "string") return false;
  const match = /^(\d+\.\d+)\.x-[a-z0-9.-]*scala\d+\.\d+$/.exec(sparkVersion);
  return match?.[1] !== undefined && LTS_RUNTIMES.includes(match[1]);
}

/** The longest a cluster may sit idle before Databricks stops paying for it. */
export const MAX_AUTOTERMINATION_MINUTES = 120;
