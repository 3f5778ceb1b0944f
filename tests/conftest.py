import os

# Under pytest-xdist several notebooks run at once: one BLAS/OpenMP thread each keeps 2 cores busy
# without oversubscription (benchmarks report ratios, so this does not change their meaning).
if os.environ.get('PYTEST_XDIST_WORKER') and 'OMP_NUM_THREADS' not in os.environ:
    os.environ['OMP_NUM_THREADS'] = '1'
