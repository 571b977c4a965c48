/**
 * Quartz cron expressions as the Databricks Jobs API takes them: `sec min hour day-of-month month
 * day-of-week [year]`, with `?` in exactly one of the two day fields. A mistake here would otherwise
 * surface only at `pulumi up`, as an API error on the job.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names allowed instead of numbers (months, weekdays). */
  names?: readonly string[];
  /** Extra Quartz forms allowed in this field (`L`, `W`, `#`). */
  special?: RegExp;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly CronField[] = [
  { name: "seconds", min: 0, max: 59 },
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(L(-\d{1,2})?|LW|\d{1,2}W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, special: /^([1-7]|[A-Z]{3})(L|#[1-5])$|^L$/ },
  { name: "year", min: 1970, max: 2199 },
];

function value(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.min;
  if (!/^\d+$/.test(text)) return undefined;
  const number = Number(text);
  return number >= field.min && number <= field.max ? number : undefined;
}

function partOk(part: string, field: CronField): boolean {
  if (field.special?.test(part.toUpperCase())) return true;
  const [range, step, ...rest] = part.split("/");
  if (rest.length > 0 || range === undefined) return false;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= field.max))
    return false;
  if (range === "*") return true;
  const [from, to, ...extra] = range.split("-");
  if (extra.length > 0 || from === undefined) return false;
  const start = value(from, field);
  if (start === undefined) return false;
  return to === undefined || (value(to, field) ?? -1) >= start;
}

/** Why `expression` is not a Quartz cron the Jobs API accepts, or undefined when it is. */
export function quartzCronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7) {
    return `it has ${parts.length} fields; Quartz needs 6 or 7 (sec min hour day-of-month month day-of-week [year])`;
  }
  const [dayOfMonth, dayOfWeek] = [parts[3], parts[5]];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return "exactly one of day-of-month (4th field) and day-of-week (6th field) must be ?";
  }
  for (const [index, text] of parts.entries()) {
    const field = FIELDS[index] as CronField;
    if (text === "?" && (index === 3 || index === 5)) continue;
    const bad = text.split(",").find((part) => !partOk(part, field));
    if (bad !== undefined)
      return `${field.name} field ${JSON.stringify(bad)} is not valid (${field.min}-${field.max})`;
  }
  return undefined;
}
