"""xcat-shared with real bind mounts, each test in its own private mount namespace."""

import os
import subprocess
import sys
import time

import pytest

from xcatha_ocf import install
from xcatha_ocf.runtime import bootstate, mounts
from xcatha_ocf.agents.shared import default_directories

AGENT = "xcat-shared"
RECORD = bootstate.path("test.shared")   # the instance name agentrun gives
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mount namespaces need root")


class Site(object):
    """A shared_dir holding two directories, and the two local directories."""

    def __init__(self, ns, ocf_agent, root):
        self.ns = ns
        self.launcher = ocf_agent.path(AGENT)
        self.environment = ocf_agent.environment
        self.root = str(root)
        self.shared_dir = self.root + "/xcatdata"
        self.directories = [self.root + "/install", self.root + "/etc/xcat"]
        for directory in self.directories:
            os.makedirs(self.shared_dir + directory)
            with open(self.shared_dir + directory + "/from-shared", "w") as handle:
                handle.write("shared\n")
        os.makedirs(self.directories[0])
        with open(self.directories[0] + "/local-file", "w") as handle:
            handle.write("local\n")

    def params(self, **extra):
        params = {"shared_dir": self.shared_dir, "directories": " ".join(self.directories)}
        params.update(extra)
        return params

    def agent(self, action, params=None, interval_ms=10000, args=(), **env):
        env.setdefault("extra", {})
        return self.ns.run([self.launcher, action] + list(args),
                           env=self.environment(self.params() if params is None else params,
                                               interval_ms=interval_ms, **env))

    def monitor(self, depth=0, **params):
        return self.agent("monitor", self.params(**params), extra={"OCF_CHECK_LEVEL": str(depth)})

    def mounted(self):
        return self.ns.mount_points(self.root)


STOPPED_ROLE = {"OCF_RESKEY_CRM_meta_role": "Stopped"}   # the monitor of the passive node


def reason(result):
    lines = [l for l in result.stderr.splitlines() if l.startswith("ocf-exit-reason:")]
    return lines[-1][len("ocf-exit-reason:"):] if lines else None


@pytest.fixture
def site(mount_namespace, ocf_agent, tmp_path):
    yield Site(mount_namespace, ocf_agent, tmp_path)
    bootstate.remove(RECORD)


# -- meta-data and launcher -------------------------------------------------------

def test_launcher_is_generated(ocf_agent):
    with open(ocf_agent.path(AGENT)) as handle:
        assert handle.read() == install.launcher(AGENT)
    assert os.stat(ocf_agent.path(AGENT)).st_mode & 0o777 == 0o755


