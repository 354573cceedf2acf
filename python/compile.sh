#!/usr/bin/env bash
# Regenerate python/requirements.txt (exact pins + sha256 hashes for every
# transitive dependency) from python/requirements.in.
#
# Run it on the target platform (CPython 3.11, linux x86_64 — Debian 12), with
# network access to PyPI. pip-tools runs in a throwaway venv under /tmp, so
# nothing is installed into the system Python or the project tree.
#
# Existing pins in requirements.txt are kept where still valid; pass
# --upgrade (or --upgrade-package NAME) to move them. Extra args go to pip-compile.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
PIP_TOOLS_VERSION="7.6.2"

tmp="$(mktemp -d /tmp/sluice-pip-compile.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "pip-tools==$PIP_TOOLS_VERSION"

cd "$here"
CUSTOM_COMPILE_COMMAND="python/compile.sh" \
  "$tmp/venv/bin/pip-compile" \
    --quiet \
    --generate-hashes \
    --allow-unsafe \
    --strip-extras \
    --no-emit-index-url \
    --no-emit-find-links \
    --output-file requirements.txt \
    "$@" \
    requirements.in

# pip-compile owns the header; add a pointer to the installer under it.
sed -i '6a # Installed (pip --require-hashes --no-deps) by scripts/lib/python-env.mjs.\n# Edit requirements.in, then regenerate with python/compile.sh\n# (pass --upgrade to move every unpinned transitive dependency to its newest).\n#' requirements.txt

echo "wrote $here/requirements.txt ($(grep -cE '^[A-Za-z0-9_.-]+==' requirements.txt) pinned packages)"
