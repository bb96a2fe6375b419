#!/usr/bin/env bash
# Executes every course notebook on the nnlab kernel and exports it to HTML in course-html/ (git-ignored):
# `npm run course:html`, after `npm run build`. The kernelspec goes into a temporary prefix found through
# JUPYTER_PATH, so nothing is installed for the user. Extra arguments name notebooks to export instead of all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

readonly PYTHON=/usr/bin/python3 # Debian's Jupyter; the first python3 on PATH may lack it
readonly OUT=course-html
readonly CELL_TIMEOUT_S=600

if [[ ! -f dist/kernel/cli.js ]]; then
  echo "course-html: dist/kernel/cli.js is missing; run npm run build first" >&2
  exit 1
fi
if ! "$PYTHON" -c "import nbconvert" 2>/dev/null; then
  echo "course-html: $PYTHON cannot import nbconvert; install it with apt-get install -y jupyter-nbconvert" >&2
  exit 1
fi

jupyter_root=$(mktemp -d "${TMPDIR:-/tmp}/nnlab-course-html-XXXXXX")
trap 'rm -rf "$jupyter_root"' EXIT
node dist/kernel/cli.js install --prefix "$jupyter_root/prefix" >/dev/null
export JUPYTER_PATH="$jupyter_root/prefix/share/jupyter"
export JUPYTER_RUNTIME_DIR="$jupyter_root/runtime" JUPYTER_DATA_DIR="$jupyter_root/data" JUPYTER_CONFIG_DIR="$jupyter_root/config"

if (($# > 0)); then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
mkdir -p "$OUT"
failed=()
for notebook in "${notebooks[@]}"; do
  started=$SECONDS
  # Run from the notebooks' folder, as a student would, so cells resolve packages from this checkout.
  if "$PYTHON" -m nbconvert --to html --execute \
    --ExecutePreprocessor.kernel_name=nnlab --ExecutePreprocessor.timeout="$CELL_TIMEOUT_S" \
    --output-dir "$PWD/$OUT" "$notebook" >"$jupyter_root/nbconvert.log" 2>&1; then
    printf 'course-html: %-40s %4ds\n' "$(basename "$notebook")" $((SECONDS - started))
  else
    printf 'course-html: %-40s FAILED after %ds\n' "$(basename "$notebook")" $((SECONDS - started)) >&2
    tail -n 30 "$jupyter_root/nbconvert.log" >&2
    failed+=("$notebook")
  fi
done
((${#failed[@]} == 0)) || { echo "course-html: ${#failed[@]} notebook(s) failed: ${failed[*]}" >&2; exit 1; }
echo "course-html: HTML in $OUT/"
