/**
 * How a stack config field is declared, and the one reader that checks every declared field.
 *
 * A declaration (`schema.ts`) states a field's type; what it allows (a pattern with its human text, a list of
 * choices, an integer range whose bounds may be keys read before it); its default (a value, one per environment,
 * or a function of the environment and the keys read before it); and what it does. `ConfigReader` takes all of
 * that from the declaration, so the parsers (`config.ts`, `databricks.ts`) keep only the rules that tie fields
 * together, and the docs (`npm run config:docs`) render from the same declaration (`allowedText`,
 * `describeDefault`). The TypeScript type of a parsed section follows from its declarations (`SectionValue`).
 *
 * The reader returns a usable value even when the input is wrong (the default, or a safe stand-in) and records
 * the problem, so one pass reports every mistake at once instead of stopping at the first. Each message names the
 * key, shows the value read, says what is allowed and ends with the command that fixes it.
 */
import type { StackEnvironment } from "../policy/vocabulary/stacks";

export type Environment = StackEnvironment;

/** What a derived default and an integer bound may read: the environment and the keys read before. */
export interface ReadContext {
  readonly environment: Environment;
  /** The value read for a full key (`deletionSlaDays`, `databricks.maxWorkers`); declare it earlier than its reader. */
  value<T = unknown>(key: string): T;
}

/** How a field's default is decided. */
export type Default<T> =
  /** The same value in every environment; `text` says it in the docs when the value alone does not. */
  | { readonly kind: "value"; readonly value: T; readonly text?: string }
  /** A value per environment. */
  | { readonly kind: "perEnvironment"; readonly values: Readonly<Record<Environment, T>> }
  /** Computed from the environment and the keys read before, as `text` says. */
  | { readonly kind: "derived"; readonly text: string; readonly from: (context: ReadContext) => T }
  /** Unset means the feature is off, or another source decides, as `text` says; the value is undefined. */
  | { readonly kind: "unset"; readonly text: string }
  /** The field must be set (within its section, when the section is set), for the reason `text` gives. */
  | { readonly kind: "required"; readonly text: string };

export const value = <const T>(
  v: T,
  text?: string,
): { readonly kind: "value"; readonly value: T; readonly text?: string } =>
  text === undefined ? { kind: "value", value: v } : { kind: "value", value: v, text };
export const perEnvironment = <const T>(
  values: Readonly<Record<Environment, T>>,
): { readonly kind: "perEnvironment"; readonly values: Readonly<Record<Environment, T>> } => ({
  kind: "perEnvironment",
  values,
});
export const derived = <T>(
  text: string,
  from: (context: ReadContext) => T,
): { readonly kind: "derived"; readonly text: string; readonly from: (context: ReadContext) => T } => ({
  kind: "derived",
  text,
  from,
});
export const unset = (text: string): { readonly kind: "unset"; readonly text: string } => ({
  kind: "unset",
  text,
});
export const required = (text: string): { readonly kind: "required"; readonly text: string } => ({
  kind: "required",
  text,
});

/** An integer bound: a number, or the value of another integer key read before (`why` says why it binds). */
export type Bound = number | { readonly key: string; readonly why?: string };

interface Declared<T> {
  readonly default: Default<T>;
  readonly description: string;
  /** Said after the allowed values, in the docs and in messages: a unit, an exception, a rule tying it to a key. */
  readonly note?: string;
  /** The value a Fix command sets, ready for a shell, where the default cannot serve (a required field). */
  readonly example?: string;
  /** The environments whose stacks read the field; set on any other stack, it is refused. */
  readonly onlyIn?: readonly Environment[];
  /** The one value a prod stack accepts, and why. */
  readonly inProd?: { readonly value: T; readonly why: string };
}

/** Text matching `pattern` and passing `valid`; `allowed` says it in words. */
export interface TextField extends Declared<string> {
  readonly type: "string";
  readonly allowed: string;
  readonly pattern?: RegExp;
  readonly valid?: (text: string) => boolean;
  /** Why a refused text is wrong, where more can be said than `allowed` (e.g. which cron field is off). */
  readonly reason?: (text: string) => string | undefined;
}

/** One of `choices`. */
export interface ChoiceField extends Declared<string> {
  readonly type: "string";
  readonly choices: readonly string[];
}

