# Sourced at the start of every AzureCLI@2 step that runs Pulumi (templates/pulumi.yml); sets `stack`.
#
# Each AzureCLI@2 step signs in with a federated token of its own, valid about ten minutes, that neither the
# Azure CLI nor azure-native can refresh (Azure/azure-cli#28708). So every token the step will need is
# requested now and served from the CLI's cache for the rest of its lifetime (about an hour), and the
# template runs up, the settle check and the smoke test as separate steps, each with a fresh sign-in.
#   - azure-native: OIDC, from the step's federated token (addSpnToEnvironment) as ARM_OIDC_TOKEN.
#   - Databricks provider and SDK: they do not read ARM_OIDC_TOKEN, so they use the step's Azure CLI sign-in
#     (DATABRICKS_AUTH_TYPE=azure-cli).
#   - State backend azblob:// and Key Vault secrets: the Azure CLI sign-in as well.
# Needs H3_STACK (dev or prod) and the variable group's PULUMI_BACKEND_URL, or PULUMI_ORG and
# PULUMI_ACCESS_TOKEN.
set -euo pipefail
# Management, Storage, Key Vault, Event Hubs and the Azure Databricks application.
for resource in https://management.azure.com/ https://storage.azure.com/ https://vault.azure.net \
  https://eventhubs.azure.net 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d; do
  az account get-access-token --resource "$resource" --output none
done
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
