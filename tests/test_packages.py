"""The packages admins install: sdist and wheel from pyproject, the RPM built by
rpmbuild from the sdist, the Debian package; each one's contents, and agents
from each one answering meta-data as the source tree does."""

import glob
import os
import pathlib
import subprocess
import sys
import tarfile
import zipfile

import pytest

from xcatha_ocf import __version__, docs, install

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENTS = sorted(install.AGENTS)
SYSTEM_PYTHON = "/usr/bin/python3"
SOURCE = pathlib.Path(REPO)


def run(command, **options):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=120, **options)
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (command, result.stdout, result.stderr)
    return result.stdout


def source_files():
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO)
    return [path for path in listed.splitlines() if os.path.isfile(os.path.join(REPO, path))]


def package_modules():
    """Files of the xcatha_ocf package in the source tree, relative to the repo."""
    return sorted(path for path in source_files() if path.startswith("xcatha_ocf/"))


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    """A copy of the tree as git would ship it, so building leaves the checkout alone."""
    copy = tmp_path_factory.mktemp("xcatha-src") / "src"
    for path in source_files():
        target = copy / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((SOURCE / path).read_bytes())
        os.chmod(str(target), (SOURCE / path).stat().st_mode & 0o777)
    return copy


@pytest.fixture(scope="module")
def dist(source_copy):
    """sdist and wheel, the wheel built from the unpacked sdist (python -m build)."""
    output = source_copy.parent / "dist"
    run([SYSTEM_PYTHON, "-m", "build", "--no-isolation", "--outdir", str(output), str(source_copy)])
    sdist = output / ("xcatha-ocf-%s.tar.gz" % __version__)
    wheel = output / ("xcatha_ocf-%s-py3-none-any.whl" % __version__)
    assert sdist.is_file() and wheel.is_file()
    return str(sdist), str(wheel)


@pytest.fixture(scope="module")
def metadata_of(ocf_agent):
    """``metadata_of(agent, agent_dir=None)``: the meta-data of the source tree's agent, or
    of the one installed in agent_dir, run as Pacemaker would (the launcher finds the
    runtime itself)."""
    def metadata(agent, agent_dir=None):
        if agent_dir is None:
            return ocf_agent.run(agent, "meta-data").stdout
        return run([os.path.join(agent_dir, agent), "meta-data"], env=ocf_agent.environment())
    return metadata


def test_wheel_holds_package_templates_and_command(dist):
    with zipfile.ZipFile(dist[1]) as wheel:
        names = set(wheel.namelist())
        entry_points = wheel.read("xcatha_ocf-%s.dist-info/entry_points.txt" % __version__).decode()
    assert set(package_modules()) <= names
    assert any(name.startswith("xcatha_ocf/templates/docs/") for name in names)
    assert "xcatha = xcatha_ocf.cli:main" in entry_points