/** A whole number in `min..max`; Pulumi hands scalars over as text, so "30" reads as 30. */
export interface IntegerField extends Declared<number> {
  readonly type: "integer";
  readonly min: Bound;
  /** Every bound applies: the range ends at the smallest. */
  readonly max: Bound | readonly Bound[];
}

export interface BooleanField extends Declared<boolean> {
  readonly type: "boolean";
}

/** A list of texts, each matching `item.pattern`; repeats are refused, since they hide intent. */
export interface ListField extends Declared<readonly string[]> {
  readonly type: "list";
  readonly item: { readonly allowed: string; readonly pattern: RegExp; readonly example: string };
  /** Why an empty list is refused, when it is. */
  readonly atLeastOne?: string;
  /** Why an item equal to an earlier one but for case is refused, when it is; given the earlier item. */
  readonly caseInsensitive?: (earlier: string) => string;
}

/** A flat map of names to text, such as resource tags. */
export interface MapField extends Declared<Readonly<Record<string, string>>> {
  readonly type: "map";
  readonly key: { readonly allowed: string; readonly pattern: RegExp };
  readonly maxValueLength: number;
}

/** An object of fields, set with `pulumi config set --path '<key>.<field>'`. */
export interface SectionField extends Declared<object> {
  readonly type: "object";
  readonly fields: Fields;
}

export type FieldDeclaration =
  | TextField
  | ChoiceField
  | IntegerField
  | BooleanField
  | ListField
  | MapField
  | SectionField;

export type Fields = Readonly<Record<string, FieldDeclaration>>;

type PlainValue<D> = D extends { readonly fields: infer F }
  ? SectionValue<F>
  : D extends { readonly choices: readonly (infer C)[] }
    ? C
    : D extends { readonly type: "integer" }
      ? number
      : D extends { readonly type: "boolean" }
        ? boolean
        : D extends { readonly type: "list" }
          ? readonly string[]
          : D extends { readonly type: "map" }
            ? Readonly<Record<string, string>>
            : string;

/** The type a field's declaration reads to: undefined where it may be unset or is not read on every stack. */
export type ValueOf<D> = D extends { readonly default: { readonly kind: "unset" } }
  ? PlainValue<D> | undefined
  : D extends { readonly onlyIn: readonly Environment[] }
    ? PlainValue<D> | undefined
    : PlainValue<D>;

/** The type a section of declarations reads to. */
export type SectionValue<F> = { readonly [K in keyof F]: ValueOf<F[K]> };

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

