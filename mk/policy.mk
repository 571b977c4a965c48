# Policy pack and guardrail tests. Owned by the guardrails.
.PHONY: test-policy
test-policy:
	@true
