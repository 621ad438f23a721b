"""Pieces of ``scripts/bench.py``: the stack it measures and the load it puts on it.

- ``stack.py``: a real Hardhat node, TraceAnchor deployed, an RPC-counting proxy, and the
  service as its own processes (``lotproof serve`` + ``lotproof worker``, production mode).
- ``load.py``: an asyncio/aiohttp load generator with latency percentiles and its own CPU use.
- ``rpcproxy.py``: a JSON-RPC forwarder that counts calls (how often the service asks the chain).
"""
