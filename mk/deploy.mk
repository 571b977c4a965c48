# Offline plans, personal stacks and code-only deploys. Owned by the deploy tooling.
.PHONY: plan
