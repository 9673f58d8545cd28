#!/usr/bin/env bash
# The test command (make test; .ci/run). Extra arguments go to pytest.
set -u
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1 TOKENIZERS_PARALLELISM=false
# Browser tests install Debian's chromium if they can (CI is a fresh machine); they skip with a reason if not.
[ -x scripts/install_browser.sh ] && bash scripts/install_browser.sh || true
.venv/bin/python -m pytest -q -rs "$@"
rc=$?
# pytest exits 5 when it collected no tests: that is a failure of the suite, not a pass.
if [ "$rc" -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit $rc
