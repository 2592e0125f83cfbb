"""Timing for the bench scripts: one run's CPU and wall time, rounds that alternate
the measured commands, medians, the interpreter floor and the printed figures.

CPU is user+system time of the measured process and of every child it waited for,
from os.wait4's rusage; wall time is from the monotonic clock.  The floor is what
any agent costs before it does anything: its interpreter starting and exiting,
``/usr/bin/python3 -IS -c pass``, measured alternating with the agents.
"""

import os
import statistics
import time

FLOOR = ["/usr/bin/python3", "-IS", "-c", "pass"]
FLOOR_NAME = "interpreter floor"
FLOOR_TARGET = 1.5
WIDTH = 36   # of the names in the printed lines


class Run(object):
    """Exit code, CPU seconds and wall seconds of one run (or of several, summed)."""

    def __init__(self, rc, cpu, wall):
        self.rc, self.cpu, self.wall = rc, cpu, wall


def measure(argv, env):
    """Run ``argv`` (executed directly, stdin, stdout and stderr on /dev/null); its Run."""
    started = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)])
    _, status, usage = os.wait4(pid, 0)
    return Run(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime,
               time.monotonic() - started)


def measure_all(commands):
    """Run each (argv, env) of ``commands`` in turn; their summed Run, with the first
    exit code that is not 0 (else 0)."""
    runs = [measure(argv, env) for argv, env in commands]
    return Run(next((run.rc for run in runs if run.rc != 0), 0),
               sum(run.cpu for run in runs), sum(run.wall for run in runs))


def alternate(sides, rounds, rotate=True):
    """``sides``: {name: (commands, expected exit code)}, commands as for measure_all.
    Every round runs each side once, starting one side later than the round before
    (with ``rotate``, else always in the given order: a cycle such as start, stop);
    {name: [Run]}.  An unexpected exit code ends the benchmark."""
    names = list(sides)
    runs = dict((name, []) for name in names)
    for number in range(rounds):
        shift = number % len(names) if rotate else 0
        for name in names[shift:] + names[:shift]:
            commands, expected = sides[name]
            run = measure_all(commands)
            if run.rc != expected:
                raise SystemExit("%s exited %d, expected %d" % (name, run.rc, expected))
            runs[name].append(run)
    return runs


def with_floor(sides, env):
    """``sides`` and the interpreter floor (exit code 0), to alternate with them."""
    return dict(sides, **{FLOOR_NAME: ([(FLOOR, env)], 0)})


def medians(runs):
    """{name: (median CPU seconds, median wall seconds)}."""
    return dict((name, (statistics.median(run.cpu for run in values),
                        statistics.median(run.wall for run in values)))
                for name, values in runs.items())


def print_medians(figures):
    for name, (cpu, wall) in figures.items():
        print("  %-*s cpu %6.2f ms   wall %6.2f ms" % (WIDTH, name, cpu * 1e3, wall * 1e3))


def print_ratio(label, ratio, target=None):
    """``label``: ``ratio``, and whether it meets ``target``, a ratio not to exceed."""
    verdict = "" if target is None else " (target <= %.2f): %s" % (
        target, "met" if ratio <= target else "NOT met")
    print("  %-*s %5.2f%s" % (WIDTH, label, ratio, verdict))


def print_floor_ratios(figures, agents):
    """Each agent's median CPU as a multiple of the floor's, against FLOOR_TARGET."""
    floor = figures[FLOOR_NAME][0]
    print("  CPU as a multiple of the interpreter floor (%.2f ms), target within %.1fx:"
          % (floor * 1e3, FLOOR_TARGET))
    for name in agents:
        print_ratio(name, figures[name][0] / floor, FLOOR_TARGET)
