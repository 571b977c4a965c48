import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { listWorkspaceAssets } from "../lib/workspaceAssetFiles";

export interface WorkspaceAssetsArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /** Workspace folder the files are deployed into, one per stack; see `stackWorkspaceFolder`. */
  workspaceFolder: pulumi.Input<string>;
  /**
   * Local folder to deploy, relative to the project directory.
   * @default "notebooks"
   */
  localRoot?: string;
}

/**
 * The stack's folder: in the home of the identity the jobs run as, which only it and workspace admins
 * can write, because whoever can edit a job's notebook runs code as that identity. Under `/Shared`,
 * every workspace user could.
 */
export function stackWorkspaceFolder(
  stack: string,
  deployerHome: pulumi.Input<string>,
  runAsServicePrincipal?: string,
): pulumi.Output<string> {
  const home = runAsServicePrincipal === undefined ? deployerHome : `/Users/${runAsServicePrincipal}`;
  return pulumi.interpolate`${home}/.h3-ml/${stack}`;
}

/**
 * Every file under `notebooks/`, deployed as it is in the repository: source-format notebooks as
 * `databricks.Notebook`, everything else (the shared `h3_ml` package the notebooks import) as
 * `databricks.WorkspaceFile`, so nothing is built or versioned by hand. The list is read when the
 * program runs: a new file is created, a changed one updated (its MD5 is an input), a deleted one
 * removed from the workspace.
 */
export class WorkspaceAssets extends pulumi.ComponentResource {
  public readonly folder: pulumi.Output<string>;
  /** Workspace path of each notebook, by its path below `notebooks/` without extension (`ingest`). */
  public readonly notebookPaths: Readonly<Record<string, pulumi.Output<string>>>;
  private readonly localRoot: string;

  constructor(name: string, args: WorkspaceAssetsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:WorkspaceAssets", name, {}, opts);
    const localRoot = args.localRoot ?? "notebooks";
    const folder = pulumi.output(args.workspaceFolder).apply((f) => f.replace(/\/+$/, ""));

    // Owning the folder lets a destroy remove it whole, files the program no longer knows included.
    const directory = new databricks.Directory(
      `${name}-folder`,
      { path: folder, deleteRecursive: true },
      { parent: this, provider: args.provider },
    );
    const child = { parent: this, provider: args.provider, dependsOn: [directory] };

    const notebookPaths: Record<string, pulumi.Output<string>> = {};
    for (const asset of listWorkspaceAssets(localRoot)) {
      const source = path.join(localRoot, asset.relativePath);
      const workspacePath = pulumi.interpolate`${folder}/${asset.workspaceRelativePath}`;
      if (asset.kind === "notebook") {
        const notebook = new databricks.Notebook(
          `${name}-${asset.relativePath}`,
          { path: workspacePath, source, language: asset.language, md5: asset.md5 },
          child,
        );
        notebookPaths[asset.workspaceRelativePath] = notebook.path;
      } else {
        new databricks.WorkspaceFile(
          `${name}-${asset.relativePath}`,
          { path: workspacePath, source, md5: asset.md5 },
          child,
        );
      }
    }

    this.folder = folder;
    this.notebookPaths = notebookPaths;
    this.localRoot = localRoot;
    this.registerOutputs({ folder: this.folder });
  }

  /** The workspace path of notebook `name` (`ingest`); throws when `notebooks/` has no such notebook. */
  notebookPath(name: string): pulumi.Output<string> {
    const found = this.notebookPaths[name];
    if (found === undefined) {
      throw new Error(
        `${this.localRoot}/${name}.py must exist and start with "# Databricks notebook source" (a job runs it); ` +
          `notebooks found: ${Object.keys(this.notebookPaths).join(", ") || "none"}`,
      );
    }
    return found;
  }
}
