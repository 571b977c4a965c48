/**
 * What `make settings STACK=<stack>` writes, as pure functions of the stack's outputs (`pulumi stack output
 * --json`, which prints every secret output as "[secret]" unless --show-secrets is given; that flag is
 * never passed): a Databricks CLI profile for the workspace, and an env file with every non-secret output.
 */

/** How `pulumi stack output --json` prints an output it keeps secret. */
export const SECRET_OUTPUT = "[secret]";

/** The output that names the workspace; every stack mode exports it. */
export const WORKSPACE_URL_OUTPUT = "databricksWorkspaceUrl";

/** `dev-ada` and `acme/dev-ada` -> `h3-ml-dev-ada`: one profile per stack, named after it. */
export function profileName(project: string, stack: string): string {
  return `${project}-${stack.split("/").at(-1)}`;
}

/** `ingestJobId` -> `H3_INGEST_JOB_ID`, `databricksWorkspaceUrl` -> `H3_DATABRICKS_WORKSPACE_URL`. */
export function envName(output: string): string {
  return `H3_${output
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase()}`;
}

/** Single-quoted, so `set -a; . <file>` and dotenv readers both take the value as written. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface EnvFile {
  readonly text: string;
  /** Outputs left out because the CLI printed them as secrets. */
  readonly secrets: readonly string[];
}

/** The env file: the stack and profile first, then one line per non-secret output, sorted; objects as JSON. */
export function renderEnvFile(
  stack: string,
  profile: string,
  outputs: Readonly<Record<string, unknown>>,
): EnvFile {
  const secrets = Object.keys(outputs)
    .filter((k) => outputs[k] === SECRET_OUTPUT)
    .sort();
  const lines = [
    `# Outputs of the stack ${stack}, written by \`make settings STACK=${stack}\`; run it again after each deploy.`,
    "# Load it with: set -a; . ./<this file>; set +a",
    `H3_STACK=${quoted(stack)}`,
    // The Databricks CLI and SDKs read the profile name from this variable.
    `DATABRICKS_CONFIG_PROFILE=${quoted(profile)}`,
  ];
  for (const key of Object.keys(outputs).sort()) {
    const value = outputs[key];
    if (value === SECRET_OUTPUT || value === null || value === undefined) continue;
    lines.push(`${envName(key)}=${quoted(typeof value === "string" ? value : JSON.stringify(value))}`);
  }
  for (const key of secrets) {
    lines.push(
      `# ${envName(key)}: the output ${key} is a secret and is left out; read it where it is needed with ` +
        `pulumi stack output ${key} --stack ${stack} --show-secrets`,
    );
  }
  return { text: `${lines.join("\n")}\n`, secrets };
}

/** `adb-1.2.azuredatabricks.net` -> `https://adb-1.2.azuredatabricks.net`: Azure returns the host bare. */
export function workspaceHost(url: string): string {
  return /^https?:\/\//.test(url) ? url.replace(/\/+$/, "") : `https://${url.replace(/\/+$/, "")}`;
}

/**
 * `.databrickscfg` text with the profile `[name]` set to `fields`: an existing section of that name is
 * replaced where it stands, every other line (other profiles, comments) is kept as it was.
 * Format: https://learn.microsoft.com/azure/databricks/dev-tools/auth/config-profiles
 */
export function upsertProfile(text: string, name: string, fields: Readonly<Record<string, string>>): string {
  const section = [`[${name}]`, ...Object.entries(fields).map(([k, v]) => `${k} = ${v}`)];
  const lines = text === "" ? [] : text.replace(/\n+$/, "").split("\n");
  const header = (line: string) => /^\s*\[([^\]]+)\]\s*$/.exec(line)?.[1]?.trim();
  const start = lines.findIndex((line) => header(line) === name);
  if (start < 0) return `${[...lines, ...(lines.length > 0 ? [""] : []), ...section].join("\n")}\n`;
  let end = start + 1;
  while (end < lines.length && header(lines[end] ?? "") === undefined) end++;
  // Blank lines before the next profile stay with it.
  while (end > start + 1 && (lines[end - 1] ?? "").trim() === "") end--;
  return `${[...lines.slice(0, start), ...section, ...lines.slice(end)].join("\n")}\n`;
}
