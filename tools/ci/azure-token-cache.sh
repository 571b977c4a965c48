#!/usr/bin/env bash
# Fills the Azure CLI's token cache right after a federated sign-in, for every resource a Pulumi run or a tool
# started from this job will ask the CLI for. The federated sign-in itself cannot be refreshed: GitHub's OIDC
# assertion lives about five minutes (Azure/login#441), an Azure Pipelines one about ten, and the CLI cannot
# renew it (Azure/azure-cli#28708); each access token cached now lasts about an hour (its `expiresOn`, printed).
#   - Azure Resource Manager: the Databricks provider's management token (azure-cli auth sends it with
#     X-Databricks-Azure-SP-Management-Token, so a deployer not yet a workspace user is admitted:
#     databricks-sdk-go config/auth_azure_cli.go) and the CLI itself;
#   - Storage and Key Vault: the azblob:// state backend and the azurekeyvault:// secrets provider;
#   - the Azure Databricks application (databricks-sdk-go common/environment/environments.go).
set -euo pipefail
for resource in https://management.azure.com/ https://management.core.windows.net/ https://storage.azure.com/ \
  https://vault.azure.net 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d; do
  expires=$(az account get-access-token --resource "$resource" --query expiresOn --output tsv)
  echo "Azure CLI token for $resource cached until $expires"
done
