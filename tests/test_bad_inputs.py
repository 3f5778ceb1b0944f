"""Bad and unusual inputs, one test per case family. Each case ends in one clear error (the exact type, a fragment of its
message) or in the right result; no crafted file runs code; no file is changed or lost by a refused command. Fixtures
are made on the fly in `tmp_path`. Command-line cases run `scjd.cli.main` in a fresh process (the console script's own
entry point) and check the exit code (2 for bad input) and that stderr is one line without a traceback."""
import hashlib, json, os, shutil, subprocess, sys, textwrap
from dataclasses import replace
from pathlib import Path
import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT/'tests'/'fixtures'
CUDA = torch.cuda.is_available()

# ----------------------------------------------------------------------------------------------------------------- helpers
class Payload:
    "Unpickling this runs `touch <marker>`: what a crafted checkpoint or npz does."
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))

def snapshot(root) -> dict:
    "{relative path: sha1} of every file under `root`."
    root = Path(root)
    return {p.relative_to(root).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(root.rglob('*')) if p.is_file()}

def _env(data_dir):
    return {**os.environ, 'PYTHONPATH': str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''), 'SCJD_DATA': str(data_dir),
            'OMP_NUM_THREADS': '1', 'SCJD_DEBUG': ''}

ENTRY = 'import sys; from scjd.cli import main; sys.exit(main())'      # what the `scjd` console script runs

