"""Who is calling: API keys (their format, the lookup, when each was last used) and whether
their organisation may write. Below every domain package, so that request dependencies, the
group-committed event posts and the rate limiter can authenticate without importing one."""