def test_meta_data_validates_and_declares_three_monitor_depths(ocf_agent):
    xml = subprocess.run([ocf_agent.path(AGENT), "meta-data"], capture_output=True, text=True).stdout
    check = subprocess.run(["xmllint", "--noout", "--dtdvalid", "/usr/share/resource-agents/ra-api-1.dtd",
                            "-"], input=xml, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    for depth in (0, 10, 20):
        assert 'name="monitor"' in xml and 'depth="%d"' % depth in xml
    for name in ("shared_dir", "directories", "device", "fstype", "options", "kill_holders",
                 "term_wait", "io_timeout"):
        assert '<parameter name="%s"' % name in xml


def test_meta_data_validates_against_the_pcs_schema(ocf_agent):
    xml = subprocess.run([ocf_agent.path(AGENT), "meta-data"], capture_output=True, text=True).stdout
    check = subprocess.run(["xmllint", "--noout", "--relaxng", "/usr/share/pcs/data/ocf-1.1.rng", "-"],
                           input=xml, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("family, database", [("rhel", "/var/lib/pgsql"), ("suse", "/var/lib/pgsql"),
                                              ("debian", "/var/lib/postgresql")])
def test_default_directories_follow_the_distribution(family, database):
    assert default_directories(family) == ["/install", "/etc/xcat", "/root/.xcat", database, "/tftpboot"]


def test_dry_run_with_the_defaults_binds_the_five_directories_of_this_debian_host(
        mount_namespace, ocf_agent, tmp_path):
    """Exactly the five mount commands, in order; nothing is mounted or created."""
    shared_dir = str(tmp_path / "xcatdata")
    defaults = default_directories("debian")
    for directory in defaults:
        os.makedirs(shared_dir + directory)
    result = mount_namespace.run([ocf_agent.path(AGENT), "start", "--dry-run"],
                                 env=ocf_agent.environment({"shared_dir": shared_dir}))
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "would run" in line]
    assert commands == ["dry-run: would run: mount --bind -- %s%s %s" % (shared_dir, d, d) for d in defaults]
    assert mount_namespace.mount_points(shared_dir) == [] and \
        not mount_namespace.mount_points("/install")


# -- round trip ----------------------------------------------------------------------

def test_round_trip_is_idempotent_and_keeps_local_content(site):
    assert site.agent("monitor", interval_ms=0).returncode == 7
    started = site.agent("start")
    assert started.returncode == 0, started.stderr
    assert "local-file" in started.stderr and "hidden" in started.stderr
    assert site.mounted() == site.directories
    for directory in site.directories:
        assert site.ns.run(["cat", directory + "/from-shared"]).stdout == "shared\n"
    assert site.ns.run(["ls", site.directories[0]]).stdout.split() == ["from-shared"]
    again = site.agent("start")
    assert again.returncode == 0 and "nothing to do" in again.stderr
    assert site.mounted() == site.directories
    assert site.agent("monitor").returncode == 0
    assert site.agent("stop").returncode == 0
    assert site.mounted() == []
    assert site.agent("stop").returncode == 0
    assert site.agent("monitor").returncode == 7
    with open(site.directories[0] + "/local-file") as handle:
        assert handle.read() == "local\n"


def test_start_warns_when_owners_differ_between_node_and_storage(site):
    os.chown(site.shared_dir + site.directories[0], 4242, 4343)
    result = site.agent("start")
    assert result.returncode == 0
    assert "%s is owned by root(0):root(0) here but by 4242:4343 on the shared storage" \
        % site.directories[0] in result.stderr


def test_bind_shows_the_shared_directory_as_its_root_in_mountinfo(site):
    assert site.agent("start").returncode == 0
    lines = [l.split() for l in site.ns.mountinfo().splitlines() if l.split()[4] == site.directories[1]]
    assert len(lines) == 1 and lines[0][3].endswith("/xcatdata" + site.directories[1])


def test_missing_mount_points_are_created(site):
    assert not os.path.exists(site.directories[1])
    assert site.agent("start").returncode == 0
    assert site.mounted() == site.directories
    assert site.agent("stop").returncode == 0
    assert os.path.isdir(site.directories[1])


def test_dry_run_start_prints_the_mounts_and_mounts_nothing(site):
    result = site.agent("start", args=["--dry-run"])
    assert result.returncode == 0
    assert "would run: mount --bind -- %s%s %s" % (site.shared_dir, site.directories[0],
                                                site.directories[0]) in result.stdout
    assert site.mounted() == []


def test_partial_state_fails_naming_the_missing_directory_and_stop_cleans_up(site):
    assert site.agent("start").returncode == 0
    site.ns.sh("umount %s" % site.directories[0])
    result = site.agent("monitor")
    assert result.returncode == 1
    assert reason(result) == "not mounted: %s" % site.directories[0]
    assert site.agent("stop").returncode == 0
    assert site.mounted() == []


def test_a_foreign_mount_on_a_directory_is_not_ours(site):
    site.ns.sh("mount -t tmpfs xcshared-foreign %s" % site.directories[0])
    assert site.agent("monitor", interval_ms=0).returncode == 7
    assert site.agent("start").returncode == 0
    assert site.agent("monitor").returncode == 0
    assert site.agent("stop").returncode == 0
    assert site.mounted() == [site.directories[0]]  # the foreign tmpfs is left alone


def test_a_mount_covering_ours_fails_the_monitor_and_stop(site):
    assert site.agent("start").returncode == 0
    site.ns.sh("mount -t tmpfs xcshared-cover %s" % site.directories[0])
    assert reason(site.agent("monitor")) == "another mount covers %s" % site.directories[0]
    stop = site.agent("stop")
    assert stop.returncode == 1 and "another mount covers it" in reason(stop)


# -- monitor depths ------------------------------------------------------------------

def test_depth_10_and_20_pass_and_leave_no_status_file(site):
    assert site.agent("start").returncode == 0
    assert site.monitor(10).returncode == 0
    result = site.monitor(20)
    assert result.returncode == 0, result.stderr
    for directory in site.directories:
        assert sorted(os.listdir(site.shared_dir + directory))[0] == "from-shared"
        assert not [n for n in os.listdir(site.shared_dir + directory) if "monitor" in n]


def test_depth_20_fails_on_read_only_storage(site):
    assert site.agent("start").returncode == 0
    site.ns.sh("mount -o remount,bind,ro %s" % site.directories[0])
    assert site.monitor(0).returncode == 0
    assert site.monitor(10).returncode == 0
    result = site.monitor(20)
    assert result.returncode == 1
    assert "Read-only file system" in reason(result)


def test_depth_20_gives_up_on_storage_that_does_not_answer(site):
    """A FIFO where the status file goes blocks open() like a hung NFS server."""
    assert site.agent("start").returncode == 0
    hostname = os.uname()[1]
    os.mkfifo("%s%s/.xcat-shared-monitor.%s" % (site.shared_dir, site.directories[0], hostname))
    began = time.monotonic()
    result = site.monitor(20, io_timeout=1)
    assert result.returncode == 1
    assert "is hung" in reason(result)
    assert time.monotonic() - began < 5


# -- stop with busy directories ----------------------------------------------------------

HOLDER = ("import os, signal, sys, time\n"
          "signal.signal(signal.SIGTERM, signal.SIG_IGN if sys.argv[1] == 'ignore' else signal.SIG_DFL)\n"
          "handle = open(sys.argv[2])\n"
          "time.sleep(300)\n")


def test_busy_directory_without_kill_holders_fails_and_names_the_process(site):
    assert site.agent("start").returncode == 0
    pid = site.ns.spawn(["sleep", "300"], cwd=site.directories[1])
    result = site.agent("stop", site.params(kill_holders="false"))
    assert result.returncode == 1
    assert "sleep[%d] (cwd %s)" % (pid, site.directories[1]) in reason(result)
    assert "kill_holders=false" in reason(result)
    assert site.ns.alive(pid)
    assert site.directories[1] in site.mounted()


def test_stop_never_kills_the_command_that_called_it(site):
    """An admin running the stop from inside a shared directory gets an error, not a KILL."""
    assert site.agent("start").returncode == 0
    env = site.environment(site.params(term_wait="1"))
    script = 'cd "$1" && "$2" stop; echo "caller alive rc=$?"'
    result = site.ns.run(["sh", "-c", script, "caller", site.directories[0], site.launcher], env=env)
    assert "caller alive rc=1" in result.stdout
    assert "used by the command that runs this stop: sh[" in result.stderr
    assert site.directories[0] in site.mounted()


def test_dry_run_stop_names_the_processes_it_would_end(site):
    assert site.agent("start").returncode == 0
    pid = site.ns.spawn(["sleep", "300"], cwd=site.directories[1])
    result = site.agent("stop", args=["--dry-run"])
    assert result.returncode == 0, result.stderr
    assert "would run: umount %s\n" % site.directories[1] in result.stdout
    assert "would send TERM, then KILL, to sleep[%d]" % pid in result.stdout
    assert site.ns.alive(pid) and site.mounted() == site.directories


def test_busy_directory_holders_get_term_then_kill(site):
    assert site.agent("start").returncode == 0
    polite = site.ns.spawn(["sleep", "300"], cwd=site.directories[0])
    stubborn = site.ns.spawn([sys.executable, "-c", HOLDER, "ignore",
                              site.directories[1] + "/from-shared"])
    time.sleep(0.5)  # let the holder open its file
    began = time.monotonic()
    result = site.agent("stop", site.params(term_wait="1"))
    assert result.returncode == 0, result.stderr
    assert "sending TERM" in result.stderr and "sending KILL" in result.stderr
    assert "fd 3 %s/from-shared" % site.directories[1] in result.stderr
    assert not site.ns.alive(polite) and not site.ns.alive(stubborn)
    assert site.mounted() == []
    assert time.monotonic() - began < 10


# -- unavailable shared storage and bad input ---------------------------------------------

def test_missing_shared_dir_is_a_node_local_error(site, tmp_path):
    params = site.params(shared_dir=str(tmp_path / "absent"))
    result = site.agent("start", params)
    assert result.returncode == 2 and "does not exist on this node" in reason(result)
    assert site.agent("monitor", params, interval_ms=0).returncode == 7
    assert site.agent("stop", params).returncode == 0
    assert site.mounted() == []


def test_missing_shared_subdirectory_mounts_nothing(site):
    os.rename(site.shared_dir + site.directories[1], site.shared_dir + "/elsewhere")
    result = site.agent("start")
    assert result.returncode == 2
    assert "%s%s is missing on the shared storage" % (site.shared_dir, site.directories[1]) in reason(result)
    assert "xcatha shared init" in reason(result)
    assert site.mounted() == []


@pytest.mark.parametrize("change, words", [
    ({"directories": "relative/install"}, "not an absolute path"),
    ({"shared_dir": "xcatdata"}, "not an absolute path"),
    ({"directories": "/srv/xcshared/a /srv/xcshared/a/b"}, "lies inside /srv/xcshared/a"),
    ({"directories": "/srv/xcshared/a /srv/xcshared/a"}, "listed twice"),
    ({"directories": "/srv/xcshared/a/../b"}, "not in normal form"),
    ({"directories": "/srv/xcshared/$(reboot)"}, "contains"),
    ({"shared_dir": "/srv/xc shared"}, "contains ' '"),
    ({"directories": "/etc"}, "system directory"),
    ({"directories": "/"}, "cannot be used"),
    ({"fstype": "nfs4"}, "fstype and options need device"),
    ({"term_wait": "soon"}, "whole number"),
    ({"term_wait": "601"}, "must be at most 600"),
    ({"device": "--help"}, "must not start with '-'"),
    ({"kill_holders": "sometimes"}, "expected yes or no"),
])
def test_bad_input_is_a_configuration_error_and_mounts_nothing(site, change, words):
    params = site.params(**change)
    result = site.agent("start", params)
    assert result.returncode == 6, result.stderr
    assert words in reason(result)
    assert "Traceback" not in result.stderr
    assert site.agent("stop", params).returncode == 0
    assert site.agent("monitor", params, interval_ms=0).returncode == 7
    assert site.mounted() == []


def test_shared_dir_inside_a_directory_overlaps(site):
    params = site.params(shared_dir=site.directories[0] + "/data")
    result = site.agent("start", params)
    assert result.returncode == 6 and "overlap" in reason(result)
    assert site.mounted() == []


def test_symlinked_directory_is_refused(site, tmp_path):
    os.makedirs(os.path.dirname(site.directories[1]))
    os.symlink(site.shared_dir + site.directories[1], site.directories[1])
    result = site.agent("start")
    assert result.returncode == 2 and "through a symlink" in reason(result)
    assert site.mounted() == []


def test_a_failure_half_way_undoes_the_mounts_already_made(site, tmp_path):
    """A fake mount(8) refuses the second bind; the first must be undone."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "mount").write_text('#!/bin/sh\ncase "$*" in *etc/xcat*) echo "mount: simulated failure" >&2;'
                                ' exit 32;; esac\nexec /usr/bin/mount "$@"\n')
    (fake / "mount").chmod(0o755)
    result = site.ns.run([site.launcher, "start"],
                         env=dict(site.environment(site.params()), PATH="%s:/usr/sbin:/usr/bin:/sbin:/bin" % fake))
    assert result.returncode == 1 and "simulated failure" in reason(result)
    assert site.mounted() == []


# -- the shared filesystem itself (device) -----------------------------------------------

def test_device_is_mounted_before_the_binds_and_unmounted_after(site, tmp_path):
    image = tmp_path / "shared.img"
    subprocess.run(["truncate", "-s", "16M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-d", site.shared_dir, str(image)], check=True)
    for name in os.listdir(site.shared_dir):  # the data now lives only in the image
        subprocess.run(["rm", "-rf", os.path.join(site.shared_dir, name)], check=True)
    params = site.params(device=str(image), fstype="ext4", options="loop")
    started = site.agent("start", params)
    assert started.returncode == 0, started.stderr
    assert site.mounted() == [site.shared_dir] + site.directories
    assert site.agent("monitor", params).returncode == 0
    result = site.agent("monitor", params, extra={"OCF_CHECK_LEVEL": "20"})
    assert result.returncode == 0, result.stderr
    site.ns.sh("umount %s" % site.directories[1])
    assert reason(site.agent("monitor", params)) == "not mounted: %s" % site.directories[1]
    site.ns.sh("umount %s" % site.shared_dir)  # the binds outlive it
    assert reason(site.agent("monitor", params)) == "not mounted: %s on %s %s" % (
        image, site.shared_dir, site.directories[1])
    assert site.agent("stop", params).returncode == 0
    assert site.mounted() == []
    assert site.agent("monitor", params, interval_ms=0).returncode == 7


def test_device_without_the_directories_is_unmounted_again(site):
    params = site.params(device="xcshared-empty", fstype="tmpfs")
    result = site.agent("start", params)
    assert result.returncode == 2 and "missing on the shared storage" in reason(result)
    assert site.mounted() == []


# -- ocf-tester ------------------------------------------------------------------------------

@pytest.mark.parametrize("with_device", [False, True])
def test_ocf_tester_passes(site, tmp_path, with_device):
    options = ["-o", "shared_dir=" + site.shared_dir, "-o", "directories=" + site.directories[0]]
    if with_device:
        image = str(tmp_path / "shared.img")
        subprocess.run(["truncate", "-s", "16M", image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-d", site.shared_dir, image], check=True)
        options += ["-o", "device=" + image, "-o", "fstype=ext4", "-o", "options=loop"]
    result = site.ns.run(["ocf-tester", "-n", "xcshared"] + options + [site.launcher],
                         env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout
    assert site.mounted() == []


# -- mountinfo parsing (pure functions) ------------------------------------------------------

MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 22 0:50 / /xcat\\040data rw master:3 - nfs4 server:/export rw,vers=4.2
41 22 0:50 /install /install rw - nfs4 server:/export rw,vers=4.2
42 41 0:60 / /install rw - tmpfs cover rw
43 22 254:0 /srv/old /tftpboot rw - ext4 /dev/vda rw
"""


def test_mountinfo_unescapes_paths_and_orders_stacks():
    table = mounts.parse_mountinfo(MOUNTINFO)
    assert table[1].point == "/xcat data" and table[1].source == "server:/export"
    assert [m.id for m in mounts.stack_at(table, "/install")] == ["41", "42"]
    assert mounts.mounts_below(table, "/xcat data") == []


def test_origin_is_the_device_and_root_a_bind_of_the_path_shows():
    table = mounts.parse_mountinfo(MOUNTINFO)
    assert mounts.origin(table, "/xcat data/install") == ("0:50", "/install")
    assert mounts.origin(table, "/srv/old") == ("254:0", "/srv/old")
    assert mounts.origin(table, "/xcat data") == ("0:50", "/")


def test_kill_holders_of_only_spaces_is_the_default_not_false(site):
    assert site.agent("start").returncode == 0
    pid = site.ns.spawn(["sleep", "300"], cwd=site.directories[1])
    result = site.agent("stop", site.params(kill_holders="   ", term_wait="1"))
    assert result.returncode == 0, result.stderr
    assert not site.ns.alive(pid) and site.mounted() == []


def test_stop_unmounts_what_start_mounted_after_the_parameters_changed(site):
    """pcs resource update directories=...: the stop Pacemaker runs may carry the new
    list; a bind left from the old one must not stay on this node."""
    assert site.agent("start").returncode == 0
    assert sorted(site.mounted()) == sorted(site.directories)
    result = site.agent("stop", site.params(directories=site.directories[0]))
    assert result.returncode == 0, result.stderr
    assert site.mounted() == []
    assert bootstate.load(RECORD) is None


def test_a_bind_made_by_hand_where_no_start_ran_is_reported_running(site):
    """A shared directory bound by hand on the passive node: reported running, so that
    the cluster unmounts it there (a second node writing to shared storage)."""
    site.ns.sh("mount --bind %s%s %s" % (site.shared_dir, site.directories[0],
                                          site.directories[0]))
    result = site.agent("monitor", extra=STOPPED_ROLE)
    assert result.returncode == 0
    assert "this node did not start it in this boot" in result.stderr
    assert site.agent("stop").returncode == 0
    assert site.mounted() == []


def test_a_lost_bind_where_pacemaker_runs_the_group_fails_the_monitor_without_a_record(site):
    """Where the group runs (a Started-role monitor), a missing record (agents upgraded
    under the running group) hides no failure."""
    site.ns.sh("mount --bind %s%s %s" % (site.shared_dir, site.directories[0],
                                          site.directories[0]))
    result = site.monitor()
    assert result.returncode == 1
    assert reason(result) == "not mounted: " + site.directories[1]
