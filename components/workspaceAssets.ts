import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { assignmentsOf, type GroupAssignments } from "./databricksPrincipals";
import { listWorkspaceAssets } from "./workspaceAssetFiles";

export interface WorkspaceAssetsArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /** Workspace folder the files are deployed into, one per stack; see `stackWorkspaceFolder`. */
  workspaceFolder: pulumi.Input<string>;
  /**
   * Who may read or run the code besides workspace admins (who manage every folder), as one authoritative
   * `databricks.Permissions` on the folder.
   * @default []: the folder keeps the permissions it inherits
   */
  accessControls?: readonly databricks.types.input.PermissionsAccessControl[];
  /**
   * The workspace assignments of the account groups `accessControls` names; the folder's permissions wait for them.
   * @default {}
   */
  groups?: GroupAssignments;
  /**
   * Local folder to deploy, relative to the project directory.
   * @default "notebooks"
   */
  localRoot?: string;
}

/**
 * Parent of every shared stack's folder, at the workspace root: only workspace admins can create objects there
 * and users get no permission on it (https://learn.microsoft.com/azure/databricks/security/auth/default-permissions),
 * whereas under `/Shared` every workspace user can manage, and can therefore edit code the jobs run.
 */
export const SHARED_CODE_ROOT = "/h3-ml";

/**
 * The stack's folder. A shared stack (dev, prod) deploys to one fixed folder, whoever runs `pulumi up`; a
 * personal stack deploys to the home of the person who runs it (`personHome`, from the Databricks provider's
 * current user), which only that person and workspace admins can write.
 */
export function stackWorkspaceFolder(
  stack: string,
  personHome: pulumi.Input<string> | undefined,
): pulumi.Output<string> {
  return personHome === undefined
    ? pulumi.output(`${SHARED_CODE_ROOT}/${stack}`)
    : pulumi.interpolate`${personHome}/.h3-ml/${stack}`;
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
    const accessControls = args.accessControls ?? [];
    if (accessControls.length > 0) {
      new databricks.Permissions(
        `${name}-folder-permissions`,
        { directoryPath: directory.path, accessControls: [...accessControls] },
        {
          parent: this,
          provider: args.provider,
          dependsOn: assignmentsOf(accessControls, args.groups ?? {}),
        },
      );
    }
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

/**
 * Who reads or runs a shared stack's code besides workspace admins: the jobs' identities run it, analysts and
 * the preview identities read it. Nobody else gets edit rights, because whoever can edit a job's notebook runs
 * code as the job.
 */
export function sharedFolderAccess(
  runAsServicePrincipals: readonly pulumi.Input<string>[],
  analystsGroup: string | undefined,
  previewApplicationIds: readonly pulumi.Input<string>[],
): databricks.types.input.PermissionsAccessControl[] {
  return [
    ...runAsServicePrincipals.map((servicePrincipalName) => ({
      servicePrincipalName,
      permissionLevel: "CAN_RUN",
    })),
    ...(analystsGroup === undefined ? [] : [{ groupName: analystsGroup, permissionLevel: "CAN_READ" }]),
    ...previewApplicationIds.map((id) => ({ servicePrincipalName: id, permissionLevel: "CAN_READ" })),
  ];
}
