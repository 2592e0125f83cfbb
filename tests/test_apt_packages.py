"""Every program that the agents, the xcatha command, the tests and the benchmarks run on
this host comes from a Debian package that setup/apt-packages.txt installs, or from one
that every Debian system has (Essential: yes or Priority: required).

The programs are collected from the code itself, not from a list kept by hand: the Python
sources with ast, the host's shell scripts by their command words, and the fence agents of
the site descriptions.  So a new command cannot slip past setup.sh as fence_ipmilan and
setfacl did (issue 14).  dpkg, for real, says which package provides each of them."""

import ast
import os
import re
import shlex
import shutil
import subprocess

import pytest

from xcatha_ocf.runtime import xcat

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APT_PACKAGES = os.path.join(REPO, "setup", "apt-packages.txt")
# Directories whose Python code runs programs on this host; the fakes of tests/fakes and the
# namespace cluster run in the tests too (tests/conftest.py).  Scanned whole, so modules may
# move between packages.
SCANNED = ("xcatha_ocf", "tests", "bench", "agents", os.path.join("cluster-lab", "xcathalab"))
# Shell scripts (by their shebang) that run on this host: set-up, CI, packaging, the lab
# image build with xCAT's packages, and the fakes that the tests run (tests/fakes).
SHELL_SCANNED = ("setup.sh", ".ci", "packaging", os.path.join("cluster-lab", "image"),
                 os.path.join("cluster-lab", "xcat", "build-debs.sh"),
                 os.path.join("cluster-lab", "xcat", "install.sh"), os.path.join("tests", "fakes"))
# Directories of site descriptions (*.yaml): pcs and the fencer run the fence agents they name.
SITE_DIRS = ("crm", "cluster-lab")

# Programs that no Debian package provides, and why.  xCAT installs its daemon and the
# commands the agents run; the tests run the fakes of tests/fakes under their names.
XCAT_COMMANDS = frozenset(("xcatd",) + xcat.COMMANDS)
NOT_FROM_DEBIAN = {
    "fence_xcatlab": "the lab's own fence agent (cluster-lab/node/fence_xcatlab)",
}

# Calls that run their first argument as a command (by the last part of the callee's
# name: subprocess.run, self.run.query, runner, cibstates.tool and the cib_tool fixture,
# the lab's ok and run ...).
COMMAND_CALLS = frozenset(["run", "query", "call", "check_call", "check_output", "Popen",
                           "background", "spawn", "start", "tool", "cib_tool", "ok", "runner",
                           "step"])
# Calls that look a program up by name: ocf.find_binary, ops.commands.have, shutil.which.
LOOKUP_CALLS = frozenset(["find_binary", "have", "which"])
# A plan step's argv: servicestack.Step("run", ["makedns", "-n"]).
PLAN_STEPS = frozenset(["Step"])
# A program name, or an absolute path in a bin or sbin directory.
PROGRAM = re.compile(r"^(/[\w.+-]+(/[\w.+-]+)*/s?bin/)?[A-Za-z0-9_][\w.+-]*$")
FENCE_AGENT = re.compile(r"^[^#\n]*\bagent:\s*(fence_\w+)", re.MULTILINE)
# What the shell scan skips: words that start a command but run no program of a package.
SHELL_KEYWORDS = frozenset("if then else elif fi do done while until case esac for select in "
                           "! { } [ [[ ]] ] time exec".split())
SHELL_BUILTINS = frozenset(". : cd echo printf set local export readonly declare unset read "
                           "eval source exit return shift trap wait type command umask break "
                           "continue pwd test true false".split())
COMMAND_SEPARATORS = frozenset([";", ";;", "&&", "||", "|", "&", "(", ")", "{",
                                "then", "do", "else"])
HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)")
SHELL_FUNCTION = re.compile(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)", re.MULTILINE)
ASSIGNMENT = re.compile(r"^\w+\+?=")
BIN_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
FEWEST_PROGRAMS = 40  # the code runs well over this many: fewer means a broken collector


