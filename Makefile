# The two commands of the README.
.PHONY: demo check

# Install everything, create the embedded database, load the demo company, serve it.
demo:
	scripts/bootstrap.sh
	.venv/bin/kizuna demo --port 8000

# The whole test suite (CI runs exactly this).
check:
	scripts/check.sh
