backend/.venv/bin/pip install "<repo>/python[build]"
backend/.venv/bin/python -m tauri_sidecar build backend/app.py --name my-app-backend
