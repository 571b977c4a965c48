/**
 * Databricks Runtime lines released as Long Term Support and still supported, with the Scala builds each one
 * ships. Nothing in a runtime key says "LTS", so the list is kept here, and both the program's config validator
 * and the policy pack read it: a runtime the config accepts is one the pack lets through. Imports nothing.
 *
 * Support ends three years after release (14.3: Feb 2027, 15.4: Aug 2027, 16.4: May 2028, 17.3: Oct 2028);
 * drop a line when its support ends and add the next LTS when Databricks announces it.
 */
const LTS_RUNTIMES: Readonly<Record<string, readonly string[]>> = {
  "14.3": ["2.12"],
  "15.4": ["2.12"],
  // The one LTS with both builds, to move Scala code to 2.13 before 17.x.
  "16.4": ["2.12", "2.13"],
  // Spark 4: Scala 2.13 only.
  "17.3": ["2.13"],
};

/** The plain runtime key of every LTS build, e.g. `17.3.x-scala2.13`. */
export const LTS_RUNTIME_KEYS: readonly string[] = Object.entries(LTS_RUNTIMES).flatMap(([line, scalas]) =>
  scalas.map((scala) => `${line}.x-scala${scala}`),
);

// `<major>.<minor>.x[-variant...]-scala<version>`: 17.3.x-scala2.13, 17.3.x-photon-scala2.13, 17.3.x-cpu-ml-scala2.13.
const RUNTIME_KEY = /^(\d+\.\d+)\.x(?:-[a-z0-9]+)*-scala(\d+\.\d+)$/;

/** True for any text shaped like a runtime key, LTS or not. */
export function isRuntimeKey(sparkVersion: unknown): boolean {
  return typeof sparkVersion === "string" && RUNTIME_KEY.test(sparkVersion);
}

/** True for any variant (photon, ML) of an LTS line in a Scala build that line ships. */
export function isLtsRuntime(sparkVersion: unknown): boolean {
  if (typeof sparkVersion !== "string") return false;
  const [, line, scala] = RUNTIME_KEY.exec(sparkVersion) ?? [];
  return line !== undefined && scala !== undefined && (LTS_RUNTIMES[line] ?? []).includes(scala);
}

/** The LTS builds as one phrase for messages: `14.3.x-scala2.12, ..., 17.3.x-scala2.13`. */
export const LTS_RUNTIME_LIST = LTS_RUNTIME_KEYS.join(", ");
