# Policy pack and guardrail tests. Owned by the guardrails.
# The rules' own tests (tests/policy*.test.ts, tests/guardrails*.test.ts, tests/fuzz*.test.ts) run in the root
# mocha run; this target installs the pack as `pulumi preview --policy-pack policy/` loads it, type-checks it
# with its own compiler, and loads it through Pulumi's policy runner to talk to it over gRPC.
POLICY_STAMP := policy/node_modules/.h3-installed

$(POLICY_STAMP): policy/package.json policy/package-lock.json
	cd policy && npm ci --no-audit --no-fund
	@touch $@

.PHONY: install-policy test-policy
install-policy: $(POLICY_STAMP)

test-policy: $(NODE_STAMP) $(POLICY_STAMP)
	@mkdir -p $(REPORTS)
	cd policy && npx tsc --noEmit -p tsconfig.json
	npx mocha --config policy/.mocharc.json 2>&1 | tee $(REPORTS)/mocha-policy.txt; exit $${PIPESTATUS[0]}
