"Integration tests of the data modules that do not fit a notebook: the CLI in a fresh process, the cache location, parity."
import os, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

def _run(code, env_extra, cwd):
    env = {**os.environ, **env_extra, 'PYTHONPATH': str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', '')}
    return subprocess.run([sys.executable, '-c', code], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)

def test_cli_synth_tiny_roundtrip(tmp_path):
    "`cli_synth` writes the VideoPose3D pair; load_h36m reads it back with the file's splits; --help exits 0."
    r = _run(f"from scjd.cli import cli_synth; cli_synth(['--preset', 'tiny', '--seed', '3', '--out', r'{tmp_path}'])", {}, tmp_path)
    assert r.returncode == 0, r.stderr
    from scjd.data import load_h36m
    ds = load_h36m(tmp_path/'data_3d_h36m.npz', tmp_path/'data_2d_h36m_synthetic.npz')
    assert ds.train_subjects == ['Ada', 'Ben'] and ds.test_subjects == ['Fay']
    seqs = ds.sequences('test')
    assert len(seqs) == 3 * 4 and seqs[0].positions_2d.dtype == np.float32
    r = _run("from scjd.cli import cli_synth; cli_synth(['--help'])", {}, tmp_path)
    assert r.returncode == 0 and '--preset' in r.stdout

def test_load_synthetic_caches_under_scjd_data(tmp_path):
    "The cache goes where SCJD_DATA says, and a second call reads the cache (same numbers, no regeneration)."
    code = ("import time; from scjd.synthetic import load_synthetic, synthetic_dir; t=time.time(); a=load_synthetic('tiny'); "
            "f=synthetic_dir('tiny')/'data_3d_h36m.npz'; m=f.stat().st_mtime; b=load_synthetic('tiny'); "
            "import numpy as np; assert f.stat().st_mtime==m; "
            "assert np.array_equal(a['Ada']['Walking']['positions_2d'][0], b['Ada']['Walking']['positions_2d'][0]); print(f)")
    r = _run(code, {'SCJD_DATA': str(tmp_path/'cache')}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(tmp_path/'cache'))

def test_h36m_parity():
    "load_h36m equals VideoPose3D's processing of the h36m_mini fixture (tests/fixtures) to 1e-5."
    from scjd.data import load_h36m
    mini = ROOT/'tests/fixtures/h36m_mini'
    ds = load_h36m(mini/'data_3d_h36m.npz', mini/'data_2d_h36m_cpn_ft_h36m_dbb.npz')
    ref = np.load(mini/'reference.npz')
    for k in ref.files:
        s, a, c, kind = k.split('|'); e = ds[s][a]; c = int(c)
        ours = {'3d': e['positions_3d'][c], '2d': e['positions_2d'][c], 'intrinsic': e['cameras'][c]['intrinsic']}[kind]
        assert ours.shape == ref[k].shape and np.abs(ours - ref[k]).max() < 1e-5, k

def test_default_preset_budget(tmp_path):
    "The default preset generates well within a minute (budget: < 60 s on 2 cores) and holds 100k-200k camera-frames."
    code = (f"import time; from scjd.synthetic import write_synthetic; from scjd.data import load_h36m; t=time.time(); "
            f"write_synthetic(r'{tmp_path}', 'default', 0); dt=time.time()-t; "
            f"ds=load_h36m(r'{tmp_path}/data_3d_h36m.npz', r'{tmp_path}/data_2d_h36m_synthetic.npz'); print(dt, ds.num_frames())")
    r = _run(code, {'OMP_NUM_THREADS': '1'}, tmp_path)
    assert r.returncode == 0, r.stderr
    dt, n = r.stdout.split()
    assert float(dt) < 60 and 100_000 <= int(n) <= 200_000, r.stdout
