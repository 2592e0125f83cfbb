"""The architecture of docs/architecture.md, checked: which package may import which,
no import cycles, and install-agents ships exactly the runtime and the agents."""

import ast
import os
import subprocess

import pytest

from xcatha_ocf import install

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTS = {"xcatha_ocf": os.path.join(REPO, "xcatha_ocf"),
         "xcathalab": os.path.join(REPO, "cluster-lab", "xcathalab")}
# layer -> the layers its modules may import (arrows only downward)
ALLOWED = {
    "runtime": {"runtime", "package"},
    "agents": {"agents", "runtime", "package"},
    "tools": {"tools", "agents", "runtime", "package"},
    "lab": {"lab", "tools", "agents", "runtime", "package"},
    "package": set(),
}


def module_name(path):
    for package, root in ROOTS.items():
        if path.startswith(root + os.sep):
            relative = os.path.relpath(path, os.path.dirname(root))[:-len(".py")]
            name = relative.replace(os.sep, ".")
            return name[:-len(".__init__")] if name.endswith(".__init__") else name
    raise ValueError(path)


def layer(module):
    if module.startswith("xcathalab"):
        return "lab"
    if module == "xcatha_ocf":
        return "package"
    part = module.split(".")[1]
    return part if part in ("runtime", "agents") else "tools"


def project_modules():
    found = {}
    for root in ROOTS.values():
        for directory, _, files in os.walk(root):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    found[module_name(path)] = path
    return found


def imports(path, modules):
    """The project modules ``path`` imports, wherever the import statement is."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ["%s.%s" % (node.module, alias.name) for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


@pytest.fixture(scope="module")
def graph():
    modules = project_modules()
    return dict((name, imports(path, modules) - {name}) for name, path in modules.items())


def test_imports_go_only_downward(graph):
    wrong = sorted("%s imports %s" % (module, target) for module, targets in graph.items()
                   for target in targets if layer(target) not in ALLOWED[layer(module)]
                   and not target == "xcatha_ocf")
    assert wrong == []


def test_the_library_never_reaches_into_the_command_line(graph):
    assert sorted(m for m, targets in graph.items() if "xcatha_ocf.cli" in targets) == []


def test_no_import_cycles(graph):
    """Package __init__ modules aside (importing a submodule runs them), no module can
    reach itself through the imports of others."""
    def reachable(start):
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo.extend(graph.get(module, ()))
        return seen
    cycles = sorted(m for m in graph if m in reachable(m) and not path_is_package(m))
    assert cycles == []


def path_is_package(module):
    return project_modules()[module].endswith("__init__.py")


def test_install_agents_ships_the_runtime_and_the_agents_only(tmp_path):
    install.install(str(tmp_path), out=lambda line: None)
    shipped = tmp_path / "lib" / "xcat" / "xcatha_ocf"
    names = sorted(str(path.relative_to(shipped)) for path in shipped.rglob("*.py"))
    expected = sorted(os.path.relpath(path, ROOTS["xcatha_ocf"])
                      for name, path in project_modules().items()
                      if layer(name) in ("runtime", "agents", "package"))
    assert names == expected


def test_install_agents_again_after_an_interrupted_install_leaves_one_copy(tmp_path):
    lib = tmp_path / "lib" / "xcat"
    install.install(str(tmp_path), out=lambda line: None)
    (lib / "xcatha_ocf.old" / "agents").mkdir(parents=True)     # an install killed half-way
    (lib / "xcatha_ocf.old" / "agents" / "stale.py").write_text("")
    install.install(str(tmp_path), out=lambda line: None)
    assert sorted(path.name for path in lib.iterdir()) == ["xcatha_ocf"]


@pytest.mark.parametrize("agent", sorted(install.AGENTS))
def test_each_installed_agent_imports_with_nothing_else_on_the_path(tmp_path, agent):
    """Only the installed runtime and the standard library: every module the agent
    loads comes from OCF_ROOT/lib/xcat."""
    install.install(str(tmp_path), out=lambda line: None)
    lib = str(tmp_path / "lib" / "xcat")
    code = ("import sys\n"
            "sys.path[:] = [%r] + [p for p in sys.path if p.startswith('/usr/lib/python3')]\n"
            "import xcatha_ocf.agents.%s as agent, xcatha_ocf.runtime.ocf\n"
            "assert agent.AGENT.NAME == %r\n"
            "for name, module in sorted(sys.modules.items()):\n"
            "    if name.startswith('xcatha_ocf'):\n"
            "        print(name, module.__file__)\n" % (lib, install.AGENTS[agent], agent))
    result = subprocess.run(["/usr/bin/python3", "-IS", "-c", code], capture_output=True,
                            text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    loaded = dict(line.split() for line in result.stdout.splitlines())
    assert all(path.startswith(lib + "/") for path in loaded.values()), loaded
    assert all(layer(name) in ("runtime", "agents", "package") for name in loaded)
