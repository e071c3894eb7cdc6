"""Local stand-ins for the outside world: a fake X API server and keyring backends."""
