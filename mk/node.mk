# Node / Pulumi side. Owned by the Pulumi program.
NODE_STAMP := node_modules/.h3-installed

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: install-node test-node demo-plan
install-node: $(NODE_STAMP)

test-node: $(NODE_STAMP)
	@mkdir -p $(REPORTS)
	npx tsc --noEmit -p tsconfig.json
	npx biome check .
	npx mocha 2>&1 | tee $(REPORTS)/mocha.txt; exit $${PIPESTATUS[0]}

# The dev stack's resource tree under Pulumi mocks: Pulumi.yaml defaults merged with Pulumi.dev.yaml.
demo-plan: $(NODE_STAMP)
	npx tsx scripts/demo.ts dev
