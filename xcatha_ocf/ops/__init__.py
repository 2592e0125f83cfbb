"""Operator commands on a running cluster: ``xcatha status``, ``xcatha failover``
and ``xcatha check``.  Library functions take an injected command runner
(see commands.py), so tests assert the exact commands they run."""
