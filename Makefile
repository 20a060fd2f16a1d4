# The README's two commands. Each creates the virtual environment .venv on first use and installs
# everything into it (scripts/venv.sh, which runs without make too: bash scripts/venv.sh demo).
#
#   make demo                         a small campaign from sample videos, in the browser
#   make demo DEMO="--simulate 12"    the whole chain on simulated votes instead
#   make test                         the test suite (what CI runs)

DEMO ?=

.PHONY: demo test

demo:
	bash scripts/venv.sh demo $(DEMO)

test:
	bash scripts/venv.sh test
