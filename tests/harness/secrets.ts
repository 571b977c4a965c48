/**
 * Shapes of credentials that must never be readable in plain text: in stack outputs, plan files, stack
 * config files or anything the tooling prints. Used by the secret-hygiene tests; kept next to the rules so
 * one place says what the project treats as a secret value.
 */
const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: "SAS key in a connection string", pattern: /SharedAccessKey=[^;"'\s[]+/i },
  { name: "storage account key", pattern: /AccountKey=[^;"'\s[]+/i },
  { name: "SAS token signature", pattern: /[?&]sig=[^&"'\s[]+/i },
  { name: "Databricks personal access token", pattern: /\bdapi[0-9a-f]{32}\b/ },
  { name: "private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "client secret", pattern: /client_?secret["']?\s*[:=]\s*["']?[A-Za-z0-9~._-]{16,}/i },
];

/** Every secret-shaped fragment in `text`, named, so a failure says what leaked and where to look. */
export function findSecrets(text: string): string[] {
  const found: string[] = [];
  for (const { name, pattern } of SECRET_PATTERNS) {
    const match = new RegExp(
      pattern.source,
      pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`,
    );
    for (const hit of text.matchAll(match)) found.push(`${name}: ${hit[0].slice(0, 40)}`);
  }
  return found;
}

/** Config keys whose values are credentials and must be stored with `pulumi config set --secret`. */
export const SECRET_KEY_NAME = /(password|secret|token|sharedaccesskey|accountkey|connectionstring|apikey)/i;