# -- collecting the programs ---------------------------------------------------------------
def files_under(tops):
    for top in tops:
        path = os.path.join(REPO, top)
        if os.path.isfile(path):
            yield path
        for directory, subdirs, files in os.walk(path):
            subdirs[:] = [d for d in subdirs if d != "__pycache__"]
            for name in sorted(files):
                yield os.path.join(directory, name)


def python_sources():
    """The Python files (by .py or by their shebang) in the scanned directories."""
    return [path for path in files_under(SCANNED)
            if path.endswith(".py") or interpreter(path) == "python"]


def shell_scripts():
    return [path for path in files_under(SHELL_SCANNED) if interpreter(path) == "sh"]


def interpreter(path):
    """python or sh from a script's #! line, else None."""
    with open(path, "rb") as handle:
        first = handle.readline()
    if first.startswith(b"#!"):
        for name, shebangs in (("python", (b"python",)), ("sh", (b"/sh", b"bash"))):
            if any(shebang in first for shebang in shebangs):
                return name
    return None


def callee_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def text_constant(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def scope_assignments(scope):
    """{name: [values assigned to it]} in one function (or module), not in nested ones."""
    assigned = {}
    for node in walk_scope(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    return assigned


def loop_values(scope):
    """{name: [str constants]} for `for NAME in ("a", "b")` and comprehensions like it."""
    loops = {}
    for node in walk_scope(scope):
        pairs = [(node.target, node.iter)] if isinstance(node, ast.For) else \
            [(gen.target, gen.iter) for gen in getattr(node, "generators", ())]
        for target, values in pairs:
            if isinstance(target, ast.Name) and isinstance(values, (ast.List, ast.Tuple)):
                loops.setdefault(target.id, []).extend(
                    text for text in map(text_constant, values.elts) if text)
    return loops


def walk_scope(scope):
    """ast.walk that does not enter nested functions and classes."""
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


def argv_programs(node, assigned, depth=0):
    """First words of the argv lists that an expression can be: a list literal, one
    extended with `+`, or a variable assigned either in the same function."""
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        first = text_constant(node.elts[0])
        return [first] if first else []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return argv_programs(node.left, assigned, depth)
    if isinstance(node, ast.Name) and depth < 3:
        return [program for value in assigned.get(node.id, ())
                for program in argv_programs(value, assigned, depth + 1)]
    return []


def returned_argvs(node):
    """List literals that a return statement hands back as commands, also inside tuples
    and lists of them: ops.failover's plan, ops.check's shared_storage_command."""
    if isinstance(node, ast.List) and node.elts and text_constant(node.elts[0]):
        return [node]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [argv for element in node.elts for argv in returned_argvs(element)]
    return []


def scope_programs(scope):
    """The programs that the code directly in one function (or module) runs or looks up."""
    assigned, loops = scope_assignments(scope), loop_values(scope)
    found = []
    for node in walk_scope(scope):
        if isinstance(node, ast.Call) and node.args:
            name = callee_name(node)
            if name in COMMAND_CALLS:
                found += argv_programs(node.args[0], assigned)
            elif name in PLAN_STEPS:
                found += [p for arg in node.args[1:2] for p in argv_programs(arg, assigned)]
            elif name in LOOKUP_CALLS:
                looked_up = node.args[0]
                found += [text_constant(looked_up)] if text_constant(looked_up) else \
                    loops.get(getattr(looked_up, "id", None), [])
        elif isinstance(node, ast.Return) and node.value is not None:
            found += [text_constant(argv.elts[0]) for argv in returned_argvs(node.value)]
    return found


def programs_in(path):
    """{program: where it is run} for one source file."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    scopes = [tree] + [node for node in ast.walk(tree)
                       if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                            ast.Lambda))]
    where = os.path.relpath(path, REPO)
    return dict((program, where) for scope in scopes for program in scope_programs(scope)
                if PROGRAM.match(program))


def shell_lines(text):
    """Lines of a shell script, continuations joined, here-documents left out."""
    lines, ending = [], None
    for line in text.replace("\\\n", " ").splitlines():
        if ending:
            ending = None if line.strip() == ending else ending
            continue
        heredoc = HEREDOC.search(line)
        ending = heredoc.group(1) if heredoc else None
        lines.append(line)
    return lines


def shell_words(line):
    """shlex's words and operators; ${...} and $# become one plain word."""
    plain = re.sub(r"\$\{[^}]*\}|\$#", "$V", line)
    lexer = shlex.shlex(plain, posix=True, punctuation_chars=True)
    lexer.wordchars += "+$:@%,^!?"
    try:
        return list(lexer)
    except ValueError:  # a quote that the next line closes: too rare to chase
        return []


def shell_programs(text):
    """The words in command position: first on a line or after ; && || | ( ) { then do else,
    less variable assignments, case patterns, function names and builtins."""
    functions = set(SHELL_FUNCTION.findall(text))
    found = []
    for line in shell_lines(text):
        words = shell_words(line)
        at_start = True
        for index, (word, following) in enumerate(zip(words, words[1:] + [""])):
            if word in COMMAND_SEPARATORS:
                at_start = True
            elif not at_start or ASSIGNMENT.match(word):
                continue
            elif index == 0 and following in (")", "()"):
                continue  # a case pattern or a function definition
            elif word in ("for", "case", "select"):
                at_start = False  # its words up to ; or `in` are no command
            elif word not in SHELL_KEYWORDS:
                at_start = False
                if word not in functions and word not in SHELL_BUILTINS:
                    found.append(word)
    return found


def shell_programs_in(path):
    with open(path, encoding="utf-8") as handle:
        programs = shell_programs(handle.read())
    where = os.path.relpath(path, REPO)
    return dict((program, where) for program in programs if PROGRAM.match(program))


def site_fence_agents():
    """{fence agent: site file} for the agents that the site descriptions configure."""
    agents = {}
    for top in SITE_DIRS:
        for directory, _, files in os.walk(os.path.join(REPO, top)):
            for name in sorted(f for f in files if f.endswith(".yaml")):
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as handle:
                    for agent in FENCE_AGENT.findall(handle.read()):
                        agents.setdefault(agent, os.path.relpath(path, REPO))
    return agents


def collected_programs():
    """{program: a file that runs it} over all the scanned code and site files."""
    programs = site_fence_agents()
    found = [programs_in(path) for path in python_sources()] + \
        [shell_programs_in(path) for path in shell_scripts()]
    for programs_of_a_file in found:
        for program, where in programs_of_a_file.items():
            programs.setdefault(program, where)
    return programs


# -- asking dpkg -----------------------------------------------------------------------------
def listed_packages():
    with open(APT_PACKAGES) as handle:
        return set(line.strip() for line in handle
                   if line.strip() and not line.lstrip().startswith("#"))


def base_system_packages():
    """Installed packages that every Debian system has: Essential: yes or Priority: required."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Essential}\t${Priority}\n"],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    fields = [line.split("\t") for line in out.splitlines()]
    return set(name for name, essential, priority in fields
               if essential == "yes" or priority == "required")


def candidate_paths(program):
    """Where the program may be: each bin directory (dpkg records /bin or /usr/bin as the
    package shipped it), the file that the one on PATH resolves to, and every alternative
    for its name (awk is gawk here, mawk there)."""
    paths = [program] if program.startswith("/") else [d + "/" + program for d in BIN_DIRS]
    found = shutil.which(program, path=os.pathsep.join(BIN_DIRS))
    return paths + ([os.path.realpath(found)] if found else []) + alternatives(program)


def alternatives(program):
    name = os.path.basename(program)
    if not os.path.lexists(os.path.join("/etc/alternatives", name)):
        return []
    listed = subprocess.run(["update-alternatives", "--list", name], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True)
    return listed.stdout.split()


def path_owners(paths):
    """{path: set of packages} from one `dpkg-query -S` over exact paths."""
    result = subprocess.run(["dpkg-query", "-S"] + sorted(set(paths)), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True)
    owners = {}
    for line in result.stdout.splitlines():
        packages, sep, path = line.partition(": ")
        if sep and not line.startswith("diversion "):
            owners[path] = set(p.strip().split(":")[0] for p in packages.split(","))
    return owners


def program_packages(programs):
    """{program: set of packages that provide it on this machine}."""
    candidates = dict((program, candidate_paths(program)) for program in programs)
    owners = path_owners([path for paths in candidates.values() for path in paths])
    return dict((program, set().union(*[owners.get(path, set()) for path in paths]))
                for program, paths in candidates.items())


# -- the tests -------------------------------------------------------------------------------
# Each way of running a program that the collector understands, and what it must leave out.
COLLECTOR_EXAMPLE = """
def direct(self, runner, extra):
    subprocess.run(["prog-run", "-x"])
    self.run.query(["prog-query"] + extra)
    runner(("prog-tuple", "a"))

def through_a_variable():
    command = ["prog-variable", "-a"]
    subprocess.Popen(command + ["-b"])

def plans():
    return "description", [["prog-plan", "x"]], [Step("run", ["prog-step"], timeout=5)]

def lookups():
    find_binary("prog-lookup")
    return all(shutil.which(tool) for tool in ("prog-loop-a", "prog-loop-b"))

def not_host_commands(node):
    on(node, "node-prog", "-x")
    run(["docker", "exec", node, "node-prog-too"])
    cli.main(["status", "--json"])
    return ["/install", "/etc/xcat"]
"""

SHELL_EXAMPLE = """#!/bin/sh
set -eu
helper() { prog-in-function "$1"; }
wanted=$(prog-substituted -v x | prog-piped) && prog-after-and
NAME=value prog-with-env --flag  # comment
case "${1:-}" in
    pattern) helper x ;;
    *) prog-in-case ;;
