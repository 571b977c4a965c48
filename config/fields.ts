/**
 * Field readers for stack config sections. Each reader returns a usable value even when the input is wrong
 * (the default, or a safe stand-in) and records the problem, so one pass reports every mistake at once
 * instead of stopping at the first. A reader given the section's declarations (`schema.ts`) takes names,
 * ranges and defaults from them.
 */
import { defaultOf, type Environment, type FieldDeclaration } from "./schema";

/** Where config problems are collected while a stack's config is parsed. */
export class Problems {
  private readonly messages: string[] = [];

  add(message: string): void {
    this.messages.push(message);
  }

  get list(): readonly string[] {
    return this.messages;
  }
}

/** Raised once, before any resource is registered, listing every problem found in the stack config. */
export class ConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Stack "${stack}" has ${problems.length} config problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/** Renders a config value the way a user would type it, so messages show exactly what was read. */
export function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

interface IntRule {
  min: number;
  max: number;
  /** Overrides the "must be an integer in min..max" wording, e.g. for a rule tied to another key. */
  allowed?: string;
}

/**
 * Reads the fields of one config value: a top-level key (`section` undefined) or an object section such as
 * `eventHubs`. Messages carry the full key, the value read, what is allowed and the command that fixes it.
 */
/** A section's declared fields and the environment whose defaults apply. */
export interface DeclaredFields {
  readonly fields: Readonly<Record<string, FieldDeclaration>>;
  readonly environment: Environment;
}

export class FieldReader {
  private readonly values: Record<string, unknown>;

  constructor(
    private readonly problems: Problems,
    values: unknown,
    private readonly section?: string,
    private readonly declared?: DeclaredFields,
  ) {
    if (values === undefined || values === null) {
      this.values = {};
    } else if (typeof values === "object" && !Array.isArray(values)) {
      this.values = values as Record<string, unknown>;
    } else {
      this.values = {};
      problems.add(
        `${section} must be an object of settings, got ${show(values)}. ` +
          `Fix: set its fields one by one, e.g. pulumi config set --path '${section}.<field>' <value>`,
      );
    }
  }

  /** The declaration of `field`; a field missing from the schema is a programming error. */
  declaration(field: string): FieldDeclaration {
    const found = this.declared?.fields[field];
    if (found === undefined) throw new Error(`${this.key(field)} is not declared in config/schema.ts`);
    return found;
  }

  /** The declared default of `field` in this environment. */
  fallback<T>(field: string): T {
    return defaultOf<T>(this.declaration(field), this.declared?.environment ?? "dev");
  }

  private range(field: string): IntRule {
    const range = this.declaration(field).range;
    if (range === undefined) throw new Error(`${this.key(field)} has no declared range in config/schema.ts`);
    return range;
  }

  key(field: string): string {
    return this.section ? `${this.section}.${field}` : field;
  }

  /** The command that sets this key, quoted so it can be pasted into a shell. */
  fix(field: string, example: string): string {
    const key = this.key(field);
    return /[.[]/.test(key)
      ? `pulumi config set --path '${key}' ${example}`
      : `pulumi config set ${key} ${example}`;
  }

  /** `fixField` names the key the fix sets when it differs from the one at fault, e.g. a list's first item. */
  fail(
    field: string,
    value: unknown,
    allowed: string,
    example: string,
    why?: string,
    fixField = field,
  ): void {
    this.problems.add(
      `${this.key(field)} must be ${allowed}, got ${show(value)}${why ? `: ${why}` : ""}. ` +
        `Fix: ${this.fix(fixField, example)}`,
    );
  }

  has(field: string): boolean {
    return this.values[field] !== undefined && this.values[field] !== null;
  }

  raw(field: string): unknown {
    return this.values[field];
  }

  /** True when `field` is unset or an empty list: it names nobody (a malformed value has its own problem). */
  namesNothing(field: string): boolean {
    const value = this.values[field];
    return !this.has(field) || (Array.isArray(value) && value.length === 0);
  }

  /** Typos in a section would otherwise silently fall back to defaults; `known` defaults to the declared fields. */
  rejectUnknown(known: readonly string[] = Object.keys(this.declared?.fields ?? {})): void {
    for (const field of Object.keys(this.values)) {
      if (!known.includes(field)) {
        this.problems.add(
          `${this.key(field)} is not a known setting (known: ${known.join(", ")}). ` +
            `Fix: pulumi config rm --path '${this.key(field)}' and set the intended one`,
        );
      }
    }
  }

  string(field: string, fallback: string, pattern: RegExp, allowed: string, example = fallback): string {
    const value = this.values[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && pattern.test(value)) return value;
    this.fail(field, value, allowed, example);
    return fallback;
  }

  optionalString(field: string, pattern: RegExp, allowed: string, example: string): string | undefined {
    const value = this.values[field];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "string" && pattern.test(value)) return value;
    this.fail(field, value, allowed, example);
    return undefined;
  }

  oneOf<T extends string>(field: string, fallback: T, choices: readonly T[], why?: string): T {
    const value = this.values[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    this.fail(field, value, `one of ${choices.join(", ")}`, fallback, why);
    return fallback;
  }

  /**
   * Pulumi hands scalar config to the program as strings, so "30" and 30 are both accepted. The fallback and
   * the range default to the field's declaration.
   */
  int(field: string, fallback: number = this.fallback(field), rule: IntRule = this.range(field)): number {
    const { min, max, allowed } = rule;
    const value = this.values[field];
    if (value === undefined || value === null) return fallback;
    const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
    if (
      (typeof value === "number" || (typeof value === "string" && value.trim() !== "")) &&
      Number.isInteger(parsed) &&
      parsed >= min &&
      parsed <= max
    ) {
      return parsed;
    }
    this.fail(field, value, allowed ?? `an integer in ${min}..${max}`, String(fallback));
    return fallback;
  }

  bool(field: string, fallback: boolean = this.fallback(field)): boolean {
    const value = this.values[field];
    if (value === undefined || value === null) return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.fail(field, value, "true or false", String(fallback));
    return fallback;
  }

  /** A list of strings, each matching `pattern`; duplicates are reported because they hide intent. */
  stringList(
    field: string,
    fallback: readonly string[],
    pattern: RegExp,
    itemAllowed: string,
    example: string,
  ): readonly string[] {
    const value = this.values[field];
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value)) {
      this.fail(field, value, `a list, each item ${itemAllowed}`, example, undefined, `${field}[0]`);
      return fallback;
    }
    const good: string[] = [];
    value.forEach((item, index) => {
      if (typeof item !== "string" || !pattern.test(item)) {
        this.fail(`${field}[${index}]`, item, itemAllowed, example);
      } else if (good.includes(item)) {
        this.fail(`${field}[${index}]`, item, "unique in the list", "<another value>", "it is listed twice");
      } else {
        good.push(item);
      }
    });
    return good;
  }

  /** A flat map of string to string, such as resource tags. */
  stringMap(field: string, keyPattern: RegExp, maxValueLength: number): Readonly<Record<string, string>> {
    const value = this.values[field];
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value)) {
      this.fail(field, value, "a map of names to text", `'{"costCenter": "h3"}'`);
      return {};
    }
    const result: Record<string, string> = {};
    for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
      if (!keyPattern.test(name)) {
        this.fail(`${field}.${name}`, name, `a name matching ${keyPattern}`, "<valid name>");
      } else if (typeof item !== "string" || item.length > maxValueLength) {
        this.fail(`${field}.${name}`, item, `text of at most ${maxValueLength} characters`, '"<value>"');
      } else {
        result[name] = item;
      }
    }
    return result;
  }
}
