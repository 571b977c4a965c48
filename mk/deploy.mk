# Offline plans, personal stacks and code-only deploys. Owned by the deploy tooling.
#   make plan STACK=dev              write plans/<stack>.txt and .json under mocks (default: dev and prod)
#   make stack-new NAME=ada          create the personal stack dev-ada (shared mode) and Pulumi.dev-ada.yaml;
#                                    FULL=1: a full copy; DEV_STACK=<org>/h3-ml/dev: the dev stack it reads
#   make stack-rm NAME=ada           destroy and remove dev-ada (YES=1 skips the prompts)
#   make deploy-code STACK=dev-ada   update only the notebooks and package files of a stack (deletions too);
#                                    dev and prod only in CI, or with ALLOW_SHARED=1
#   make settings STACK=dev-ada      Databricks CLI profile + git-ignored .env.<stack> of the stack's outputs
#   make smoke STACK=dev             events in, jobs run, the synthetic user deleted (tools/smoke; real Azure)
#   make request-deletion STACK=dev USER_ID=<id> [NOW=1] [CHANNEL=<text>]
#                                    a user.deletion_requested event for the user (tools/ops); NOW=1 completes it
#   make verify-code STACK=prod      the workspace's notebooks and package files against notebooks/ here
#   make lint-workflows              actionlint over .github/workflows
#   make install-pulumi              the Pulumi CLI of the SDK's release in .cache/bin (tools/pulumi-cli)
.PHONY: plan stack-new stack-rm deploy-code settings smoke request-deletion verify-code lint-workflows \
  install-actionlint install-pulumi

# Release installed with `go install` from the Go module proxy; bump here and the stamp re-installs it.
ACTIONLINT_VERSION := 1.7.12
TOOLS_BIN := .cache/bin
ACTIONLINT := $(TOOLS_BIN)/actionlint
ACTIONLINT_STAMP := $(TOOLS_BIN)/.actionlint-$(ACTIONLINT_VERSION)

# An actionlint of the pinned version already on PATH is linked instead of rebuilt.
$(ACTIONLINT_STAMP):
	@mkdir -p $(TOOLS_BIN)
	@if command -v actionlint >/dev/null 2>&1 && [ "$$(actionlint -version | head -n1)" = "v$(ACTIONLINT_VERSION)" ]; then \
	  ln -sf "$$(command -v actionlint)" $(ACTIONLINT); \
	elif command -v go >/dev/null 2>&1; then \
	  GOBIN="$(abspath $(TOOLS_BIN))" go install github.com/rhysd/actionlint/cmd/actionlint@v$(ACTIONLINT_VERSION); \
	else \
	  echo "actionlint $(ACTIONLINT_VERSION) is needed to lint .github/workflows: install Go (https://go.dev/dl) and re-run make" >&2; \
	  exit 1; \
	fi
	@rm -f $(TOOLS_BIN)/.actionlint-*
	@touch $@

install-actionlint: $(ACTIONLINT_STAMP)

# The workflow tests run actionlint, so the node suite needs it installed first.
test-node: $(ACTIONLINT_STAMP)

lint-workflows: $(ACTIONLINT_STAMP)
	$(ACTIONLINT)

# The real Pulumi CLI, for the tests that run the scripts and the config errors' Fix commands through it
# (file backend in a temporary folder, never the user's login). tools/pulumi-cli/go.mod holds the release.
PULUMI_CLI := $(TOOLS_BIN)/pulumi
PULUMI_CLI_STAMP := $(TOOLS_BIN)/.pulumi-installed

$(PULUMI_CLI_STAMP): tools/pulumi-cli/go.mod tools/pulumi-cli/go.sum tools/pulumi-cli/install.sh
	tools/pulumi-cli/install.sh $(PULUMI_CLI)
	@touch $@

install-pulumi: $(PULUMI_CLI_STAMP)

# The tests that drive the scripts through the real CLI (tests/cli): stack-new/rm, settings, deploy-code's
# config and state reading, the config errors' Fix commands. Slower than the unit suite, so a suite of their own.
.PHONY: test-cli
test-cli: $(NODE_STAMP) $(PULUMI_CLI_STAMP)
	@mkdir -p $(REPORTS)
	npx mocha --config tests/cli/.mocharc.json 2>&1 | tee $(REPORTS)/mocha-cli.txt; exit $${PIPESTATUS[0]}