/** `text` as one shell word: as it is when the shell leaves it alone, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The `pulumi config <verb>` arguments that address `key`: `--path` for a field of a section or a list item. */
function keyArguments(key: string): string {
  return /[.[]/.test(key) ? `--path ${shellWord(key)}` : key;
}

/** The command that sets `key` to `example` (already a shell word, or a `<placeholder>`). */
function setCommand(key: string, example: string): string {
  return `pulumi config set ${keyArguments(key)} ${example}`;
}

/** The command that removes `key`. */
export function rmCommand(key: string): string {
  return `pulumi config rm ${keyArguments(key)}`;
}

const joinKey = (section: string | undefined, field: string) => (section ? `${section}.${field}` : field);
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const isAbsent = (v: unknown) => v === undefined || v === null;
/** ` (a; b)` of the parts given, or nothing. */
const aside = (parts: readonly (string | false | undefined)[]) => {
  const said = parts.filter((p): p is string => typeof p === "string" && p !== "");
  return said.length === 0 ? "" : ` (${said.join("; ")})`;
};
const maxBounds = (field: IntegerField): readonly Bound[] =>
  Array.isArray(field.max) ? field.max : [field.max as Bound];
const boundRule = (bound: Bound, side: "at least" | "at most") =>
  typeof bound === "number" ? undefined : `${side} ${bound.key}${bound.why ? `, ${bound.why}` : ""}`;
const allRequired = (fields: Fields) =>
  Object.values(fields).every((field) => field.default.kind === "required");

/** What a field allows, as the docs show it (bounds that are keys by name). */
export function allowedText(field: FieldDeclaration): string {
  const prod = field.inProd && `prod: ${String(field.inProd.value)}`;
  switch (field.type) {
    case "string":
      return "choices" in field
        ? `${field.choices.join(" | ")}${aside([field.note, prod])}`
        : `${field.allowed}${aside([field.note])}`;
    case "integer": {
      const maxes = maxBounds(field);
      const numbers = maxes.filter((b): b is number => typeof b === "number");
      const named = maxes.filter((b) => typeof b !== "number");
      const minText = typeof field.min === "number" ? String(field.min) : field.min.key;
      const maxText = numbers.length > 0 ? String(Math.min(...numbers)) : named.map((b) => b.key).join(", ");
      const extra = numbers.length > 0 ? named.map((b) => `at most ${b.key}`) : [];
      return `${minText}..${maxText}${aside([field.note, ...extra])}`;
    }
    case "boolean":
      return `true | false${aside([field.note, prod])}`;
    case "list":
      return `a list, each item ${field.item.allowed}${aside([
        field.atLeastOne && "at least one",
        field.caseInsensitive && "unique ignoring case",
        field.note,
      ])}`;
    case "map":
      return `a map of names (${field.key.allowed}) to text of at most ${field.maxValueLength} characters${aside([field.note])}`;
    case "object":
      return `{${Object.keys(field.fields).join(", ")}}${aside([field.note])}`;
  }
}

/** The default as the docs state it. */
export function describeDefault(fallback: Default<unknown>): string {
  const said = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  switch (fallback.kind) {
    case "value":
      return fallback.text ?? said(fallback.value);
    case "perEnvironment": {
      const { prod, dev, personal } = fallback.values;
      if (said(dev) === said(personal)) return `prod ${said(prod)}, else ${said(dev)}`;
      if (said(prod) === said(dev)) return `personal ${said(personal)}, else ${said(dev)}`;
      return `prod ${said(prod)}, dev ${said(dev)}, personal ${said(personal)}`;
    }
    case "required":
      return `required: ${fallback.text}`;
    default:
      return fallback.text;
  }
}

/**
 * Reads declared sections of one stack's config, in declaration order, into one problem list. Every value read is
 * kept by its full key, so a derived default or an integer bound can read the keys declared before it, and a
 * parser's rule can read what the stack set (`given`) next to what was read (`value`).
 */
export class ConfigReader implements ReadContext {
  private readonly read = new Map<string, unknown>();
  private readonly givenValues = new Map<string, unknown>();

  /** `preset` holds keys already decided (the environment, from the stack name): read as they are. */
  constructor(
    readonly problems: Problems,
    readonly environment: Environment,
    preset: Readonly<Record<string, unknown>> = {},
  ) {
    for (const [key, v] of Object.entries(preset)) this.read.set(key, v);
  }

  value<T = unknown>(key: string): T {
    if (!this.read.has(key)) {
      throw new Error(`config key ${key} is used before it is read: declare it earlier in config/schema.ts`);
    }
    return this.read.get(key) as T;
  }

  /** What the stack config holds at `key`, unchecked; undefined when unset. */
  given(key: string): unknown {
    return this.givenValues.get(key);
  }

  /** True when the stack config sets `key`. */
  has(key: string): boolean {
    return !isAbsent(this.given(key));
  }

  /** True when `key` is unset or an empty list: it names nobody (a malformed value has its own problem). */
  namesNothing(key: string): boolean {
    const given = this.given(key);
    return isAbsent(given) || (Array.isArray(given) && given.length === 0);
  }

  /** Records that `key` must be `allowed`; `fixKey` is the key the fix sets when it is not `key` (a list item). */
  fail(key: string, found: unknown, allowed: string, example: string, why?: string, fixKey = key): void {
    this.problems.add(
      `${key} must be ${allowed}, got ${show(found)}${why ? `: ${why}` : ""}. Fix: ${setCommand(fixKey, example)}`,
    );
  }

  /** Reads the fields of one section (`at` undefined: the top-level keys) from `raw`. */
  section<F extends Fields>(fields: F, raw: unknown, at?: string): SectionValue<F> {
    const values = this.settings(fields, raw, at);
    const result: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      result[name] = this.field(joinKey(at, name), field, values[name]);
    }
    return result as SectionValue<F>;
  }

  /** The settings of a section: `{}` when unset or (with its problem) not an object; unknown keys refused. */
  private settings(fields: Fields, raw: unknown, at: string | undefined): Record<string, unknown> {
    if (isAbsent(raw)) return {};
    if (!isObject(raw)) {
      this.problems.add(
        `${at} must be an object of settings, got ${show(raw)}. ` +
          `Fix: set its fields one by one, e.g. ${setCommand(`${at}.<field>`, "<value>")}`,
      );
      return {};
    }
    // A typo would otherwise silently fall back to a default. The top level holds only the keys the program reads.
    if (at !== undefined) {
      const known = Object.keys(fields);
      for (const name of Object.keys(raw)) {
        if (!known.includes(name)) {
          this.problems.add(
            `${at}.${name} is not a known setting (known: ${known.join(", ")}). ` +
              `Fix: ${rmCommand(`${at}.${name}`)} and set the intended one`,
          );
        }
      }
    }
    return raw;
  }

  private field(key: string, field: FieldDeclaration, raw: unknown): unknown {
    this.givenValues.set(key, raw);
    if (this.read.has(key)) return this.read.get(key);
    const result = this.check(key, field, raw);
    this.read.set(key, result);
    return result;
  }

  private check(key: string, field: FieldDeclaration, raw: unknown): unknown {
    if (field.onlyIn !== undefined && !field.onlyIn.includes(this.environment)) {
      const settings = field.type === "object" ? this.settings(field.fields, raw, key) : {};
      const setsSomething =
        field.type === "object" ? Object.values(settings).some((v) => !isAbsent(v)) : !isAbsent(raw);
      if (setsSomething) {
        this.problems.add(
          `${key} is read on ${field.onlyIn.join(" and ")} stacks only${aside([field.note])}, got ${show(raw)} ` +
            `on a ${this.environment} stack. Fix: ${rmCommand(key)}`,
        );
      }
      return undefined;
    }
    if (field.type === "object") return this.object(key, field, raw);
    const optionalText = field.type === "string" && field.default.kind === "unset" && raw === "";
    if (isAbsent(raw) || optionalText) return this.fallback(key, field);
    const result = this.validated(key, field, raw);
    if (field.inProd !== undefined && this.environment === "prod" && result !== field.inProd.value) {
      const wanted = field.inProd.value;
      this.fail(key, raw, `${show(wanted)} in prod`, shellWord(String(wanted)), field.inProd.why);
    }
    return result;
  }

  private object(key: string, field: SectionField, raw: unknown): unknown {
    if (field.default.kind === "unset") {
      if (isAbsent(raw)) return undefined;
      if (!isObject(raw)) {
        this.settings(field.fields, raw, key);
        return undefined;
      }
      // Fields that only make sense together: none set means the section is unset, some set means all are needed.
      if (allRequired(field.fields) && Object.keys(field.fields).every((name) => isAbsent(raw[name]))) {
        this.settings(field.fields, raw, key);
        return undefined;
      }
    }
    return this.section(field.fields, raw, key);
  }

  /**
   * The default of `field` in this environment. A required field has none: its absence is a problem (unless
   * `refused`, when the value given already has one) and a stand-in keeps the pass going.
   */
  private fallback(key: string, field: Exclude<FieldDeclaration, SectionField>, refused = false): unknown {
    const fallback: Default<unknown> = field.default;
    switch (fallback.kind) {
      case "value":
        return fallback.value;
      case "perEnvironment":
        return fallback.values[this.environment];
      case "derived":
        return fallback.from(this);
      case "unset":
        return undefined;
      case "required": {
        const choices = field.type === "string" && "choices" in field ? field.choices : undefined;
        if (refused) return choices?.[0] ?? "";
        const fixes = choices
          ? choices.map((choice) => setCommand(key, shellWord(choice))).join(", or ")
          : setCommand(key, this.example(field));
        this.problems.add(`${key} must be set to ${this.allowed(field)}: ${fallback.text}. Fix: ${fixes}`);
        return choices?.[0] ?? "";
      }
    }
  }

  /** The value a Fix command sets: the declared example, else the default in this environment. */
  private example(field: FieldDeclaration): string {
    if (field.example !== undefined) return field.example;
    if (field.type === "list") return field.item.example;
    if (field.type === "string" && "choices" in field && field.default.kind === "required") {
      return shellWord(field.choices[0] as string);
    }
    const fallback: Default<unknown> = field.default;
    const v =
      fallback.kind === "value"
        ? fallback.value
        : fallback.kind === "perEnvironment"
          ? fallback.values[this.environment]
          : fallback.kind === "derived"
            ? fallback.from(this)
            : undefined;
    if (v === undefined) throw new Error(`a field whose default is ${fallback.kind} declares an example`);
    return shellWord(String(v));
  }

  /** What a field allows, as a message says it: bounds that are keys resolved to their values. */
  private allowed(field: FieldDeclaration): string {
    switch (field.type) {
      case "string":
        return "choices" in field
          ? `one of ${field.choices.join(", ")}${aside([field.note])}`
          : `${field.allowed}${aside([field.note])}`;
      case "integer": {
        const { min, max } = this.range(field);
        const rules = [
          boundRule(field.min, "at least"),
          ...maxBounds(field).map((b) => boundRule(b, "at most")),
        ];
        return `an integer in ${min}..${max}${aside([field.note, ...rules])}`;
      }
      case "boolean":
        return "true or false";
      case "list":
        return field.item.allowed;
      case "map":
        return "a map of names to text";
      case "object":
        return "an object of settings";
    }
  }

  private range(field: IntegerField): { min: number; max: number } {
    const resolve = (bound: Bound) => (typeof bound === "number" ? bound : this.value<number>(bound.key));
    return { min: resolve(field.min), max: Math.min(...maxBounds(field).map(resolve)) };
  }

  private validated(key: string, field: Exclude<FieldDeclaration, SectionField>, raw: unknown): unknown {
    switch (field.type) {
      case "string": {
        if ("choices" in field) {
          if (typeof raw === "string" && field.choices.includes(raw)) return raw;
          return this.refuse(key, field, raw);
        }
        if (typeof raw === "string" && (field.pattern?.test(raw) ?? true) && (field.valid?.(raw) ?? true)) {
          return raw;
        }
        return this.refuse(key, field, raw, typeof raw === "string" ? field.reason?.(raw) : undefined);
      }
      case "integer": {
        const parsed =
          typeof raw === "number"
            ? raw
            : typeof raw === "string" && raw.trim() !== ""
              ? Number(raw)
              : Number.NaN;
        const { min, max } = this.range(field);
        if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
        return this.refuse(key, field, raw);
      }
      case "boolean":
        if (raw === true || raw === "true") return true;
        if (raw === false || raw === "false") return false;
        return this.refuse(key, field, raw);
      case "list":
        return this.list(key, field, raw);
      case "map":
        return this.map(key, field, raw);
    }
  }

  private refuse(key: string, field: Exclude<FieldDeclaration, SectionField>, raw: unknown, why?: string) {
    this.fail(key, raw, this.allowed(field), this.example(field), why);
    return this.fallback(key, field, true);
  }

  private list(key: string, field: ListField, raw: unknown): readonly string[] {
    const { item } = field;
    if (!Array.isArray(raw)) {
      this.fail(key, raw, `a list, each item ${item.allowed}`, item.example, undefined, `${key}[0]`);
      return this.fallback(key, field, true) as readonly string[];
    }
    if (raw.length === 0 && field.atLeastOne !== undefined) {
      this.fail(key, raw, "a list of at least one item", item.example, field.atLeastOne, `${key}[0]`);
    }
    const good: string[] = [];
    raw.forEach((entry: unknown, index) => {
      const at = `${key}[${index}]`;
      const earlier =
        typeof entry === "string" ? good.find((g) => g.toLowerCase() === entry.toLowerCase()) : undefined;
      if (typeof entry !== "string" || !item.pattern.test(entry)) {
        this.fail(at, entry, item.allowed, item.example);
      } else if (good.includes(entry)) {
        this.fail(at, entry, "unique in the list", "<another value>", "it is listed twice");
      } else if (earlier !== undefined && field.caseInsensitive !== undefined) {
        this.fail(
          at,
          entry,
          "unique in the list, ignoring case",
          "<another value>",
          field.caseInsensitive(earlier),
        );
      } else {
        good.push(entry);
      }
    });
    return good;
  }

  private map(key: string, field: MapField, raw: unknown): Readonly<Record<string, string>> {
    if (!isObject(raw)) {
      this.fail(key, raw, "a map of names to text", field.example ?? "'{}'");
      return {};
    }
    const result: Record<string, string> = {};
    for (const [name, item] of Object.entries(raw)) {
      const at = `${key}.${name}`;
      if (!field.key.pattern.test(name)) {
        this.problems.add(
          `${at} must be named ${field.key.allowed}, got ${show(name)}. Fix: ${rmCommand(at)} and set a valid name`,
        );
      } else if (typeof item !== "string" || item.length > field.maxValueLength) {
        this.fail(at, item, `text of at most ${field.maxValueLength} characters`, '"<value>"');
      } else {
        result[name] = item;
      }
    }
    return result;
  }
}