def scjd(cwd, data_dir, *cases, timeout=240):
    "Run each argv of `cases` as its own `scjd` process (in parallel); [(exit code, stderr)]."
    procs = [subprocess.Popen([sys.executable, '-c', ENTRY, *map(str, argv)], cwd=cwd, env=_env(data_dir),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for argv in cases]
    return [(p.wait(timeout), p.stderr.read()) for p in procs]

DRIVER = textwrap.dedent('''
    import contextlib, io, json, sys, traceback
    from scjd.cli import main
    out = []
    for argv in json.loads(sys.argv[1]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try: code = main(argv)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) or e.code is None else 1
                if not isinstance(e.code, int) and e.code is not None: print(e.code, file=sys.stderr)
            except BaseException: traceback.print_exc(); code = 1      # what the interpreter would print for an escaped error
        out.append([code or 0, err.getvalue()])
    print(json.dumps(out))
''')

def scjd_many(cwd, data_dir, *cases, timeout=400):
    "Run many `scjd` command lines one after the other in one fresh process (one import of torch); [(exit code, stderr)]."
    r = subprocess.run([sys.executable, '-c', DRIVER, json.dumps([[str(x) for x in c] for c in cases])], cwd=cwd,
                       env=_env(data_dir), capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    return [tuple(x) for x in json.loads(r.stdout.strip().splitlines()[-1])]

def check_cli(results, cases, expected):
    "Every case: exit code 2, the expected fragment, one line on stderr, no traceback."
    for (code, err), argv, want in zip(results, cases, expected):
        assert 'Traceback' not in err, (argv, err)
        assert code == 2, (argv, code, err)
        assert want in err, (argv, want, err)
        assert err.count('\n') == 1, (argv, err)

@pytest.fixture(scope='session')
def data_dir(tmp_path_factory):
    "An SCJD_DATA folder holding the tiny built-in data (generated once per test process)."
    d = tmp_path_factory.mktemp('scjd_data')
    old = os.environ.get('SCJD_DATA'); os.environ['SCJD_DATA'] = str(d)
    try:
        from scjd.synthetic import load_synthetic
        load_synthetic('tiny')
    finally:
        if old is None: os.environ.pop('SCJD_DATA')
        else: os.environ['SCJD_DATA'] = old
    return d

@pytest.fixture
def tiny(data_dir, monkeypatch):
    "(tiny recipe, training sequences) with SCJD_DATA pointing at the session's data."
    monkeypatch.setenv('SCJD_DATA', str(data_dir))
    from scjd.config import preset
    from scjd.synthetic import load_synthetic
    return preset('tiny', device='cpu'), load_synthetic('tiny').sequences('train')

def walk(T=20):
    "A rest pose walking 1 m along x: [T, 17, 3] world metres."
    from scjd.skeleton import rest_pose
    return (rest_pose()[None] + np.linspace(0, 1, T)[:, None, None] * [1, 0, 0]).astype(np.float32)

def write_h36m(folder, world=None, name='3d.npz', nan_2d=False, **extra):
    "A VideoPose3D-layout pair in `folder`: `name` (3D, `world` or the walk) and `2d.npz` (pixel detections of the walk; camera 1 loses the nose in frames 4-5 with `nan_2d`)."
    from scjd.data import load_h36m, image_coordinates, h36m_cameras
    np.savez(folder/'walk3d.npz', positions_3d={'S1': {'Walking': walk()}})
    gt = load_h36m(folder/'walk3d.npz')['S1']['Walking']['positions_2d']; (folder/'walk3d.npz').unlink()
    px = [image_coordinates(p, c['res_w'], c['res_h']) for p, c in zip(gt, h36m_cameras('S1'))]
    if nan_2d: px[1] = px[1].copy(); px[1][4:6, 9] = np.nan
    np.savez(folder/'2d.npz', positions_2d={'S1': {'Walking': px}}, metadata={'num_joints': 17})
    np.savez(folder/name, positions_3d={'S1': {'Walking': walk() if world is None else world}}, **extra)
    return folder/name, folder/'2d.npz', gt

def teacher_file(path, nan=False):
    "An (untrained) tiny teacher's model.pt; with `nan`, one weight NaN (what a diverged run would have saved)."
    from scjd.config import preset
    from scjd.models import build_teacher
    from scjd.checkpoint import save_model
    torch.manual_seed(0); cfg = preset('tiny'); m = build_teacher(cfg)
    if nan:
        with torch.no_grad(): m.head[1].bias[0] = float('nan')
    return save_model(path, m, cfg, 'teacher')

TINY = ['--preset', 'tiny', '--synthetic-preset', 'tiny', '--device', 'cpu', '--no-progress']   # a training command, seconds
EVAL = ['--synthetic-preset', 'tiny', '--device', 'cpu']                                     # evaluate on the tiny data

# ------------------------------------------------------------------------------------------------------ 1. crafted files
def test_crafted_files_never_run_code(tmp_path, tiny):
    "A checkpoint, PoseFormer file or npz whose unpickling would run a command is refused by every loader and command."
    from scjd.checkpoint import load_checkpoint, load_model, load_teacher, RunFolderError
    from scjd.models.poseformer import load_poseformer
    from scjd.data import load_h36m, load_3dhp, load_npz
    from scjd.models import build_teacher
    from scjd.train import train_teacher
    cfg, seqs = tiny
    control = tmp_path/'control'                                  # the payload works: an unsafe load runs it
    torch.save({'x': Payload(control)}, tmp_path/'control.pt'); torch.load(tmp_path/'control.pt', weights_only=False)
    assert control.exists(); control.unlink(); (tmp_path/'control.pt').unlink()

    marker = tmp_path/'PWNED'; pay = Payload(marker)
    tch = build_teacher(cfg)
    torch.save({'kind': 'teacher', 'config': cfg.to_dict(), 'model': tch.state_dict(), 'note': pay}, tmp_path/'evil.pt')
    torch.save({'epoch': 1, 'random_state': pay, 'model_pos': {'module.' + k: v for k, v in tch.state_dict().items()}}, tmp_path/'evil.bin')
    np.savez(tmp_path/'evil3d.npz', positions_3d=np.array({'S1': {'Walking': pay}}, dtype=object))
    np.savez(tmp_path/'ok3d.npz', positions_3d={'S1': {'Walking': walk()}})
    np.savez(tmp_path/'evil2d.npz', positions_2d=np.array({'S1': {'Walking': [pay] * 4}}, dtype=object))
    np.savez(tmp_path/'evil3dhp.npz', data=np.array({'TS1': pay}, dtype=object))
    run = tmp_path/'runs'/'t'; (run/'checkpoints').mkdir(parents=True)
    torch.save({'epoch': 1, 'identity': pay}, run/'checkpoints'/'last.pt')
    before = snapshot(tmp_path)

    for load, path in ((load_checkpoint, 'evil.pt'), (load_model, 'evil.pt'), (load_teacher, 'evil.pt'), (load_poseformer, 'evil.bin'),
                       (load_model, 'evil.bin'), (load_h36m, 'evil3d.npz'), (lambda p: load_h36m(tmp_path/'ok3d.npz', p), 'evil2d.npz'),
                       (load_3dhp, 'evil3dhp.npz'), (load_npz, 'evil3d.npz')):
        with pytest.raises(ValueError, match='refused to load'): load(tmp_path/path)
    with pytest.raises(RunFolderError, match='last.pt: refused to load: .*this run cannot resume: --no-resume'):
        train_teacher(cfg, seqs, run)                             # resume reads the run's checkpoint
    cases = [['evaluate', '--checkpoint', tmp_path/'evil.pt', *EVAL],
             ['distill', '--teacher', tmp_path/'evil.pt', *TINY, '--runs-dir', tmp_path/'runs', '--no-eval'],
             ['train-teacher', '--poseformer', tmp_path/'evil.bin', *TINY, '--runs-dir', tmp_path/'runs', '--name', 'imp', '--no-eval'],
             ['train-teacher', *TINY, '--runs-dir', tmp_path/'runs', '--name', 't', '--no-eval'],
             ['train-teacher', '--data', 'h36m', '--h36m-3d', tmp_path/'evil3d.npz', *TINY, '--runs-dir', tmp_path/'runs', '--no-eval']]
    real, rest = [cases[0], cases[3]], [cases[1], cases[2], cases[4]]   # two as their own `scjd` processes, three in one
    check_cli(scjd(tmp_path, tiny_data(tiny), *real) + scjd_many(tmp_path, tiny_data(tiny), *rest), real + rest, ['refused to load'] * len(cases))
    assert not marker.exists()
    assert snapshot(tmp_path) == before

def tiny_data(tiny):
    "The SCJD_DATA folder the `tiny` fixture set."
    return os.environ['SCJD_DATA']

# -------------------------------------------------------------------------------------------------- 2. non-finite data
def test_non_finite_data_is_refused_or_interpolated(tmp_path, tiny):
    "NaN / inf in 3D, 2D, 3DHP and BVH name the file, track and frame; lost 2D detections interpolate only when asked."
    from scjd.data import load_h36m, load_3dhp, load_bvh, PoseDataset, image_coordinates, h36m_cameras
    bad3 = walk(); bad3[3, 5, 2] = np.nan
    (tmp_path/'nan').mkdir(); (tmp_path/'ok').mkdir()
    nan3d, det, _ = write_h36m(tmp_path/'nan', bad3)
    ok3d, nan2d, gt = write_h36m(tmp_path/'ok', nan_2d=True)
    hp = dict(data_3d=np.zeros((5, 17, 3)), data_2d=np.zeros((5, 17, 2))); hp['data_3d'][2, 4, 0] = np.inf
    np.savez(tmp_path/'inf3dhp.npz', data=np.array({'S1 Seq1': [{0: hp}]}, dtype=object))
    lines = (FIX/'cmu'/'131_01.bvh').read_text().splitlines()
    m = lines.index('MOTION'); lines[m + 10] = 'nan ' + lines[m + 10].split(' ', 1)[1]
    (tmp_path/'nan.bvh').write_text('\n'.join(lines) + '\n')
    before = snapshot(tmp_path)

    with pytest.raises(ValueError, match=r"3d.npz: positions_3d\['S1'\]\['Walking'\]: frame 3, joint 5 \(LKnee\) is nan"):
        load_h36m(nan3d, det)
    with pytest.raises(ValueError, match=r"2d.npz: positions_2d\['S1'\]\['Walking'\]\[1\]: frame 4, joint 9 \(Nose\) is nan .*--missing-2d interpolate"):
        load_h36m(ok3d, nan2d)
    filled = load_h36m(ok3d, nan2d, missing_2d='interpolate')['S1']['Walking']['positions_2d'][1]
    assert np.isfinite(filled).all() and np.allclose(filled[[3, 6]], gt[1][[3, 6]], atol=1e-5)
    assert np.allclose(filled[4:6, 9], gt[1][4:6, 9], atol=2e-3)   # the walk is linear in time: interpolation recovers it
    with pytest.raises(ValueError, match=r"inf3dhp.npz: data\['S1 Seq1'\]\[0\]\[0\]\['data_3d'\] \(3DHP joint order\): frame 2, joint 4 is inf"):
        load_3dhp(tmp_path/'inf3dhp.npz')
    with pytest.raises(ValueError, match=rf'nan.bvh, line {m + 11}: MOTION frame 7, channel 0 \(Hips Xposition\) is nan'):
        load_bvh(tmp_path/'nan.bvh')
    cam = dict(id='x', res_w=1000, res_h=1000, intrinsic=np.zeros(9, np.float32))
    with pytest.raises(ValueError, match='A/x camera 0 positions_3d: frame 3, joint 5'):
        PoseDataset({'A': {'x': dict(positions_3d=[bad3], positions_2d=[bad3[..., :2] * 0], cameras=[cam])}})

    h36m = ['--data', 'h36m', '--h36m-3d', ok3d]
    cases = [['train-teacher', '--data', 'h36m', '--h36m-3d', nan3d, '--h36m-2d', det, *TINY, '--runs-dir', tmp_path/'runs', '--no-eval'],
             ['train-teacher', *h36m, '--h36m-2d', nan2d, *TINY, '--runs-dir', tmp_path/'runs', '--no-eval'],
             ['train-teacher', '--data', 'bvh', '--bvh', tmp_path/'nan.bvh', '--bvh-test', FIX/'cmu'/'131_02.bvh', *TINY, '--runs-dir', tmp_path/'runs']]
    res = scjd_many(tmp_path, tiny_data(tiny), *cases,
                    ['evaluate', '--checkpoint', teacher_file(tmp_path/'eval'/'t.pt'), *h36m, '--h36m-2d', nan2d,
                     '--missing-2d', 'interpolate', '--subjects', 'S1', '--device', 'cpu'])
    check_cli(res[:3], cases, ['frame 3, joint 5 (LKnee) is nan', '--missing-2d interpolate', 'MOTION frame 7'])
    assert res[3][0] == 0, res[3]                                   # the explicit option: evaluated on the filled track
    (tmp_path/'eval'/'t.pt').unlink(); (tmp_path/'eval').rmdir()
    assert snapshot(tmp_path) == before

# ---------------------------------------------------------------------------------------------- 3. non-finite training
def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(tmp_path, tiny):
    "NaN reaching the loss stops training before its checkpoint; a NaN model is never evaluated."
    from scjd.train import train_teacher, fit, read_log
    from scjd.checkpoint import load_checkpoint, load_model
    from scjd.distill.loss import RegressionLoss
    from scjd.train import make_sampler
    from scjd.models import build_teacher
    cfg, seqs = tiny
    nan = [replace(seqs[0], positions_2d=np.where(np.arange(len(seqs[0]))[:, None, None] == 7, np.nan, seqs[0].positions_2d))] + seqs[1:]
    with pytest.raises(FloatingPointError, match='epoch 1: loss=nan, reg=nan; training stopped and no checkpoint was written'):
        train_teacher(cfg, nan, tmp_path/'nan')                   # unchecked data (the loaders would have refused it)
    assert not (tmp_path/'nan'/'checkpoints').exists() and not (tmp_path/'nan'/'model.pt').exists()

    class NaNFrom2(RegressionLoss):
        def __call__(self, m, b, e): return {k: v * (float('nan') if e >= 2 else 1.) for k, v in super().__call__(m, b, e).items()}
    torch.manual_seed(0)
    with pytest.raises(FloatingPointError, match=r'epoch 2: loss=nan, reg=nan; training stopped and .*last.pt \(epoch 1\) is kept'):
        fit(build_teacher(cfg), NaNFrom2('teacher'), make_sampler(cfg, seqs), replace(cfg, epochs=3), tmp_path/'div')
    ck = load_checkpoint(tmp_path/'div'/'checkpoints'/'last.pt')
    assert ck['epoch'] == 1 and all(torch.isfinite(v).all() for v in ck['model'].values())
    assert [r['epoch'] for r in read_log(tmp_path/'div')] == [1]
    teacher_file(tmp_path/'diverged'/'model.pt', nan=True)
    with pytest.raises(ValueError, match='model.pt holds non-finite weights .*the run that wrote it diverged'):
        load_model(tmp_path/'diverged')
    before = snapshot(tmp_path)
    cases = [['evaluate', '--run', tmp_path/'diverged', *EVAL],
             ['train-teacher', *TINY, '--lr', '1e30', '--runs-dir', tmp_path/'runs', '--name', 'huge', '--no-eval']]
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases, ['holds non-finite weights', 'training stopped and no checkpoint was written'])
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith('runs/huge/')} == before
    assert [k for k in after if k.startswith('runs/huge/')] == ['runs/huge/config.json']   # no checkpoint, no log, no model.pt

