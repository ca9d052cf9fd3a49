#!/usr/bin/env bash
# Set up and start the portal with the DEMO data on SQLite (data/qingshen.db): public demo passwords,
# every screen marked 演示系统. A production instance is set up as README.md "Production setup" says.
#   PORT=8501 by default; DATABASE_URL may name another database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
.venv/bin/python -m core.setup --demo
# The seed campaign in progress, played through core as its actors would (about half a minute, once per
# database: an existing campaign is left alone).
.venv/bin/python -m core.demo_campaign
PORT=${PORT:-8501}
echo "门户地址：http://localhost:${PORT}  （演示系统，演示账号见 README.md）"
exec .venv/bin/streamlit run server.py --server.headless true --server.port "$PORT"
