#!/usr/bin/env bash
# Writes the workflows `init` gives a config repository from this repository's own: the same
# workflows, calling the released action instead of `./`, with only the embedded sandbox left out
# of the matrices (this repository also has `local`, the sandbox served on 127.0.0.1).
# test/workflows/workflows.test.ts fails when they differ in anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
for f in plan apply drift; do
  {
    echo "# Written by \`paystrator-gitops init\`: the same workflow as paystrator-gitops's own .github/workflows/$f.yml."
    sed -e 's|^\(\s*\)uses: \./$|\1uses: paystrator-gitops/paystrator-gitops@v0 # pin to a commit SHA (Dependabot keeps it current)|' \
        -e 's|^\(\s*\)LOCAL_ONLY: sandbox local$|\1LOCAL_ONLY: sandbox|' ".github/workflows/$f.yml"
  } > "templates/init/.github/workflows/$f.yml"
done
