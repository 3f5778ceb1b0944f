import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent/'shared'

# Under pytest-xdist several notebooks run at once: one BLAS/OpenMP thread each keeps 2 cores busy
# without oversubscription (benchmarks report ratios, so this does not change their meaning).
if os.environ.get('PYTEST_XDIST_WORKER') and 'OMP_NUM_THREADS' not in os.environ:
    os.environ['OMP_NUM_THREADS'] = '1'

@pytest.fixture
def shared():
    "The `../shared` folder (fixtures, CMU clips); tests that need it are skipped without it."
    if not SHARED.exists(): pytest.skip(f'{SHARED} not found')
    return SHARED
