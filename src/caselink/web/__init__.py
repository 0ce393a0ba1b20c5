"""The web layer: thin FastAPI routers over the capability services."""