esac
for item in a b; do prog-in-loop "$item"; done
cat > out <<END
not-a-program here
END
"""


@pytest.fixture(scope="module")
def programs():
    return collected_programs()


def test_the_collector_understands_each_way_of_running_a_program(tmp_path):
    example = tmp_path / "example.py"
    example.write_text(COLLECTOR_EXAMPLE)
    assert set(programs_in(str(example))) == set([
        "prog-run", "prog-query", "prog-tuple", "prog-variable", "prog-plan", "prog-step",
        "prog-lookup", "prog-loop-a", "prog-loop-b", "docker"])


def test_the_shell_scan_finds_the_commands(tmp_path):
    example = tmp_path / "example.sh"
    example.write_text(SHELL_EXAMPLE)
    assert set(shell_programs_in(str(example))) == set([
        "prog-in-function", "prog-substituted", "prog-piped", "prog-after-and", "prog-with-env",
        "prog-in-case", "prog-in-loop", "cat"])


def test_the_collector_finds_the_programs_the_code_runs(programs):
    assert len(programs) >= FEWEST_PROGRAMS, (
        "only %d programs collected (%s): the collector no longer understands the code"
        % (len(programs), " ".join(sorted(programs))))
    for program in ("ip", "mount", "systemctl", "pcs", "fence_ipmilan"):
        assert program in programs, "%s is no longer collected" % program


def test_every_exception_is_still_run(programs):
    stale = sorted(set(NOT_FROM_DEBIAN) - set(programs))
    assert not stale, "no code runs %s any more: drop it from NOT_FROM_DEBIAN" % ", ".join(stale)


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg (Debian or Ubuntu)")
def test_every_program_comes_from_a_listed_or_base_package(programs):
    host_programs = [program for program in programs
                     if program not in XCAT_COMMANDS and program not in NOT_FROM_DEBIAN]
    allowed = listed_packages() | base_system_packages()
    missing = ["%s (run in %s): %s" % (program, programs[program], provider_text(packages))
               for program, packages in sorted(program_packages(host_programs).items())
               if not packages & allowed]
    assert not missing, ("programs from no package in setup/apt-packages.txt nor the base "
                         "system:\n  " + "\n  ".join(missing))


def provider_text(packages):
    if packages:
        return "add %s to setup/apt-packages.txt" % " or ".join(sorted(packages))
    return "no installed package provides it (dpkg knows none)"