def test_sdist_holds_everything_the_rpm_builds_from(dist):
    with tarfile.open(dist[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    expected = package_modules() + ["packaging/rpm/xcatha-ocf.spec", "packaging/deb/build-deb.sh"]
    for agent in AGENTS:
        expected += ["agents/" + agent, "docs/" + docs.markdown_page(agent),
                     "docs/" + docs.man_page(agent)]
    assert sorted(set(expected) - names) == []


def test_installed_wheel_installs_agents_and_generates_docs(dist, tmp_path, metadata_of):
    site = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--target", str(site), dist[1]])
    env = dict(os.environ, PYTHONPATH=str(site))
    xcatha = [sys.executable, str(site / "bin" / "xcatha")]
    where = run([sys.executable, "-c", "import xcatha_ocf; print(xcatha_ocf.__file__)"],
                env=env, cwd=str(tmp_path))
    assert where.startswith(str(site))

    ocf_root = tmp_path / "ocf"
    run(xcatha + ["install-agents", "--ocf-root", str(ocf_root)], env=env, cwd=str(tmp_path))
    for agent in AGENTS:
        agent_dir = str(ocf_root / "resource.d" / "xcat")
        assert metadata_of(agent, agent_dir) == metadata_of(agent)

    outside_source = subprocess.run(xcatha + ["docs"], env=env, cwd=str(tmp_path),
                                    stderr=subprocess.PIPE, universal_newlines=True)
    assert outside_source.returncode == 2 and "give --output DIR" in outside_source.stderr
    run(xcatha + ["docs", "--output", str(tmp_path / "docs")], env=env, cwd=str(tmp_path))
    for agent in AGENTS:
        for page in (docs.markdown_page(agent), docs.man_page(agent)):
            assert (tmp_path / "docs" / page).read_text() == (SOURCE / "docs" / page).read_text()


@pytest.fixture(scope="module")
def rpm(dist, source_copy):
    """rpmbuild -tb: the sdist alone, with the spec it carries, makes the RPM."""
    topdir = source_copy.parent / "rpmbuild"
    run(["rpmbuild", "-tb", "--nodeps", "--define", "_topdir %s" % topdir, dist[0]])
    package, = glob.glob(str(topdir / "RPMS" / "noarch" / "xcatha-ocf-*.noarch.rpm"))
    return package


def test_rpm_version_is_the_package_version(rpm):
    assert run(["rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{ARCH}", rpm]) == \
        "xcatha-ocf %s noarch" % __version__


def test_rpm_file_list(rpm):
    modes = dict(reversed(line.split(" ", 1)) for line in run(
        ["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]", rpm]).splitlines())
    files = set(run(["rpm", "-qlp", rpm]).split())
    assert set(modes) == files
    sitelib = [f for f in files if f.endswith("/site-packages/xcatha_ocf/cli.py")]
    assert len(sitelib) == 1
    sitelib = os.path.dirname(os.path.dirname(sitelib[0]))
    for module in package_modules():
        assert os.path.join(sitelib, module) in files
        shipped = module.startswith(("xcatha_ocf/runtime/", "xcatha_ocf/agents/")) \
            or module == "xcatha_ocf/__init__.py"
        assert ("/usr/lib/ocf/lib/xcat/" + module in files) == shipped, module
    assert modes["/usr/bin/xcatha"] == "-rwxr-xr-x"
    assert modes["/usr/lib/ocf/resource.d/xcat"].startswith("d")
    for agent in AGENTS:
        assert modes["/usr/lib/ocf/resource.d/xcat/" + agent] == "-rwxr-xr-x"
        assert any(f.startswith("/usr/share/man/man7/ocf_xcat_%s.7" % agent) for f in files)
        assert any(f.startswith("/usr/share/doc/xcatha-ocf") and f.endswith("/agents/%s.md" % agent)
                   for f in files)
    assert "/usr/lib/ocf/resource.d" not in files, "resource-agents owns the provider root"


def test_rpm_requires_what_the_command_imports(rpm):
    requires = set(run(["rpm", "-qp", "--requires", rpm]).split("\n"))
    assert {"/usr/bin/python3", "python3-jinja2", "python3-lxml", "python3-pyyaml",
            "iproute", "iputils"} <= requires


def test_agents_from_the_rpm_run(rpm, tmp_path, metadata_of):
    archive = tmp_path / "payload.tar"
    with open(rpm, "rb") as package, open(str(archive), "wb") as payload:
        subprocess.run(["rpm2archive", "-n"], stdin=package, stdout=payload, check=True)
    with tarfile.open(str(archive)) as payload:
        payload.extractall(str(tmp_path / "root"))
    agent_dir = str(tmp_path / "root" / "usr" / "lib" / "ocf" / "resource.d" / "xcat")
    for agent in AGENTS:
        assert metadata_of(agent, agent_dir) == metadata_of(agent)
    assert_runtime_bytecode_names_installed_paths(str(tmp_path / "root"))


@pytest.fixture(scope="module")
def deb(source_copy):
    output = source_copy.parent / "deb"
    run([str(source_copy / "packaging" / "deb" / "build-deb.sh"), str(output)])
    return str(output / ("xcatha-ocf_%s_all.deb" % __version__))


def test_deb_fields_and_file_list(deb):
    fields = run(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"])
    assert "Version: %s\n" % __version__ in fields and "Architecture: all\n" in fields
    for dependency in ("python3-jinja2", "python3-lxml", "python3-yaml", "iproute2"):
        assert dependency in fields
    listing = run(["dpkg-deb", "-c", deb]).splitlines()
    entries = {line.split()[-1].lstrip("."): line.split()[0] for line in listing}
    for module in package_modules():
        assert "/usr/lib/python3/dist-packages/" + module in entries
    assert entries["/usr/bin/xcatha"] == "-rwxr-xr-x"
    for agent in AGENTS:
        assert entries["/usr/lib/ocf/resource.d/xcat/" + agent] == "-rwxr-xr-x"
        assert "/usr/share/man/man7/ocf_xcat_%s.7.gz" % agent in entries
        assert "/usr/share/doc/xcatha-ocf/agents/%s.md" % agent in entries
    assert all(" root/root " in line for line in listing)


def test_agents_from_the_deb_run(deb, tmp_path, metadata_of):
    run(["dpkg-deb", "-x", deb, str(tmp_path)])
    agent_dir = str(tmp_path / "usr" / "lib" / "ocf" / "resource.d" / "xcat")
    for agent in AGENTS:
        assert metadata_of(agent, agent_dir) == metadata_of(agent)
    assert_runtime_bytecode_names_installed_paths(str(tmp_path))


def compiled_source_paths(root):
    """co_filename of every .pyc under ``root`` (the paths tracebacks will show)."""
    import marshal
    names = {}
    for pyc in glob.glob(os.path.join(root, "**", "*.pyc"), recursive=True):
        with open(pyc, "rb") as handle:
            names[pyc] = marshal.loads(handle.read()[16:]).co_filename
    return names


def assert_runtime_bytecode_names_installed_paths(root):
    runtime = os.path.join(root, "usr", "lib", "ocf", "lib", "xcat")
    names = compiled_source_paths(runtime)
    assert names
    for pyc, source in names.items():
        assert source.startswith("/usr/lib/ocf/lib/xcat/xcatha_ocf/"), (pyc, source)
        assert os.path.isfile(root + source)
