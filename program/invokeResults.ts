/**
 * Reading invoke results that the engine may leave empty. An invoke through a provider whose configuration is
 * not known yet (the Databricks provider before its workspace exists) is answered with `{}` in a preview
 * (pulumi/pulumi#10209; sdk/go/common/resource/plugin/provider_plugin.go, `Invoke`), so every field is missing,
 * not unknown. Read that way, the value shows as computed in the preview instead of as `undefined`.
 */
import * as pulumi from "@pulumi/pulumi";

/** `result[key]`, unknown while the invoke was answered without it. */
export function invokedField<T extends object, K extends keyof T>(
  result: pulumi.Output<T>,
  key: K,
): pulumi.Output<NonNullable<T[K]>> {
  return result.apply((value) => value[key] ?? (pulumi.unknown as unknown as NonNullable<T[K]>));
}
