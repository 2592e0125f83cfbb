"""Logging the way ocf-shellfuncs' ocf_log does it.

HA_LOGFACILITY selects a syslog facility ("none" or empty: no syslog),
HA_LOGFILE a file to append to, HA_debug=1 enables debug messages (written to
HA_DEBUGLOG when set).  With neither a facility nor a file, messages go to
stderr, which Pacemaker records in its own log; an admin at a terminal always
sees them on stderr.
"""

import sys
import time

LEVELS = {"debug": 7, "info": 6, "notice": 5, "warning": 4, "error": 3, "crit": 2}
FACILITIES = ("daemon", "user", "local0", "local1", "local2", "local3", "local4",
              "local5", "local6", "local7")


class Logger(object):
    def __init__(self, agent, environ, stream=None):
        self.agent = agent
        self.instance = ""
        self.stream = stream if stream is not None else sys.stderr
        facility = environ.get("HA_LOGFACILITY", "").strip().lower()
        self.facility = facility if facility in FACILITIES else None
        self.logfile = environ.get("HA_LOGFILE") or None
        self.debuglog = environ.get("HA_DEBUGLOG") or None
        self.debugging = environ.get("HA_debug", "0") not in ("0", "", "false", "no")
        self.to_stream = (self.facility is None and self.logfile is None) or self._is_tty()
        self._syslog = None

    def _is_tty(self):
        try:
            return self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    @property
    def tag(self):
        if self.instance:
            return "%s(%s)" % (self.agent, self.instance)
        return self.agent

    def log(self, level, message):
        if level == "debug" and not self.debugging:
            return
        line = "%s: %s" % (level.upper(), message)
        if self.to_stream:
            self.stream.write("%s %s\n" % (self.tag, line))
        if self.facility:
            self._send_syslog(level, line)
        target = self.debuglog if level == "debug" and self.debuglog else self.logfile
        if target:
            self._append(target, line)

    def _send_syslog(self, level, line):
        if self._syslog is None:
            import syslog
            syslog.openlog(self.tag, syslog.LOG_PID,
                           getattr(syslog, "LOG_" + self.facility.upper()))
            self._syslog = syslog
        self._syslog.syslog(LEVELS[level], line)

    def _append(self, path, line):
        import os
        stamp = time.strftime("%b %d %H:%M:%S")
        try:
            with open(path, "a") as logfile:
                logfile.write("%s %s[%d]: %s\n" % (stamp, self.tag, os.getpid(), line))
        except (IOError, OSError) as error:
            self.stream.write("%s: cannot write log file %s: %s\n" % (self.tag, path, error))

    def debug(self, message):
        self.log("debug", message)

    def info(self, message):
        self.log("info", message)

    def warning(self, message):
        self.log("warning", message)

    def error(self, message):
        self.log("error", message)

    def debug_traceback(self):
        """Record the current exception's traceback for a developer (HA_debug)."""
        if self.debugging:
            import traceback
            self.debug(traceback.format_exc())
