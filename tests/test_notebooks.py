"""Runs every notebook in `nbs/` through nbdev's own test runner (`nbdev-test`), one pytest test per
notebook, each in a fresh process. Cells flagged `#| slow` / `#| cuda` are skipped (pyproject's
`tst_flags`); set `SCJD_NB_FLAGS="slow"` (or "slow cuda") to run them too (that also sets `SCJD_SLOW=1`,
which the slow cells ask for, since Jupyter itself ignores nbdev's flags)."""
import os, shutil, subprocess, sys, json
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith('_'))

def _nbdev_test():
    exe = Path(sys.executable).parent/'nbdev-test'
    return str(exe) if exe.exists() else shutil.which('nbdev-test')

def _cost(p):
    "Slow notebooks first so that xdist's two workers finish together."
    try: return -json.loads(p.read_text()).get('metadata', {}).get('scjd_test_cost', 0)
    except Exception: return 0

@pytest.mark.notebook
@pytest.mark.parametrize('nb', sorted(NBS, key=_cost), ids=lambda p: p.stem)
def test_notebook(nb):
    exe = _nbdev_test()
    assert exe, 'nbdev-test not found: pip install -e ".[dev]"'
    cmd = [exe, str(nb), '--do-print']
    flags = os.environ.get('SCJD_NB_FLAGS', '').strip()
    env = dict(os.environ)
    if flags: cmd += ['--flags', flags]
    if 'slow' in flags.split(): env['SCJD_SLOW'] = '1'
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, f'{nb.name} failed:\n{r.stdout[-5000:]}\n{r.stderr[-20000:]}'

def test_found_notebooks():
    assert len(NBS) >= 2, f'no notebooks found in {ROOT/"nbs"}'
