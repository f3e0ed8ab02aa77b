from fastapi import FastAPI
import tauri_sidecar

app = FastAPI()


@app.get("/api/hello")
def hello():
    return {"message": "Hello from Python"}


if __name__ == "__main__":
    tauri_sidecar.run(app)
