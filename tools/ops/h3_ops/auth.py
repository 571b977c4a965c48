"""Entra ID credentials that refresh themselves, for Event Hubs and Databricks alike.

A federated sign-in of the Azure CLI cannot be refreshed (Azure/azure-cli#28708) and GitHub's OIDC assertion
lives about five minutes (Azure/login#441), so a run that outlives either fails with AADSTS700024. These
credentials ask for a new assertion each time they need a new token:

- GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL` set, the job has `id-token: write`): `ClientAssertionCredential`
  with a callback that requests a fresh GitHub OIDC token, as `@actions/core`'s `getIDToken` does
  (actions/toolkit, packages/core/src/oidc-utils.ts: `<url>&audience=<audience>`, bearer
  `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, the token in `value`). Needs `AZURE_CLIENT_ID` and `AZURE_TENANT_ID`.
- Azure Pipelines (`AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` set, as the AzureCLI@2 task does):
  `AzurePipelinesCredential`, which requests a new OIDC token from the pipeline for every Entra token. Needs
  `SYSTEM_ACCESSTOKEN` mapped into the step.
- Anywhere else: `DefaultAzureCredential` without the browser prompt, i.e. the signed-in operator (`az login`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from h3_ops.errors import OpsError

# Entra ID's audience for workload identity federation (a federated credential's default audience).
GITHUB_AUDIENCE = "api://AzureADTokenExchange"
# The Azure Databricks first-party application (databricks-sdk-go common/environment/environments.go).
DATABRICKS_SCOPE = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"
# Azure service management, whose token Databricks reads from X-Databricks-Azure-SP-Management-Token.
MANAGEMENT_SCOPE = "https://management.core.windows.net//.default"
# A cached token is renewed this long before it expires.
REFRESH_MARGIN_SECONDS = 300


@dataclass(frozen=True)
class Identity:
    """The credential chosen for this environment and how it was chosen (printed at the start of a run)."""

    kind: str
    credential: Any

    def describe(self) -> str:
        return {
            "github-oidc": "GitHub OIDC (a fresh assertion for every token)",
            "azure-pipelines": "the Azure Pipelines service connection (a fresh assertion for every token)",
            "signed-in": "the signed-in identity (az login)",
        }[self.kind]


def github_assertion(env: Mapping[str, str], urlopen: Callable[..., Any] = urllib.request.urlopen):
    """A callable returning a new GitHub OIDC token for Entra ID on every call (never cached)."""
    url = f"{env['ACTIONS_ID_TOKEN_REQUEST_URL']}&audience={urllib.parse.quote(GITHUB_AUDIENCE, safe='')}"
    bearer = env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]

    def assertion() -> str:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {bearer}"})
        with urlopen(request, timeout=30) as response:
            value = json.load(response).get("value")
        if not value:
            raise OpsError(
                "GitHub answered the OIDC token request without a token",
                "that the job has `permissions: id-token: write`",
            )
        return value

    return assertion


def _values(env: Mapping[str, str], names: tuple[str, ...], where: str, fix: str) -> list[str]:
    """The variables `names` of `env`, or an OpsError naming each one that is missing."""
    missing = [n for n in names if not env.get(n)]
    if missing:
        raise OpsError(f"{where}: {', '.join(missing)} not set", fix)
    return [env[n] for n in names]


def azure_credential(
    env: Mapping[str, str] | None = None,
    *,
    factories: Mapping[str, Callable[..., Any]] | None = None,
    urlopen: Callable[..., Any] = urllib.request.urlopen,
) -> Identity:
    """The credential for this environment (module docstring); `factories` replaces azure.identity's classes."""
    env = os.environ if env is None else env
    make = dict(factories) if factories is not None else _identity_classes()
    if env.get("ACTIONS_ID_TOKEN_REQUEST_URL") and env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        tenant, client = _values(
            env,
            ("AZURE_TENANT_ID", "AZURE_CLIENT_ID"),
            "GitHub OIDC sign-in",
            "set them in the step's env from the environment's variables "
            "(AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}, AZURE_TENANT_ID: ${{ vars.AZURE_TENANT_ID }})",
        )
        assertion = github_assertion(env, urlopen)
        return Identity(
            "github-oidc", make["ClientAssertionCredential"](tenant_id=tenant, client_id=client, func=assertion)
        )
    if env.get("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"):
        tenant, client, connection, token = _values(
            env,
            (
                "AZURESUBSCRIPTION_TENANT_ID",
                "AZURESUBSCRIPTION_CLIENT_ID",
                "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
                "SYSTEM_ACCESSTOKEN",
            ),
            "Azure Pipelines sign-in",
            "run the step as an AzureCLI@2 task on the service connection and map "
            "SYSTEM_ACCESSTOKEN: $(System.AccessToken) into its env",
        )
        credential = make["AzurePipelinesCredential"](
            tenant_id=tenant, client_id=client, service_connection_id=connection, system_access_token=token
        )
        return Identity("azure-pipelines", credential)
    return Identity("signed-in", make["DefaultAzureCredential"](exclude_interactive_browser_credential=True))


def _identity_classes() -> dict[str, Callable[..., Any]]:
    from azure.identity import AzurePipelinesCredential, ClientAssertionCredential, DefaultAzureCredential

    return {
        "ClientAssertionCredential": ClientAssertionCredential,
        "AzurePipelinesCredential": AzurePipelinesCredential,
        "DefaultAzureCredential": DefaultAzureCredential,
    }


class CachedToken:
    """One scope's token from a credential, renewed REFRESH_MARGIN_SECONDS before it expires.

    The Azure CLI credential inside DefaultAzureCredential starts `az` for every call; this keeps one token
    per scope instead, for whichever credential is in use.
    """

    def __init__(self, credential: Any, scope: str, now: Callable[[], float] = time.time):
        self.credential = credential
        self.scope = scope
        self.now = now
        self._token: str | None = None
        self._expires_on = 0.0

    def get(self) -> str:
        if self._token is None or self._expires_on - REFRESH_MARGIN_SECONDS <= self.now():
            token = self.credential.get_token(self.scope)
            self._token, self._expires_on = token.token, float(token.expires_on)
        return self._token


def databricks_headers(
    credential: Any, workspace_resource_id: str | None, now: Callable[[], float] = time.time
) -> Callable[[], dict[str, str]]:
    """Request headers for Azure Databricks from an Entra credential, as databricks-sdk-go's Azure auth sends them.

    With the workspace's resource id, the workspace id header and a management token go along: Databricks then
    admits a service principal that is Contributor on the workspace but not yet one of its users
    (config/auth_azure_cli.go, getVisitor; terraform-provider-databricks#1627). When no management token can be
    had (a user without access to the management endpoint), the header is left out, as the Go SDK does.
    """
    databricks = CachedToken(credential, DATABRICKS_SCOPE, now)
    management = CachedToken(credential, MANAGEMENT_SCOPE, now)

    def headers() -> dict[str, str]:
        result = {"Authorization": f"Bearer {databricks.get()}"}
        if workspace_resource_id:
            result["X-Databricks-Azure-Workspace-Resource-Id"] = workspace_resource_id
            # The Databricks token alone serves identities that are already workspace users.
            with contextlib.suppress(Exception):
                result["X-Databricks-Azure-SP-Management-Token"] = management.get()
        return result

    return headers
