import { at, expected, type Rule, TYPES } from "../core";

// Every account in this program is a lake account: Unity Catalog external locations and Delta's atomic
// renames need ADLS Gen2, which is a flag that cannot be turned on after creation without a migration.
export const storageHierarchicalNamespace: Rule = {
  name: "storage-hierarchical-namespace",
  description: "Storage accounts are ADLS Gen2 (StorageV2 with hierarchical namespace on).",
  appliesTo: [TYPES.storageAccount],
  check: ({ props }) => {
    const problems: string[] = [];
    const hns = at(props, "isHnsEnabled");
    if (hns !== true) {
      problems.push(
        expected("isHnsEnabled", "true", hns, "set isHnsEnabled: true (this replaces the account)"),
      );
    }
    const kind = at(props, "kind");
    if (kind !== "StorageV2") {
      problems.push(expected("kind", '"StorageV2"', kind, 'set kind: "StorageV2"'));
    }
    return problems;
  },
};
