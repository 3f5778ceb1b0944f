"""`scjd lift` end to end as a user runs it (a fresh process per command): every input format, the person chosen, the gaps,
the BVH round trip (scjd's importer and the independent PyPI `bvh` reader), and one-line errors for bad input.
The inputs are detector-like COCO-17 keypoints made from a held-out CMU walk seen by a Human3.6M camera."""
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from scjd.skeleton import JOINT_NAMES, BONES
from scjd.camera import h36m_cameras, world_to_camera
from scjd.data import load_bvh, dataset_from_world, place_in_capture_space
from scjd.metrics import p_mpjpe
from scjd.config import preset
from scjd.train import train_teacher
from scjd.checkpoint import save_model
from scjd.lift import detector_like, write_coco_json, write_openpose, coco_to_h36m, bvh_motion
from scjd.cli import cli_lift

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT/'tests'/'fixtures'/'cmu'/'131_02.bvh'
FPS = 30

def _world(fps):
    return place_in_capture_space(load_bvh(CLIP, fps=fps)).astype(np.float64)

def _cam_frame(X, shift=(0., 0., 0.)):
    cam = h36m_cameras('S9')[1]
    return world_to_camera(X, cam['orientation'], cam['translation']) + np.array(shift), cam

@pytest.fixture(scope='module')
def clip(tmp_path_factory):
    "Detector-like inputs in every format, the ground truth, and a tiny model trained for seconds on the clip."
    d = tmp_path_factory.mktemp('lift')
    Xc, cam = _cam_frame(_world(FPS))
    X2, _ = _cam_frame(_world(FPS)[::-1].copy(), shift=(0.9, 0., 2.5))            # a second, smaller walker
    P1 = detector_like(Xc, cam, noise_px=2., dropout=0.03, gaps=[(9, 40, 6), (16, 80, 40)], seed=0)
    P2 = detector_like(X2, cam, noise_px=2., seed=1)
    ds = dataset_from_world({'CMU': {'walk': _world(50).astype(np.float32)}}, camera_subject='S9', train_subjects=['CMU'])
    cfg = preset('tiny', epochs=16, max_steps=60, batch_size=64, lr=3e-3, device='cpu')
    model, _ = train_teacher(cfg, ds.sequences('train'))
    (d/'model').mkdir(); save_model(d/'model'/'model.pt', model, cfg, 'teacher')
    write_coco_json(d/'walk.json', {3: P1, 8: P2})
    write_openpose(d/'openpose', {0: P1, 1: P2}, layout='BODY_25')
    np.save(d/'walk_coco.npy', P1)
    np.savez(d/'walk_h36m.npz', keypoints=coco_to_h36m(P1), fps=FPS, width=cam['res_w'], height=cam['res_h'], joints='h36m')
    train_mean = np.concatenate([s.positions_3d for s in ds.sequences('train')]).mean(0)
    return dict(dir=d, gt=Xc - Xc[:, :1], W=cam['res_w'], H=cam['res_h'], model=d/'model', mean=train_mean)