# ------------------------------------------------------------------------------------------------------ 4. run folders
def test_run_folder_resumes_its_own_run_or_refuses(tmp_path, tiny):
    "Other settings, data or teacher are refused with what differs; the same run resumes; finished results are kept."
    from scjd.train import train_teacher, distill, read_log
    from scjd.checkpoint import RunFolderError, run_lock, load_model
    from scjd.models import build_teacher
    cfg, seqs = tiny
    runs = tmp_path/'runs'
    teacher, _ = train_teacher(cfg, seqs, runs/'t')
    distill(cfg, seqs, teacher, runs/'s')
    demo = tmp_path/'demo'; (demo/'teacher').mkdir(parents=True)
    (demo/'report.json').write_text('{}'); (demo/'teacher'/'model.pt').write_bytes(b'finished')
    before = snapshot(tmp_path)

    torch.manual_seed(9); other = build_teacher(cfg)
    for call, msg in ((lambda: train_teacher(replace(cfg, lr=2e-3), seqs, runs/'t'), r'holds another run \(lr 0.001 -> 0.002\)'),
                      (lambda: train_teacher(replace(cfg, seed=1), seqs, runs/'t'), r'holds another run \(seed 0 -> 1\)'),
                      (lambda: train_teacher(replace(cfg, epochs=1), seqs, runs/'t'), 'checkpoint is at epoch 2, past epochs=1'),
                      (lambda: train_teacher(cfg, seqs[1:], runs/'t'), r'holds another run \(training data \w+ -> \w+\)'),
                      (lambda: distill(cfg, seqs, other, runs/'s'), r'holds another run \(teacher weights \w+ -> \w+\)'),
                      (lambda: train_teacher(cfg, seqs, runs/'t', resume=False), 'holds a finished run .*pass --overwrite')):
        with pytest.raises(RunFolderError, match=msg): call()
    assert snapshot(tmp_path) == before
    again, hist = train_teacher(cfg, seqs, runs/'t')              # the same run: resumes, trains nothing
    assert len(hist) == 2 and all(torch.equal(a, b) for a, b in zip(again.state_dict().values(), teacher.state_dict().values()))
    assert snapshot(tmp_path) == before

    holder = subprocess.Popen([sys.executable, '-c', f'import sys, time\nfrom scjd.checkpoint import run_lock\nwith run_lock({str(runs/"t")!r}):\n'
                               '    print("held", flush=True); time.sleep(120)'], env=_env(tiny_data(tiny)), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        with pytest.raises(RunFolderError, match=f'is being written by process {holder.pid}; wait for it'):
            train_teacher(cfg, seqs, runs/'t')
        locked = scjd_many(tmp_path, tiny_data(tiny), ['train-teacher', *TINY, '--runs-dir', runs, '--name', 't', '--no-eval'])
    finally:
        holder.kill(); holder.wait()
    check_cli(locked, [0], [f'is being written by process {holder.pid}'])
    cases = [['train-teacher', *TINY, '--seed', '1', '--runs-dir', runs, '--name', 't', '--no-eval'],
             ['train-teacher', *TINY, '--no-resume', '--runs-dir', runs, '--name', 't', '--no-eval'],
             ['train-teacher', '--poseformer', FIX/'poseformer_f27_c8.bin', '--runs-dir', runs, '--name', 't', '--no-eval'],
             ['distill', '--teacher', runs/'t', *TINY, '--gamma', '0.5', '--runs-dir', runs, '--name', 's', '--no-eval'],
             ['demo', '--preset', 'tiny', '--out', demo, '--device', 'cpu']]
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases,
              ['holds another run (seed 0 -> 1)', 'holds a finished run (model.pt); --no-resume would train over it: pass --overwrite',
               'already holds model.pt and checkpoints/last.pt; pass --overwrite', 'holds another run (gamma 0.01 -> 0.5)',
               'holds a finished demo (report.json, teacher/model.pt); pass --resume'])
    assert snapshot(tmp_path) == before
    longer, hist = train_teacher(replace(cfg, epochs=3), seqs, runs/'t')   # a longer run continues the same one
    assert [r['epoch'] for r in read_log(runs/'t')] == [1, 2, 3] and json.loads((runs/'t'/'config.json').read_text())['epochs'] == 3
    assert load_model(runs/'t').config.epochs == 3

