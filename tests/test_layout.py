"""The package's architecture, checked: every module imports only modules above it in `LAYERS` (so no import cycle can
exist), never from inside a function (no lazy import dodging a cycle), and the sub-package `__init__` files only gather
names. One notebook writes each module, and the notebook names the module it writes."""
import ast, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT/'scjd'
LAYERS = ['skeleton', 'camera', 'metrics', 'data', 'synthetic', 'sampling', 'runtime', 'config',
          'models.poseformer', 'models.student', 'models',
          'distill.embedding', 'distill.relation', 'distill.loss', 'distill',
          'checkpoint', 'train', 'evaluate', 'viz', 'complexity', 'lift', 'experiments', 'extras.distilpose', 'extras', 'cli']

def modules():
    out = {}
    for p in sorted(PKG.rglob('*.py')):
        rel = p.relative_to(PKG).with_suffix('')
        parts = list(rel.parts)
        if parts[-1] == '__init__': parts = parts[:-1]
        name = '.'.join(parts)
        if name in ('', '_modidx'): continue
        out[name] = p
    return out

def scjd_imports(name, path):
    "(imported module, line, inside a function?) for every import of the package in `path`."
    tree = ast.parse(path.read_text())
    pkg = name.split('.') if path.name == '__init__.py' else name.split('.')[:-1]
    found = []
    def visit(node, in_func):
        for ch in ast.iter_child_nodes(node):
            f = in_func or isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(ch, ast.ImportFrom):
                if ch.level:
                    base = pkg[:len(pkg) - ch.level + 1]
                    target = '.'.join(base + ([ch.module] if ch.module else []))
                    if not ch.module: target = None
                    targets = [target] if target else ['.'.join(base + [a.name]) for a in ch.names]
                elif ch.module and (ch.module == 'scjd' or ch.module.startswith('scjd.')):
                    t = ch.module[5:]
                    targets = [t] if t else [a.name for a in ch.names]
                else: targets = []
                found.extend((t, ch.lineno, f) for t in targets if t)
            elif isinstance(ch, ast.Import):
                found.extend((a.name[5:], ch.lineno, f) for a in ch.names if a.name.startswith("scjd."))
            visit(ch, f)
    visit(tree, False)
    return found

def test_every_module_has_a_layer():
    assert sorted(set(modules()) - set(LAYERS)) == []

@pytest.mark.parametrize('name', sorted(modules()))
def test_imports_point_upwards(name):
    path = modules()[name]
    for target, line, in_func in scjd_imports(name, path):
        if target == '__version__': continue                       # the package's own version string
        assert target in LAYERS, f'{path.name}:{line} imports unknown scjd.{target}'
        assert LAYERS.index(target) < LAYERS.index(name), f'scjd.{name} ({path.name}:{line}) imports scjd.{target}, which is below it'
        assert not in_func, f'scjd.{name} ({path.name}:{line}) imports scjd.{target} inside a function'

def test_no_import_cycle():
    "A depth-first search over the import graph finds no cycle (implied by the layering; checked on its own)."
    mods = modules()
    graph = {n: {t for t, _, _ in scjd_imports(n, p) if t in mods} for n, p in mods.items()}
    state = {}
    def dfs(n, stack):
        state[n] = 1
        for m in graph[n]:
            assert state.get(m) != 1, 'import cycle: ' + ' -> '.join(stack + [n, m])
            if m not in state: dfs(m, stack + [n])
        state[n] = 2
    for n in graph:
        if n not in state: dfs(n, [])

@pytest.mark.parametrize('init', sorted(p for p in PKG.rglob('__init__.py') if p.parent != PKG))
def test_package_inits_only_gather(init):
    tree = ast.parse(init.read_text())
    for node in tree.body:
        ok = isinstance(node, ast.ImportFrom) and node.level == 1 and [a.name for a in node.names] == ['*'] or \
             isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        assert ok, f'{init.relative_to(ROOT)}:{node.lineno}: a package __init__ holds only a docstring and `from .module import *`'

def test_one_notebook_per_module_and_names_agree():
    seen = {}
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        exp = [m.group(1) for c in cells if c['cell_type'] == 'code' for m in [re.match(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))] if m]
        if not exp: continue
        assert len(exp) == 1, f'{nb.name}: several default_exp'
        assert exp[0] not in seen, f'{exp[0]} is written by {seen[exp[0]]} and {nb.name}'
        seen[exp[0]] = nb.name
    assert set(seen) | {'models', 'distill', 'extras'} == set(modules()), sorted(set(modules()) ^ set(seen))
