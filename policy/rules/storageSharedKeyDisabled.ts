import { at, expected, type Rule, TYPES } from "../core";

// Account keys grant full data access with no identity behind them and no per-caller audit trail.
export const storageSharedKeyDisabled: Rule = {
  name: "storage-shared-key-disabled",
  description:
    "Storage accounts refuse shared-key (account key and SAS) authorization; callers use Entra ID.",
  appliesTo: [TYPES.storageAccount],
  check: ({ props }) => {
    const value = at(props, "allowSharedKeyAccess");
    return value === false
      ? []
      : [
          expected(
            "allowSharedKeyAccess",
            "false",
            value,
            "set allowSharedKeyAccess: false and grant the caller a Storage Blob Data role instead",
          ),
        ];
  },
};
