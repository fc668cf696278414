"""The sandbox's browser page and the HTTP API it uses (API.md)."""