# Empty STACK means the committed plans (dev and prod).
STACK ?=
plan: $(NODE_STAMP)
	npx tsx scripts/plan.ts $(STACK)

stack-new: $(NODE_STAMP)
	@test -n "$(NAME)" || { echo "NAME is required: make stack-new NAME=<your name>" >&2; exit 2; }
	npx tsx scripts/stack.ts new "$(NAME)" $(if $(FULL),--full) $(if $(DEV_STACK),--dev-stack "$(DEV_STACK)")

deploy-code: deploy-deps
	@test -n "$(STACK)" || { echo "STACK is required: make deploy-code STACK=dev-<name>" >&2; exit 2; }
	npx tsx scripts/deployCode.ts $(STACK) $(if $(ALLOW_SHARED),--allow-shared-stack) $(if $(YES),--yes)

settings: $(NODE_STAMP)
	@test -n "$(STACK)" || { echo "STACK is required: make settings STACK=<stack>" >&2; exit 2; }
	npx tsx scripts/settings.ts $(STACK)

# The SDK clients of the operator commands and the smoke test go into the project's venv only here: their
# tests (tests/smoke) use fakes.
OPS_STAMP := $(VENV)/.h3-ops-installed
OPS_PATH := PYTHONPATH=notebooks:tools/ops:tools/smoke

$(OPS_STAMP): $(PY_STAMP) tools/ops/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r tools/ops/requirements.txt
	@touch $@

.PHONY: install-ops
install-ops: $(OPS_STAMP)

# OUTPUTS=<file>: the stack's outputs saved by `pulumi stack output --json` (CI saves them right after signing in).
smoke: $(OPS_STAMP)
	@test -n "$(STACK)" || { echo "STACK is required: make smoke STACK=<stack>" >&2; exit 2; }
	$(OPS_PATH) $(PY) -m h3_smoke --stack $(STACK) $(if $(OUTPUTS),--outputs "$(OUTPUTS)")

# USER_ID=- reads the id from standard input, out of the shell's history.
request-deletion: $(OPS_STAMP)
	@test -n "$(STACK)" && test -n "$(USER_ID)" || \
	  { echo "STACK and USER_ID are required: make request-deletion STACK=<stack> USER_ID=<id> [NOW=1]" >&2; exit 2; }
	$(OPS_PATH) $(PY) -m h3_ops request-deletion --stack "$(STACK)" --user "$(USER_ID)" \
	  $(if $(NOW),--now) $(if $(CHANNEL),--channel "$(CHANNEL)") $(if $(OUTPUTS),--outputs "$(OUTPUTS)")

verify-code: $(OPS_STAMP)
	@test -n "$(STACK)" || { echo "STACK is required: make verify-code STACK=<stack>" >&2; exit 2; }
	$(OPS_PATH) $(PY) -m h3_ops verify-code --stack "$(STACK)" $(if $(OUTPUTS),--outputs "$(OUTPUTS)")

# The operator, smoke and CI scripts and their tests, linted with the pipeline's rules as part of lint-python.
LINTED_TOOLS := tools/ops tools/smoke tools/ci tests/ci
.PHONY: lint-tools
lint-tools: $(PY_STAMP)
	$(VENV)/bin/ruff check $(LINTED_TOOLS)
	$(VENV)/bin/ruff format --check $(LINTED_TOOLS)

lint-python: lint-tools

# YES=1 skips Pulumi's confirmation prompts.
stack-rm: $(NODE_STAMP)
	@test -n "$(NAME)" || { echo "NAME is required: make stack-rm NAME=<your name>" >&2; exit 2; }
	npx tsx scripts/stack.ts rm "$(NAME)" $(if $(YES),--yes)

# Pulumi runs the policy pack from source, so CI installs its own package next to the program's.
POLICY_DEPS_STAMP := policy/node_modules/.h3-deploy-installed

$(POLICY_DEPS_STAMP): policy/package.json policy/package-lock.json
	npm ci --prefix policy --no-audit --no-fund
	@touch $@

.PHONY: deploy-deps
deploy-deps: $(NODE_STAMP) $(POLICY_DEPS_STAMP)
