"""xcatha-ocf: Pacemaker OCF resource agents that make an xCAT management node highly available."""

__version__ = "0.1.0"
