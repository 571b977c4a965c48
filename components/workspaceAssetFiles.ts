/**
 * What `WorkspaceAssets` deploys, read from the local folder when the program runs: pure apart from
 * reading files, so tests can compare it with the folder itself.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** Local byproducts of running or testing the code; they are not part of it. */
const SKIPPED_DIRECTORIES = new Set([
  "__pycache__",
  ".pytest_cache",
  ".ipynb_checkpoints",
  ".mypy_cache",
  ".ruff_cache",
]);
const SKIPPED_SUFFIXES = [".pyc", ".pyo", ".egg-info"];

/** First line of a notebook exported in Databricks source format, per file extension. */
const NOTEBOOK_HEADERS: Record<string, { header: string; language: string }> = {
  ".py": { header: "# Databricks notebook source", language: "PYTHON" },
  ".sql": { header: "-- Databricks notebook source", language: "SQL" },
  ".scala": { header: "// Databricks notebook source", language: "SCALA" },
  ".r": { header: "# Databricks notebook source", language: "R" },
};

export interface WorkspaceAsset {
  kind: "notebook" | "file";
  /** Path below the local root, with `/` separators: `h3_ml/capture.py`. */
  relativePath: string;
  /** Path below the workspace folder. Notebooks lose their extension there, files keep it. */
  workspaceRelativePath: string;
  /** `PYTHON`, `SQL`, `SCALA` or `R` for notebooks. */
  language?: string;
  /** Hex MD5 of the content: a changed file changes this input, so the preview shows the update. */
  md5: string;
}

/** Whether a file or folder name is left out of the deployment (and everything below a left-out folder). */
export function skipped(name: string): boolean {
  return (
    name.startsWith(".") || SKIPPED_DIRECTORIES.has(name) || SKIPPED_SUFFIXES.some((s) => name.endsWith(s))
  );
}

function filesBelow(root: string, relative = ""): string[] {
  const entries = readdirSync(path.join(root, relative), { withFileTypes: true })
    .filter((entry) => !skipped(entry.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) return filesBelow(root, child);
    return entry.isFile() ? [child] : [];
  });
}

/** Every deployable file under `localRoot`, in a stable order. */
export function listWorkspaceAssets(localRoot: string): WorkspaceAsset[] {
  return filesBelow(localRoot).map((relativePath) => {
    const content = readFileSync(path.join(localRoot, relativePath));
    const md5 = createHash("md5").update(new Uint8Array(content)).digest("hex");
    const extension = path.posix.extname(relativePath);
    const notebook = NOTEBOOK_HEADERS[extension.toLowerCase()];
    if (notebook !== undefined && content.toString("utf8").startsWith(notebook.header)) {
      const workspaceRelativePath = relativePath.slice(0, -extension.length);
      return { kind: "notebook", relativePath, workspaceRelativePath, language: notebook.language, md5 };
    }
    return { kind: "file", relativePath, workspaceRelativePath: relativePath, md5 };
  });
}