# ------------------------------------------------------------------------------------------------- 5. zero-step training
def test_zero_step_training_is_an_error_before_training(tmp_path, tiny):
    from scjd.train import train_teacher
    cfg, seqs = tiny
    with pytest.raises(ValueError, match=r'batch_size: expected at most the \d+ training windows \(one per frame\), got 5000'):
        train_teacher(replace(cfg, batch_size=5000), seqs, tmp_path/'runs'/'big')
    assert not (tmp_path/'runs').exists()
    cases = [['train-teacher', *TINY, '--max-steps', '0', '--runs-dir', tmp_path/'runs'],
             ['train-teacher', *TINY, '--batch-size', '100000', '--runs-dir', tmp_path/'runs', '--no-eval'],
             ['distill', '--no-distill', *TINY, '--epochs', '0', '--runs-dir', tmp_path/'runs']]
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases,
              ["argument --max-steps: expected a positive integer, got '0'", 'training windows (one per frame), got 100000',
               "argument --epochs: expected a positive integer, got '0'"])
    assert not (tmp_path/'runs').exists()                          # nothing written, not even a folder

# ------------------------------------------------------------------------------------------------------ 6. corrupt files
def test_corrupt_files_name_the_file_and_the_way_out(tmp_path, tiny):
    from scjd.data import load_h36m
    from scjd.checkpoint import load_model, RunFolderError, find_models
    from scjd.train import train_teacher, read_log
    cfg, seqs = tiny
    np.savez(tmp_path/'ok3d.npz', positions_3d={'S1': {'Walking': walk()}})
    (tmp_path/'empty.npz').write_bytes(b''); (tmp_path/'cut.npz').write_bytes((tmp_path/'ok3d.npz').read_bytes()[:200])
    t = teacher_file(tmp_path/'t.pt')
    (tmp_path/'empty.pt').write_bytes(b''); (tmp_path/'cut.pt').write_bytes(t.read_bytes()[:-100])
    train_teacher(replace(cfg, epochs=1), seqs, tmp_path/'runs'/'torn')
    shutil.copytree(tmp_path/'runs'/'torn', tmp_path/'runs'/'broken', ignore=shutil.ignore_patterns('.*tmp*'))
    ck = tmp_path/'runs'/'broken'/'checkpoints'/'last.pt'; ck.write_bytes(ck.read_bytes()[:500])
    with open(tmp_path/'runs'/'torn'/'log.jsonl', 'a') as f: f.write('{"epoch": 2, "lr": 0.0')    # killed mid-line
    for stale in ('checkpoints/.last.pt.tmp1a2b.pt', '.model.pt.tmp9z.pt'):
        (tmp_path/'runs'/'torn'/stale).write_bytes(b'half a file')                               # killed mid-write
    before = snapshot(tmp_path)

    with pytest.raises(ValueError, match='empty.npz: empty file'): load_h36m(tmp_path/'empty.npz')
    with pytest.raises(ValueError, match=r'cut.npz: not a readable npz file \(truncated or corrupt'): load_h36m(tmp_path/'cut.npz')
    with pytest.raises(ValueError, match=r'empty.pt: empty file \(0 bytes\)'): load_model(tmp_path/'empty.pt')
    with pytest.raises(ValueError, match=r'cut.pt: not a readable checkpoint \(truncated or corrupt'): load_model(tmp_path/'cut.pt')
    with pytest.raises(RunFolderError, match='last.pt: not a readable checkpoint .*this run cannot resume: --no-resume'):
        train_teacher(cfg, seqs, tmp_path/'runs'/'broken')
    assert [r['epoch'] for r in read_log(tmp_path/'runs'/'torn')] == [1]                          # the torn line is dropped
    assert set(find_models(tmp_path/'runs'/'torn').values()) == {tmp_path/'runs'/'torn'/'model.pt'}
    cases = [['evaluate', '--checkpoint', tmp_path/'empty.pt', *EVAL],
             ['evaluate', '--checkpoint', tmp_path/'cut.pt', *EVAL, '--out', tmp_path/'r.json'],
             ['train-teacher', '--data', 'h36m', '--h36m-3d', tmp_path/'cut.npz', *TINY, '--runs-dir', tmp_path/'runs', '--no-eval'],
             ['train-teacher', *TINY, '--runs-dir', tmp_path/'runs', '--name', 'broken', '--no-eval']]
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases,
              ['empty.pt: empty file (0 bytes)', 'not a readable checkpoint', 'cut.npz: not a readable npz file',
               'this run cannot resume: --no-resume (resume=False) starts it over'])
    assert snapshot(tmp_path) == before
    train_teacher(cfg, seqs, tmp_path/'runs'/'torn')                  # resume: log repaired, stale temporaries removed
    assert [r['epoch'] for r in read_log(tmp_path/'runs'/'torn')] == [1, 2]
    assert (tmp_path/'runs'/'torn'/'log.jsonl').read_text().endswith('}\n') and not list((tmp_path/'runs'/'torn').rglob('.*tmp*'))
    (tmp_path/'runs'/'torn'/'log.jsonl').write_text('{"epoch": 1}\n{"epo\n{"epoch": 2}\n')
    with pytest.raises(ValueError, match='log.jsonl, line 2: not a JSON record'): read_log(tmp_path/'runs'/'torn')

