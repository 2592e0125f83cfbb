"""Errors the xcatha tools raise for the command line to report."""


class InputError(Exception):
    """Bad input to an xcatha command (an argument, a site file, a node name):
    the command line prints the message on one line and exits 2."""
