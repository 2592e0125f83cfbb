"""What systemd says about a set of units, from one ``systemctl show`` call."""

import os

SHOW_PROPERTIES = "Id,LoadState,ActiveState,SubState,UnitFileState"
ENABLED_STATES = ("enabled", "enabled-runtime")
DOWN_STATES = ("inactive", "failed")
RUNTIME_DIR = "/run/systemd/system"   # exists only when systemd is PID 1 (sd_booted)
QUERY_TIMEOUT = 30


class SystemdUnavailable(Exception):
    """systemctl did not answer; ``not_booted`` when systemd is not the init system."""

    def __init__(self, reason, not_booted=False):
        Exception.__init__(self, reason)
        self.reason = reason
        self.not_booted = not_booted


def booted():
    return os.path.isdir(RUNTIME_DIR)


def parse_show(text):
    """``systemctl show`` output -> list of {property: value}, one per unit."""
    blocks, current = [], {}
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, _, value = line.partition("=")
        current[key] = value
    return blocks


def match_blocks(names, blocks):
    """{name: block}: by the block's Id, by position for aliases (bind9 -> named)."""
    by_id = dict((block.get("Id"), block) for block in blocks)
    return dict((name, by_id.get(name if "." in name else name + ".service", block))
                for name, block in zip(names, blocks))


class Units(object):
    """The state of some units as one ``systemctl show`` reported it."""

    def __init__(self, run):
        self.run = run
        self.states = {}

    def inspect(self, names):
        """Ask systemd about ``names`` at once; SystemdUnavailable when it cannot answer."""
        result = self.run.query(["systemctl", "show", "--no-pager", "-p", SHOW_PROPERTIES, "--"]
                                + list(names), timeout=QUERY_TIMEOUT)
        if not result.ok:
            raise SystemdUnavailable(result.summary(), not booted())
        blocks = parse_show(result.out)
        if len(blocks) != len(names):
            raise SystemdUnavailable("systemctl show answered for %d of %d units"
                                     % (len(blocks), len(names)))
        self.states = match_blocks(names, blocks)

    def loaded(self, unit):
        return self.states.get(unit, {}).get("LoadState") == "loaded"

    def active_state(self, unit):
        return self.states.get(unit, {}).get("ActiveState", "inactive")

    def is_up(self, unit):
        return self.active_state(unit) in ("active", "reloading")

    def is_down(self, unit):
        return self.active_state(unit) in DOWN_STATES

    def enabled_at_boot(self, unit):
        """From UnitFileState; units generated from SysV scripts (Debian's
        isc-dhcp-server and conserver-server) need systemctl is-enabled, which asks
        the rc links."""
        state = self.states.get(unit, {}).get("UnitFileState")
        if state != "generated":
            return state in ENABLED_STATES
        result = self.run.query(["systemctl", "is-enabled", unit], timeout=QUERY_TIMEOUT)
        return result.out.strip().splitlines()[-1:] == ["enabled"]
