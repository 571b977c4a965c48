# Sourced at the start of every AzureCLI@2 step that runs Pulumi (templates/pulumi.yml, smoke.yml, drift.yml);
# sets `stack`.
#
# Each AzureCLI@2 step signs in with a federated token of its own, valid about ten minutes, that neither the
# Azure CLI nor azure-native can refresh (Azure/azure-cli#28708). So every token the step will need is
# requested now and served from the CLI's cache for the rest of its lifetime (about an hour,
# tools/ci/azure-token-cache.sh), and up and the settle check are separate steps, each with a fresh sign-in.
#   - azure-native: OIDC, from the step's federated token (addSpnToEnvironment) as ARM_OIDC_TOKEN.
#   - Databricks provider: the step's Azure CLI sign-in (DATABRICKS_AUTH_TYPE=azure-cli), which sends the
#     management token a deployer needs before it is a workspace user (databricks-sdk-go config/auth_azure_cli.go).
#   - State backend azblob:// and Key Vault secrets: the Azure CLI sign-in as well.
#   - The smoke test and the operator tools: AzurePipelinesCredential, which asks the pipeline for a new OIDC
#     token for every Entra token (h3_ops.auth), from the AZURESUBSCRIPTION_* variables the task sets and the
#     SYSTEM_ACCESSTOKEN the step maps.
# Needs H3_STACK (dev or prod) and the variable group's PULUMI_BACKEND_URL, or PULUMI_ORG and PULUMI_ACCESS_TOKEN.
set -euo pipefail
tools/ci/azure-token-cache.sh
export ARM_USE_OIDC=true ARM_OIDC_TOKEN="$idToken" ARM_CLIENT_ID="$servicePrincipalId" ARM_TENANT_ID="$tenantId"
ARM_SUBSCRIPTION_ID="$(az account show --query id --output tsv)"
export ARM_SUBSCRIPTION_ID
export DATABRICKS_AUTH_TYPE=azure-cli

# A variable the group does not define reaches the script as its own literal macro text.
for name in PULUMI_BACKEND_URL PULUMI_ORG PULUMI_ACCESS_TOKEN; do
  case "${!name:-}" in '$('*) unset "$name" ;; esac
done
if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
  pulumi login "$PULUMI_BACKEND_URL"
  stack="$H3_STACK"
else
  pulumi login
  stack="$PULUMI_ORG/$H3_STACK"
fi
export stack
