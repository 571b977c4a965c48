/**
 * Renders the stack config's documentation from its one declaration (`config/schema.ts`): the `config:` block
 * of Pulumi.yaml and `docs/configuration.md`. `tests/configDocs.test.ts` fails when either file differs.
 *
 *   npm run config:docs        rewrite both files
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { allowedText, describeDefault, type FieldDeclaration, type Fields } from "../config/fields";
import { CONFIG_SCHEMA } from "../config/schema";
import { runMain } from "./lib/cli";
import { PROJECT_ROOT } from "./lib/stackConfig";

export const PROJECT_FILE = path.join(PROJECT_ROOT, "Pulumi.yaml");
export const REFERENCE_FILE = path.join(PROJECT_ROOT, "docs", "configuration.md");

const yamlString = (text: string) => JSON.stringify(text);

/** ` Read on dev stacks only (why).` for a key only some stacks read. */
function readOnly(field: FieldDeclaration): string {
  if (field.onlyIn === undefined) return "";
  return ` Read on ${field.onlyIn.join(" and ")} stacks only${field.note ? ` (${field.note})` : ""}.`;
}

/** Pulumi.yaml's `config:` block: typed scalars with their defaults, objects as `value: {}` with a comment per field. */
export function renderProjectConfig(schema: Fields = CONFIG_SCHEMA): string {
  const lines = [
    "config:",
    "  # Rendered from config/schema.ts by `npm run config:docs`; docs/configuration.md explains every field.",
  ];
  for (const [key, field] of Object.entries(schema)) {
    lines.push(`  ${key}:`);
    if (field.type === "object" || field.type === "map") {
      lines.push(`    # ${field.description}${readOnly(field)}`);
      for (const [name, inner] of Object.entries(field.type === "object" ? field.fields : {})) {
        lines.push(`    # ${name}: ${allowedText(inner)}; default ${describeDefault(inner.default)}`);
      }
      lines.push("    value: {}");
      continue;
    }
    const fallback = field.default.kind === "value" ? field.default.value : field.type === "integer" ? 0 : "";
    lines.push(`    type: ${field.type}`);
    lines.push(`    default: ${typeof fallback === "string" ? yamlString(fallback) : String(fallback)}`);
    const unsetMeans = field.default.kind === "value" ? "" : ` Unset: ${describeDefault(field.default)}.`;
    lines.push(
      `    description: ${yamlString(`${field.description} Allowed: ${allowedText(field)}.${unsetMeans}`)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Pulumi.yaml with its `config:` block replaced by the rendering (the block is the file's last key). */
export function projectFileWithConfig(current: string): string {
  const start = current.search(/^config:\s*$/m);
  const head = start === -1 ? `${current.trimEnd()}\n` : current.slice(0, start);
  return `${head}${renderProjectConfig()}`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

function table(prefix: string, fields: Fields): string[] {
  const rows = ["| key | allowed | default | what it does |", "|---|---|---|---|"];
  for (const [name, field] of Object.entries(fields)) {
    rows.push(
      `| \`${prefix}${name}\` | ${cell(allowedText(field))} | ${cell(describeDefault(field.default))} | ${cell(field.description)} |`,
    );
  }
  return rows;
}

/** `docs/configuration.md`. */
export function renderConfigReference(schema: Fields = CONFIG_SCHEMA): string {
  const scalars = Object.fromEntries(Object.entries(schema).filter(([, f]) => f.type !== "object"));
  const out = [
    "# Configuration reference",
    "",
    "<!-- Rendered from config/schema.ts by `npm run config:docs`; edit the schema, not this file. -->",
    "",
    "Every key is read as `h3-ml:<key>`. Set a top-level key with `pulumi config set <key> <value>` and a field",
    "of a section with `pulumi config set --path '<section>.<field>' <value>` (`--path 'eventHubs.hubs[0]'` for",
    "a list item). A stack file sets only what differs from these defaults. Every problem is reported at once,",
    "before any resource is registered, with the key, the value read and the command that fixes it:",
    "",
    "```",
    "eventHubs.captureIntervalSeconds must be an integer in 60..900, got 30. Fix: pulumi config set --path eventHubs.captureIntervalSeconds 300",
    "```",
    "",
    "## Top-level keys",
    "",
    ...table("", scalars),
  ];
  const sections = (prefix: string, fields: Fields) => {
    for (const [name, field] of Object.entries(fields)) {
      if (field.type !== "object") continue;
      out.push(
        "",
        `## \`${prefix}${name}\``,
        "",
        `${field.description}${readOnly(field)}`,
        "",
        ...table(`${prefix}${name}.`, field.fields),
      );
      sections(`${prefix}${name}.`, field.fields);
    }
  };
  sections("", schema);
  return `${out.join("\n")}\n`;
}

function main(): number {
  writeFileSync(PROJECT_FILE, projectFileWithConfig(readFileSync(PROJECT_FILE, "utf8")));
  writeFileSync(REFERENCE_FILE, renderConfigReference());
  console.log(
    `wrote ${path.relative(PROJECT_ROOT, PROJECT_FILE)} and ${path.relative(PROJECT_ROOT, REFERENCE_FILE)}`,
  );
  return 0;
}

if (require.main === module) runMain(async () => main());
