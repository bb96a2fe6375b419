#!/usr/bin/env bash
# Brings a machine of this kind (Debian bookworm, Node 20) to where `npm start` and `npm test` work:
# Debian's Jupyter stack, node_modules, the build in dist/, JupyterLab in .venv, Keras 3 (JAX CPU) in .venv-keras and
# torch (CPU) in .venv-torch for the tests that check nnlab's model files in real Keras and PyTorch.
# Idempotent and silent when everything is already there; it only speaks about what it does or lacks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { echo "[setup] $*" >&2; }
warn() { echo "[setup] WARNING: $*" >&2; }

install_debian_packages() {
  local missing=() package
  while read -r package; do
    [[ -n "$package" ]] || continue
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done <kernel/scripts/debian-packages.txt
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    warn "missing Debian packages: ${missing[*]}"
    warn "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    warn "continuing with what exists; tests that need them will fail and name the package"
    return 0
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_node_modules() {
  # package-lock.json newer than npm's record of the installed tree means the tree is stale (a fresh
  # clone or a pull). The lock keeps this from racing an `npm install` someone runs in the same checkout.
  if [[ -d node_modules && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    return 0
  fi
  say "npm ci (node_modules missing or older than package-lock.json)"
  flock /tmp/nnlab-npm.lock npm ci --no-audit --no-fund --loglevel=error
}

build() {
  # Rebuild only when a source is newer than the last successful build.
  local stamp=dist/.build-stamp
  if [[ -f "$stamp" ]] &&
    [[ -z "$(find kernel runtime test tsconfig.json package.json -newer "$stamp" \( -name '*.ts' -o -name '*.mjs' -o -name '*.json' \) -print -quit)" ]]; then
    return 0
  fi
  say "building (tsc)"
  npm run --silent build
  touch "$stamp"
}

install_jupyterlab() {
  # JupyterLab and its widget manager (ipywidgets' JupyterLab extension renders nnlab's widgets).
  [[ -x .venv/bin/jupyter-lab ]] && .venv/bin/python -c "import ipywidgets, jupyterlab_widgets" 2>/dev/null && return 0
  # Only the wheel mirror named in pip's config is reachable; pip's default index would hang retrying.
  [[ -x .venv/bin/pip ]] || /usr/bin/python3 -m venv .venv
  local urls=()
  read -r -a urls <<<"$(.venv/bin/pip config get global.extra-index-url 2>/dev/null || true)"
  if ((${#urls[@]} == 0)); then
    warn "no pip mirror configured (pip config get global.extra-index-url is empty): JupyterLab NOT installed."
    warn "npm start falls back to the classic notebook (Debian's jupyter-notebook); browser tests need JupyterLab."
    return 0
  fi
  local index_args=(--index-url "${urls[0]}") url
  for url in "${urls[@]:1}"; do index_args+=(--extra-index-url "$url"); done
  say "installing JupyterLab and its widget manager into .venv from ${urls[*]}"
  if ! .venv/bin/pip install --quiet --disable-pip-version-check --retries 1 --timeout 30 \
    "${index_args[@]}" jupyterlab jupyterlab-widgets ipywidgets 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
    warn "pip could not install JupyterLab into .venv (see above); npm start falls back to the classic notebook."
  fi
}

pip_index_args() {
  # Only the wheel mirror named in pip's config is reachable; pip's default index would hang retrying.
  local urls=() url
  read -r -a urls <<<"$(/usr/bin/python3 -m pip config get global.extra-index-url 2>/dev/null || true)"
  ((${#urls[@]})) || return 1
  printf '%s\n' --index-url "${urls[0]}"
  for url in "${urls[@]:1}"; do printf '%s\n' --extra-index-url "$url"; done
}

# A venv of real Python libraries that a test checks nnlab's files against; the test says loudly when it is missing.
# install_checked_venv DIR IMPORTS TEST WHAT PACKAGE...
install_checked_venv() {
  local dir=$1 imports=$2 test=$3 what=$4
  shift 4
  [[ -x $dir/bin/python ]] && KERAS_BACKEND=jax "$dir/bin/python" -c "import $imports" 2>/dev/null && return 0
  local index_args=()
  if ! mapfile -t index_args < <(pip_index_args) || ((${#index_args[@]} == 0)); then
    warn "NO PIP MIRROR configured (pip config get global.extra-index-url is empty): $what NOT installed into $dir."
    warn "$test will say loudly that nnlab's files were NOT checked against real $what."
    return 0
  fi
  say "installing $* into $dir"
  [[ -x $dir/bin/pip ]] || /usr/bin/python3 -m venv "$dir"
  if ! "$dir/bin/pip" install --quiet --disable-pip-version-check --retries 1 --timeout 30 \
    "${index_args[@]}" "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
    warn "pip could not install $* into $dir (see above); $test will NOT check against real $what."
  fi
}

install_debian_packages
install_node_modules
build
install_jupyterlab
# Real Keras 3 loads nnlab's .keras files (about 20-50 s from the mirror); real torch.nn models load nnlab's
# state_dict exports (about 50 s).
install_checked_venv .venv-keras keras test/keras/keras_format.test.ts Keras keras jax
install_checked_venv .venv-torch "torch, safetensors" test/keras/pytorch.test.ts torch torch safetensors numpy