# --------------------------------------------------------------------------------------------- 7. evaluate and bench
def test_evaluate_and_bench_bad_input(tmp_path, tiny):
    t = teacher_file(tmp_path/'run'/'model.pt')
    (tmp_path/'half'/'checkpoints').mkdir(parents=True); (tmp_path/'half'/'config.json').write_text('{}')
    (tmp_path/'half'/'checkpoints'/'last.pt').write_bytes(t.read_bytes()[:1000])
    before = snapshot(tmp_path)
    ev = ['evaluate', '--run', tmp_path/'run', *EVAL]
    cases = [['evaluate', '--run', tmp_path/'nope', *EVAL], ['evaluate', '--run', tmp_path/'half', *EVAL],
             [*ev, '--stride', '2'], [*ev, '--chunk-size', '0'], [*ev, '--subjects', 'S99'], [*ev, '--out', '/proc/scjd/r.json'],
             [*ev, '--out', tmp_path/'run'], [*ev, '--eval-frames', '0'], ['evaluate', '--checkpoint', tmp_path/'run'/'model.pt', '--config', tmp_path/'nope.json'],
             ['bench', '--iters', '0'], ['bench', '--batch-sizes', '0,64'], ['bench', '--threads', '-2'], ['bench', '--device', 'foo'],
             ['bench', '--models', 'some'], ['synth', '--out', '/proc/scjd_synth']]
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases,
              ['find_models: no run folder', 'last.pt: not a readable checkpoint', 'expected an odd f_teacher divisible by stride',
               "argument --chunk-size: expected a positive integer, got '0'", "--subjects: unknown subjects ['S99']",
               '--out /proc/scjd/r.json: cannot write there', 'is a folder, expected a file name',
               "argument --eval-frames: expected a positive integer, got '0'", 'nope.json',
               "argument --iters: expected a positive integer, got '0'", "--batch-sizes: expected comma-separated positive integers, got '0,64'",
               "argument --threads: expected a positive integer, got '-2'", "device: expected 'cpu', 'cuda' or 'cuda:N', got 'foo'",
               "argument --models: invalid choice: 'some'", "scjd synth: "])
    assert snapshot(tmp_path) == before

