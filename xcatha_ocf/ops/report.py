"""Text output shared by the operator commands: aligned tables, times, colour
only on a terminal, and progress lines for long waits."""

import time

COLOURS = {"green": "32", "yellow": "33", "red": "31", "bold": "1"}


def paint(text, colour, enabled):
    return "\033[%sm%s\033[0m" % (COLOURS[colour], text) if enabled and colour else text


def table(headers, rows, colours=None, enabled=False, column=1):
    """Left-aligned columns; ``colours`` gives per row the colour of ``column``."""
    widths = [max(len(str(row[column])) for row in [headers] + rows) for column in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths)).rstrip()]
    for index, row in enumerate(rows):
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        if colours:
            cells[column] = paint(cells[column], colours[index], enabled)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def iso_time(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) if epoch is not None else None


def local_time(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


def ago(epoch, now):
    seconds = int(now - epoch)
    if seconds < 0:
        return "in the future"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return "%d d %d h ago" % (days, hours)
    if hours:
        return "%d h %d min ago" % (hours, minutes)
    if minutes:
        return "%d min %d s ago" % (minutes, seconds)
    return "%d s ago" % seconds


class Progress(object):
    """Event lines with the elapsed time.  On a terminal a 'waiting' line is
    rewritten in place between events; elsewhere only the events are printed."""

    def __init__(self, out, terminal, clock=time.monotonic):
        self.out = out
        self.terminal = terminal
        self.clock = clock
        self.started = clock()
        self.pending = False

    def elapsed(self):
        return self.clock() - self.started

    def event(self, text):
        self._clear()
        self.out.write("[%5.1fs] %s\n" % (self.elapsed(), text))
        self.out.flush()

    def waiting(self, text):
        if self.terminal:
            self.out.write("\r\033[K[%5.1fs] %s" % (self.elapsed(), text))
            self.out.flush()
            self.pending = True

    def _clear(self):
        if self.pending:
            self.out.write("\r\033[K")
            self.pending = False
