python3 -m venv backend/.venv
backend/.venv/bin/pip install fastapi "<repo>/python[uvicorn]"
printf '%s\n' backend/.venv/ src-tauri/binaries/ >> .gitignore