# ------------------------------------------------------------------------------------------------- 8. numeric options
def test_numeric_options_are_checked(tmp_path, tiny):
    runs = ['--runs-dir', tmp_path/'runs']
    d = ['distill', '--no-distill', *TINY, *runs]
    cases = [[*d, '--eval-frames', '-5'], [*d, '--lr', '-1'], [*d, '--set', 'lr_decay=2'], [*d, '--seed', '-1'],
             [*d, '--device', 'foo'], [*d, '--K', '20'], [*d, '--set', 'epochs=3.5'], [*d, '--set', 'flip=maybe'],
             [*d, '--set', 'nofield=1'], [*d, '--set', 'lr'], [*d, '--f-teacher', '8'], [*d, '--stride', '2'], [*d, '--batch-size', '0'],
             [*d, '--data-seed', '-1'], [*d, '--N', '-1'], [*d, '--name', ''], ['demo', '--eval-frames', '0'], ['demo', '--epochs', '-1']]
    want = ["argument --eval-frames: expected a positive integer, got '-5'", 'lr: expected a finite number in (0, inf], got -1.0',
            'lr_decay: expected a finite number in (0, 1], got 2.0', "argument --seed: expected an integer >= 0, got '-1'",
            "device: expected 'cpu', 'cuda' or 'cuda:N', got 'foo'", 'K: expected at most f_teacher=9', "--set epochs: expected int, got '3.5'",
            "--set flip: expected bool, got 'maybe'", "--set: unknown field 'nofield'", "--set: expected FIELD=VALUE, got 'lr'",
            'f_teacher must be odd', 'stride L=2 must divide f_teacher=9', "argument --batch-size: expected a positive integer, got '0'",
            "argument --data-seed: expected an integer >= 0, got '-1'", "argument --N: expected an integer >= 0, got '-1'",
            "--name: expected a folder name, got ''", "argument --eval-frames: expected a positive integer, got '0'",
            "argument --epochs: expected a positive integer, got '-1'"]
    if not CUDA: cases.append([*d, '--device', 'cuda']); want.append('device: cuda asked for but CUDA is not available')
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases, want)
    assert not (tmp_path/'runs').exists()

