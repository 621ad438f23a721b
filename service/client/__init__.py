"""The field client: ``lotproof`` commands that drive a remote server over its HTTP API."""

from service.client.api import ClientError, Download, FieldError, LotproofClient

__all__ = ["ClientError", "Download", "FieldError", "LotproofClient"]
