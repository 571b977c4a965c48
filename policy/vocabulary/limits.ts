/**
 * Limits the program's config, its components and the policy pack all enforce, each stated once. Imports nothing,
 * so the pack (which loads only its own folder) can read it.
 */

/**
 * Idle minutes after which an all-purpose cluster stops: at least 10, so a pause in an analysis does not restart
 * it; at most 30, so a forgotten cluster does not bill for long. Job clusters stop with their run.
 */
export const AUTOTERMINATION_MINUTES = { min: 10, max: 30 } as const;

/**
 * The longest deletion SLA the product may promise: the largest `deletion_sla_days` the jobs accept in their
 * parameter contract (notebooks/h3_ml/job_parameters.json, which the program's config reads; the pack cannot
 * reach outside its folder, so a test holds the two equal).
 */
export const DELETION_SLA_MAX_DAYS = 30;

/** The Event Hubs tiers that have Capture; Basic has none, so the lake would never receive an event. */
export const CAPTURE_TIERS = ["Standard", "Premium"] as const;
export type CaptureTier = (typeof CAPTURE_TIERS)[number];
