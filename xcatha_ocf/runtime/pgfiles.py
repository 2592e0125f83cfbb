"""PostgreSQL's configuration files on this host: where they are, reading them,
and the one-time backup kept before the first change.

Files are read and written as UTF-8 with surrogateescape, so any bytes come back
out unchanged (configuration files with Latin-1 comments)."""

import os

from xcatha_ocf.runtime import pgconf
from xcatha_ocf.runtime.status import ExitStatus, OCFError

ENCODING, ERRORS = "utf-8", "surrogateescape"
AUTO_CONF = "postgresql.auto.conf"


class NotFound(Exception):
    """A configuration file is absent: stop has nothing to do, monitor reports
    not running, start fails with ``status``."""

    def __init__(self, status, reason):
        Exception.__init__(self, reason)
        self.status = status
        self.reason = reason


class Files(object):
    """postgresql.conf and pg_hba.conf as read from disk, and where the server
    keeps its data."""

    def __init__(self, conf_path, conf_text, hba_path, hba_text, data_dir):
        self.conf_path = conf_path
        self.conf_text = conf_text
        self.hba_path = hba_path
        self.hba_text = hba_text
        self.data_dir = data_dir

    def auto_conf(self):
        """The text of postgresql.auto.conf (ALTER SYSTEM), or None."""
        return read_optional(os.path.join(self.data_dir, AUTO_CONF))


def read_config(path):
    """The text of ``path``; NotFound when absent, OCFError when unreadable."""
    try:
        with open(path, "r", newline="", encoding=ENCODING, errors=ERRORS) as handle:
            return handle.read()
    except FileNotFoundError:
        raise NotFound(ExitStatus.ERR_INSTALLED, "%s does not exist" % path)
    except PermissionError as error:
        raise OCFError(ExitStatus.ERR_PERM, "cannot read %s: %s" % (path, error.strerror))
    except (IsADirectoryError, NotADirectoryError) as error:
        raise OCFError(ExitStatus.ERR_CONFIGURED, "cannot read %s: %s" % (path, error.strerror))
    except OSError as error:   # EIO and the like: this node's trouble, not the configuration's
        raise OCFError(ExitStatus.ERR_GENERIC, "cannot read %s: %s" % (path, error.strerror))


def read_optional(path):
    """The text of ``path`` or None when it does not exist."""
    try:
        return read_config(path)
    except NotFound:
        return None


def numbered_subdirectories(parent, child):
    """parent/<version>/child for each numeric version present, highest first."""
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    versions = [name for name in names if name.replace(".", "").isdigit()]
    versions.sort(key=lambda name: [int(part) for part in name.split(".") if part], reverse=True)
    return [os.path.join(parent, name, child) for name in versions]


def default_config_dir(family):
    """Where this distribution keeps postgresql.conf: Debian's newest
    /etc/postgresql/<version>/main, else /var/lib/pgsql/data or PGDG's
    /var/lib/pgsql/<version>/data."""
    from xcatha_ocf.runtime import distro
    if family == distro.DEBIAN:
        candidates = numbered_subdirectories("/etc/postgresql", "main")
        fallback = "/etc/postgresql/<version>/main"
    else:
        candidates = ["/var/lib/pgsql/data"] + numbered_subdirectories("/var/lib/pgsql", "data")
        fallback = candidates[0]
    for directory in candidates:
        if os.path.isfile(os.path.join(directory, "postgresql.conf")):
            return directory
    return fallback


def locate(conf_file, config_dir, hba_file, data_dir):
    """Both files and the data directory, from the parameters (empty: the
    distribution's defaults and what postgresql.conf says); NotFound when a file
    is absent, telling 'not installed here' (5) from a configured directory that
    is not PostgreSQL's (6)."""
    from xcatha_ocf.runtime import distro
    configured = bool(conf_file or config_dir)
    conf_path = conf_file or os.path.join(config_dir or default_config_dir(distro.family()),
                                          "postgresql.conf")
    directory = os.path.dirname(conf_path)
    conf_text = read_main(conf_path, directory, configured)
    settings_text = pgconf.without_damage(conf_text, pgconf.CONF)
    try:
        hba_setting = hba_file or pgconf.last_value(settings_text, "hba_file", conf_path)
        data_setting = data_dir or pgconf.last_value(settings_text, "data_directory", conf_path)
    except pgconf.ConfigError as error:
        raise OCFError(ExitStatus.ERR_CONFIGURED, str(error))
    hba_path = os.path.join(directory, hba_setting or "pg_hba.conf")
    hba_text = read_main(hba_path, directory, configured)
    return Files(conf_path, conf_text, hba_path, hba_text,
                 os.path.join(directory, data_setting) if data_setting else directory)


def read_main(path, directory, configured):
    try:
        return read_config(path)
    except NotFound as missing:
        if configured and os.path.isdir(directory):
            raise NotFound(ExitStatus.ERR_CONFIGURED, "%s is not a PostgreSQL configuration "
                                                      "directory: %s" % (directory, missing.reason))
        raise NotFound(ExitStatus.ERR_INSTALLED,
                       "no PostgreSQL configuration on this node: %s" % missing.reason)


def included_files(target, directive):
    if directive != "include_dir":
        return [target]
    try:
        names = sorted(os.listdir(target))
    except OSError:
        return []
    return [os.path.join(target, name) for name in names
            if name.endswith(".conf") and not name.startswith(".")]


def backup_missing(path):
    """The one-time backup of ``path`` still to be made, or None when it exists."""
    backup = path + pgconf.BACKUP_SUFFIX
    return None if os.path.exists(backup) else backup


# -- Debian's postgresql-common: whether a cluster starts at boot ---------------------------

START_CONF = "/etc/postgresql/%s/%s/start.conf"


def cluster_of(unit):
    """(version, name) of a Debian cluster unit postgresql@15-main, or None."""
    if not unit.startswith("postgresql@"):
        return None
    version, _, name = unit[len("postgresql@"):].replace(".service", "").partition("-")
    return (version, name) if version and name else None


def boot_start_conf(unit):
    """(path, text of it as ``manual``) when the cluster of ``unit`` starts at boot.

    start.conf is the distribution's switch: its systemd generator re-enables a
    cluster set to ``auto`` at every boot, whatever ``systemctl disable`` did."""
    cluster = cluster_of(unit)
    if cluster is None:
        return None
    path = START_CONF % cluster
    text = read_optional(path)
    if text is None:
        return None
    lines = text.split("\n")
    for index, line in enumerate(lines):
        word = line.split("#", 1)[0].strip()
        if word:
            if word != "auto":
                return None
            lines[index] = line.replace("auto", "manual", 1)
            return path, "\n".join(lines)
    return None