def run_lift(*args):
    "`scjd lift ARGS` in a fresh process, through the dispatcher."
    return subprocess.run([sys.executable, '-c', "import sys; from scjd.cli import main; sys.exit(main(['lift'] + sys.argv[1:]))",
                           *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, 'PYTHONPATH': str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', '')})

def _pmpjpe(pred, gt):
    ok = np.isfinite(pred).all((1, 2))
    return float(p_mpjpe(pred[ok], gt[ok], 'none').mean() * 1000)

@pytest.mark.parametrize('fmt', ['coco', 'openpose', 'npy', 'npz'])
def test_lift_each_format(clip, fmt, tmp_path):
    d = clip['dir']
    size = ['--width', clip['W'], '--height', clip['H'], '--fps', FPS]
    args = {'coco': [d/'walk.json', *size], 'openpose': [d/'openpose', *size],
            'npy': [d/'walk_coco.npy', '--joints', 'coco', *size], 'npz': [d/'walk_h36m.npz']}[fmt]
    out = tmp_path/'out'
    r = run_lift(*args, '--model', clip['model'], '--out', out, '--quiet', '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    z = np.load(out/'poses_3d.npz', allow_pickle=False)
    P, gt = z['poses_3d'], clip['gt']
    assert P.shape == gt.shape and float(z['fps']) == FPS
    rep = json.loads((out/'report.json').read_text())
    # the right person: the closer walker (track 3 in the COCO file; the largest box where there are no track ids)
    assert rep['chosen'] == ('track 3' if fmt == 'coco' else 'largest box in each frame')
    # gaps: the 6-frame left-wrist gap filled, the 40-frame right-ankle gap reported and left without 3D
    assert z['filled'][40:46, 13].all()
    assert [g['joint'] for g in rep['long_gaps']] == ['RFoot'] and not z['valid'][80:120].any() and np.isnan(P[80:120]).all()
    # recovered: far below the error of the mean pose of the model's training data
    err, base = _pmpjpe(P, gt), _pmpjpe(np.broadcast_to(clip['mean'], gt.shape).copy(), gt)
    print(f'{fmt}: P-MPJPE {err:.1f} mm, mean pose {base:.1f} mm')
    assert err < 0.7 * base, (err, base)
    # BVH: the longest valid stretch (frames 0-79), read back by scjd's importer within 1 mm of what it encodes
    assert rep['bvh_frames'] == [0, 79]
    enc = bvh_motion(P[:80], FPS)[2]
    back = load_bvh(out/'motion.bvh', scale=1.0, fps=None, joint_map=JOINT_NAMES, check_height=None)
    back = back @ np.array([[1., 0, 0], [0, 0, 1], [0, -1, 0]]).T                    # z-up -> the file's y-up
    assert np.abs(back - enc).max() < 1e-3
    assert (out/'viewer.html').stat().st_size > 1e6                                    # plotly.js inlined

def test_bvh_independent_reader(clip, tmp_path):
    "The PyPI `bvh` package parses the file; forward kinematics from its numbers (scipy rotations) matches within 1 mm."
    from bvh import Bvh
    from scipy.spatial.transform import Rotation
    out = tmp_path/'out'
    r = run_lift(clip['dir']/'walk_h36m.npz', '--model', clip['model'], '--out', out, '--quiet', '--no-html', '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    P = np.load(out/'poses_3d.npz')['poses_3d'][:80]
    b = Bvh((out/'motion.bvh').read_text())
    assert b.nframes == 80 and abs(b.frame_time - 1 / FPS) < 1e-7
    F = np.array(b.frames, float); pos, rot = {}, {}
    for name in b.get_joints_names():
        par, off, chs = b.joint_parent(name), np.array(b.joint_offset(name)), b.joint_channels(name)
        i0 = b.get_joint_channels_index(name); rc = [c for c in chs if c.endswith('rotation')]
        R = Rotation.from_euler(''.join(c[0] for c in rc), F[:, [i0 + chs.index(c) for c in rc]], degrees=True).as_matrix()
        if par is None: pos[name], rot[name] = F[:, i0:i0 + 3] + off, R
        else: pos[name], rot[name] = pos[par.name] + np.einsum('tij,j->ti', rot[par.name], off), rot[par.name] @ R
    fk = np.stack([pos[n] for n in JOINT_NAMES], 1)
    assert np.abs(fk - bvh_motion(P, FPS)[2]).max() < 1e-3
    # each bone keeps the predicted direction, at the median length
    Q = (fk - fk[:, :1]) @ np.diag([1., -1., -1.])
    for p, j in BONES:
        v, u = Q[:, j] - Q[:, p], P[:, j] - P[:, p]
        assert np.allclose(v / np.linalg.norm(v, axis=-1, keepdims=True), u / np.linalg.norm(u, axis=-1, keepdims=True), atol=1e-5)
        assert np.allclose(np.linalg.norm(v, axis=-1), np.median(np.linalg.norm(u, axis=-1)), atol=1e-5)

def _bad_inputs(d):
    (d/'empty.json').write_text('')
    (d/'nobody.json').write_text('[]')
    (d/'k18.json').write_text(json.dumps([dict(image_id=0, category_id=1, keypoints=[1.] * 54, score=1.)]))
    np.save(d/'zeros.npy', np.zeros((30, 17, 3)))
    np.save(d/'j18.npy', np.ones((30, 18, 2)))
    (d/'clip.mp4').write_bytes(b'\x00\x00\x00 ftypisom')
    size = ['--width', 1000, '--height', 1000, '--fps', 30]
    return {'wrong joint count (json)': ([d/'k18.json', *size], 'keypoints has 54 numbers, expected 17 keypoints × 3 = 51'),
            'wrong joint count (array)': ([d/'j18.npy', '--joints', 'coco', *size], 'expected keypoints [T, 17, 2] or [T, 17, 3]'),
            'empty file': ([d/'empty.json', *size], 'the file is empty'),
            'nobody detected': ([d/'nobody.json', *size], 'nobody detected in 0 frames'),
            'all-zero keypoints': ([d/'zeros.npy', '--joints', 'coco', *size], 'all keypoints are zero'),
            'unknown format': ([d/'clip.mp4', *size], 'unknown input format')}

def test_bad_input_one_line(clip, tmp_path, capsys):
    "Each bad input ends with exit status 2 and one line `scjd lift: ...` on stderr (two of them checked in a fresh process)."
    cases = _bad_inputs(tmp_path)
    cases['missing image size'] = ([clip['dir']/'walk.json', '--fps', 30], 'image size unknown; pass width and height')
    cases['missing frame rate'] = ([clip['dir']/'walk.json', '--width', 1000, '--height', 1000], 'frame rate unknown')
    for name, (args, msg) in cases.items():
        with pytest.raises(SystemExit) as e: cli_lift([str(a) for a in args] + ['--model', str(clip['model']), '--out', str(tmp_path/'o'), '--quiet'])
        err = capsys.readouterr().err.strip().splitlines()
        assert e.value.code == 2 and len(err) == 1 and err[0].startswith('scjd lift: ') and msg in err[0], (name, err)
    for name in ('missing image size', 'unknown format'):
        args, msg = cases[name]
        r = run_lift(*args, '--model', clip['model'], '--out', tmp_path/'o', '--quiet')
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith('scjd lift: ') and msg in lines[0], (name, r.stderr)
        assert 'Traceback' not in r.stderr

def test_dispatcher_knows_lift(capsys):
    from scjd.cli import main
    with pytest.raises(SystemExit) as e: main(['lift', '--help'])
    assert e.value.code == 0 and '--model' in capsys.readouterr().out