# ------------------------------------------------------------------------------------------------------ 9. importers
def test_importers_refuse_what_they_cannot_read(tmp_path, tiny):
    "BVH frame time, frames, depth, words; camera quaternions; Human3.6M in millimetres."
    from scjd.data import parse_bvh, load_bvh, load_h36m, h36m_cameras, BVH_MAX_DEPTH
    clip = (FIX/'cmu'/'131_01.bvh').read_text()
    def variant(name, text): (tmp_path/name).write_text(text); return tmp_path/name
    zero_dt = variant('zero_dt.bvh', clip.replace('Frame Time: .0083333', 'Frame Time: 0'))
    ms_dt = variant('ms_dt.bvh', clip.replace('Frame Time: .0083333', 'Frame Time: 8.333'))
    none = variant('none.bvh', clip.split('MOTION')[0] + 'MOTION\nFrames: 0\nFrame Time: .0083333\n')
    word = variant('word.bvh', clip.replace('OFFSET 0 0 0', 'OFFSET 0 zero 0', 1))
    deep = variant('deep.bvh', 'HIERARCHY\nROOT r\n{\nOFFSET 0 0 0\nCHANNELS 0\n' + 'JOINT j\n{\nOFFSET 0 0 1\nCHANNELS 0\n' * 3000
                   + '}\n' * 3001 + 'MOTION\nFrames: 1\nFrame Time: 0.01\n\n')
    assert 'Frame Time: .0083333' in clip
    for d in ('mm', 'q', 'ok'): (tmp_path/d).mkdir()
    mm, det, _ = write_h36m(tmp_path/'mm', walk() * 1000)
    zero_q = [{**c, 'orientation': np.zeros(4)} for c in h36m_cameras('S1')]
    big_q = [{**c, 'orientation': c['orientation'] * 3} for c in h36m_cameras('S1')]
    zq, det_q, _ = write_h36m(tmp_path/'q', cameras={'S1': zero_q})
    ok3d, _, _ = write_h36m(tmp_path/'ok')
    before = snapshot(tmp_path)

    for path, msg in ((zero_dt, 'zero_dt.bvh, line .*: Frame Time: 0; expected seconds per frame'), (ms_dt, 'is it in milliseconds'),
                      (none, 'none.bvh, line .*: Frames: 0; expected at least one frame'), (word, r"word.bvh, line \d+: expected a number \(OFFSET\), got 'zero'"),
                      (deep, f'deep.bvh, line .*: joints nested deeper than {BVH_MAX_DEPTH} levels')):
        with pytest.raises(ValueError, match=msg): load_bvh(path)
    with pytest.raises(ValueError, match=r"3d.npz: positions_3d\['S1'\]\['Walking'\]: median bone length .*looks like millimetres: divide its positions by 1000"):
        load_h36m(mm, det)
    with pytest.raises(ValueError, match=r"3d.npz: cameras\['S1'\]\[0\]: orientation quaternion .* has norm 0"): load_h36m(zq, det_q)
    with pytest.raises(ValueError, match='has norm 3; expected a unit quaternion'): load_h36m(ok3d, cameras={'S1': big_q})
    tr = ['train-teacher', *TINY, '--runs-dir', tmp_path/'runs', '--no-eval']
    cases = [[*tr, '--data', 'bvh', '--bvh', ms_dt, '--bvh-test', FIX/'cmu'/'131_02.bvh'], [*tr, '--data', 'bvh', '--bvh', word, '--bvh-test', word],
             [*tr, '--data', 'h36m', '--h36m-3d', mm, '--h36m-2d', det], [*tr, '--data', 'h36m', '--h36m-3d', zq, '--h36m-2d', det_q]]
    check_cli(scjd_many(tmp_path, tiny_data(tiny), *cases), cases,
              ['ms_dt.bvh, line', "word.bvh, line", 'looks like millimetres', 'has norm 0'])
    assert snapshot(tmp_path) == before and not (tmp_path/'runs').exists()
