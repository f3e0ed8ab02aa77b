"""`python -m tauri_sidecar build app.py --name my-app-backend`: see `_build`."""
import sys

from ._build import main

if __name__ == "__main__":
    sys.exit(main())
