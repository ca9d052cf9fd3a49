#!/usr/bin/env bash
# Set up and start the portal with the demo data on SQLite (data/qingshen.db).
#   PORT=8501 by default; DATABASE_URL may name another database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
.venv/bin/python -m core.setup --demo
PORT=${PORT:-8501}
echo "门户地址：http://localhost:${PORT}  （演示账号见 README.md）"
exec .venv/bin/streamlit run Home.py --server.headless true --server.port "$PORT"
