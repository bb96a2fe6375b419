#!/usr/bin/env bash
# `npm start`: sets the machine up, registers the nnlab kernel for this user, and opens JupyterLab on
# notebooks/ (or the classic notebook where JupyterLab could not be installed), printing the URL with its token.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash kernel/scripts/setup.sh
node dist/kernel/cli.js install --user

if [[ -x .venv/bin/jupyter-lab ]]; then
  front_end=(.venv/bin/jupyter lab) app=ServerApp url_path=lab
elif [[ -x /usr/bin/jupyter-notebook ]]; then
  echo "[start] JupyterLab is not installed (see the setup warnings above); opening the classic notebook." >&2
  front_end=(/usr/bin/jupyter-notebook) app=NotebookApp url_path=tree
else
  echo "[start] No notebook front end found. Install one of:" >&2
  echo "[start]   JupyterLab: a pip mirror in pip's config, then bash kernel/scripts/setup.sh" >&2
  echo "[start]   the classic notebook: sudo apt-get install -y jupyter-notebook" >&2
  exit 1
fi

# A fixed port and our own token, so the URL printed below is the one that works.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
token=$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
url="http://127.0.0.1:${port}/${url_path}?token=${token}"
options=(--ip=127.0.0.1 "--port=${port}" --port-retries=0 "--${app}.token=${token}" --notebook-dir=notebooks)
[[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] || options+=(--no-browser)
[[ $(id -u) -ne 0 ]] || options+=(--allow-root)

# Jupyter's own log buries the URL; announce it once the server answers.
node -e '
  const [url, status] = process.argv.slice(1);
  const deadline = Date.now() + 120000;
  (async function poll() {
    try {
      if ((await fetch(status)).ok) {
        const line = "=".repeat(Math.min(url.length + 4, 120));
        console.error(`\n${line}\n  nnlab is ready. Open:\n  ${url}\n${line}\n`);
        return;
      }
    } catch {}
    if (Date.now() < deadline) setTimeout(poll, 500);
  })();
' "$url" "http://127.0.0.1:${port}/api/status?token=${token}" &

exec "${front_end[@]}" "${options[@]}"
