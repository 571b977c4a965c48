/** Every rule of the pack, in the order Pulumi lists them. Adding a rule means adding it here and a fixture. */
import type { Rule, StackRule } from "../core";
import { clusterAutoscaleRange } from "./clusterAutoscaleRange";
import { clusterPolicyAutotermination } from "./clusterPolicyAutotermination";
import { clusterPolicyDefinition } from "./clusterPolicyDefinition";
import { clusterPolicyLtsRuntime } from "./clusterPolicyLtsRuntime";
import { eventHubCapture } from "./eventHubCapture";
import { eventHubCaptureCallerAccess } from "./eventHubCaptureCallerAccess";
import { eventHubsLocalAuth } from "./eventHubsLocalAuth";
import { eventHubsMinimumTls } from "./eventHubsMinimumTls";
import { jobFailureNotifications } from "./jobFailureNotifications";
import { jobMaxConcurrentRuns } from "./jobMaxConcurrentRuns";
import { jobTasksOnJobClusters } from "./jobTasksOnJobClusters";
import { jobTimeout } from "./jobTimeout";
import { personalUnprotected } from "./personalUnprotected";
import { prodDiagnosticSettings } from "./prodDiagnosticSettings";
import { prodEventHubsFirewall } from "./prodEventHubsFirewall";
import { prodJobPermissions } from "./prodJobPermissions";
import { prodJobRunAs } from "./prodJobRunAs";
import { prodStatefulProtected } from "./prodStatefulProtected";
import { requiredTags } from "./requiredTags";
import { roleAssignmentDataRole } from "./roleAssignmentDataRole";
import { roleAssignmentLeastPrivilege } from "./roleAssignmentLeastPrivilege";
import { roleAssignmentPrincipalType } from "./roleAssignmentPrincipalType";
import { roleAssignmentScope } from "./roleAssignmentScope";
import { roleDefinitionLeastPrivilege } from "./roleDefinitionLeastPrivilege";
import { storageCaptureLifecycle } from "./storageCaptureLifecycle";
import { storageFirewall } from "./storageFirewall";
import { storageFirewallAdmitsWorkspace } from "./storageFirewallAdmitsWorkspace";
import { storageHierarchicalNamespace } from "./storageHierarchicalNamespace";
import { storageHttpsOnly } from "./storageHttpsOnly";
import { storageMinimumTls } from "./storageMinimumTls";
import { storageNoPublicBlobAccess } from "./storageNoPublicBlobAccess";
import { storageSharedKeyDisabled } from "./storageSharedKeyDisabled";
import { workspaceNoPublicIp } from "./workspaceNoPublicIp";
import { workspacePremium } from "./workspacePremium";

export const RULES: readonly Rule[] = [
  storageMinimumTls,
  storageHttpsOnly,
  storageNoPublicBlobAccess,
  storageSharedKeyDisabled,
  storageHierarchicalNamespace,
  storageFirewall,
  storageCaptureLifecycle,
  eventHubsMinimumTls,
  eventHubsLocalAuth,
  eventHubCapture,
  workspacePremium,
  workspaceNoPublicIp,
  clusterPolicyDefinition,
  clusterPolicyLtsRuntime,
  clusterPolicyAutotermination,
  clusterAutoscaleRange,
  jobTasksOnJobClusters,
  jobMaxConcurrentRuns,
  jobTimeout,
  jobFailureNotifications,
  prodJobRunAs,
  roleAssignmentScope,
  roleAssignmentLeastPrivilege,
  roleAssignmentPrincipalType,
  roleAssignmentDataRole,
  roleDefinitionLeastPrivilege,
  prodStatefulProtected,
  personalUnprotected,
  requiredTags,
];

/** Rules over the whole stack, served as stack validation policies after the resource rules. */
export const STACK_RULES: readonly StackRule[] = [
  storageFirewallAdmitsWorkspace,
  eventHubCaptureCallerAccess,
  prodDiagnosticSettings,
  prodEventHubsFirewall,
  prodJobPermissions,
];
