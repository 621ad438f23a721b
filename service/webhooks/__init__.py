"""Webhooks: organisations subscribe URLs to quality events; a dispatcher signs and sends them."""
