"""DistributedDataParallel: two CPU processes (gloo) started by torchrun train the same model; they must end with
identical weights, the loss must go down, and only rank 0 may write the run folder."""
import json, os, subprocess, sys, textwrap
from pathlib import Path
import pytest
import torch

WORKER = textwrap.dedent('''
    import os, sys, torch
    from pathlib import Path
    torch.set_num_threads(1)
    from scjd.config import preset
    from scjd.train import fit
    from scjd.runtime import setup_distributed, dist_info
    from scjd.distill.loss import RegressionLoss
    out = Path(sys.argv[1])
    rank, world = setup_distributed('gloo')
    assert world == 2, world

    class Shards:
        "Random windows, deterministic in (seed, epoch), each rank taking its own half of every batch."
        def __init__(self, n=256, f_t=9, batch_size=32, rank=0, world_size=1):
            g = torch.Generator().manual_seed(1234)
            self.x = torch.randn(n, f_t, 17, 2, generator=g)
            w = torch.randn(f_t * 34, 51, generator=g) / 20
            self.y = (self.x.flatten(1) @ w).view(n, 1, 17, 3)
            self.b, self.rank, self.world, self.epoch = batch_size // world_size, rank, world_size, 0
        def set_epoch(self, e): self.epoch = e
        def __len__(self): return len(self.x) // self.world // self.b
        def __iter__(self):
            perm = torch.randperm(len(self.x), generator=torch.Generator().manual_seed(self.epoch))[self.rank::self.world]
            for i in range(len(self)):
                j = perm[i * self.b:(i + 1) * self.b]
                yield self.x[j], self.x[j][:, 1::3], self.y[j]

    torch.manual_seed(0)                       # same initial weights on both ranks (DDP also broadcasts rank 0's)
    model = torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.Linear(9 * 34, 51), torch.nn.Unflatten(1, (1, 17, 3)))
    cfg = preset('tiny', epochs=3, max_steps=None, lr=1e-2, batch_size=32, device='cpu')
    torch.manual_seed(100 + rank)              # different RNG streams per rank must not matter
    hist = fit(model, RegressionLoss('teacher'), Shards(rank=rank, world_size=world), cfg, out / 'run')
    torch.save({'state': model.state_dict(), 'hist': hist}, out / f'rank{rank}.pt')
    # the real path: PoseFormer teacher on the tiny built-in data, WindowSampler sharded by rank
    from scjd.train import train_teacher, make_sampler
    from scjd.synthetic import load_synthetic
    tr = load_synthetic('tiny').sequences('train')
    cfg = preset('tiny', device='cpu', batch_size=32)
    s = make_sampler(cfg, tr)
    assert (s.rank, s.world_size, s.batch_size) == (rank, 2, 16)
    ids = s.epoch_plan()[0]
    torch.save(ids, out / f'ids{rank}.pt')
    model, hist = train_teacher(cfg, tr, out / 'teacher')
    torch.save({'state': model.state_dict(), 'hist': hist}, out / f'teacher{rank}.pt')
    torch.distributed.destroy_process_group()
''')

def test_ddp_two_cpu_processes(tmp_path):
    script = tmp_path / 'worker.py'
    script.write_text(WORKER)
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(Path(__file__).resolve().parents[1])}
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nnodes', '1', '--nproc_per_node', '2',
           str(script), str(tmp_path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=110)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-6000:]
    a, b = (torch.load(tmp_path / f'rank{i}.pt') for i in (0, 1))
    for k in a['state']: assert torch.equal(a['state'][k], b['state'][k]), f'ranks disagree on {k}'
    # both ranks log the same all-reduced epoch means
    assert [h['reg'] for h in a['hist']] == pytest.approx([h['reg'] for h in b['hist']])
    losses = [h['reg'] for h in a['hist']]
    assert losses[-1] < 0.8 * losses[0], losses
    # only rank 0 wrote the run folder, one log line per epoch
    log = [json.loads(l) for l in (tmp_path / 'run' / 'log.jsonl').read_text().splitlines()]
    assert [r['epoch'] for r in log] == [1, 2, 3]
    assert (tmp_path / 'run' / 'checkpoints' / 'last.pt').exists()
    assert not list((tmp_path / 'run').glob('.*tmp*'))
    # real teacher: ranks agree, saw disjoint halves of the epoch, rank 0 wrote model.pt
    a, b = (torch.load(tmp_path / f'teacher{i}.pt') for i in (0, 1))
    for k in a['state']: assert torch.equal(a['state'][k], b['state'][k]), f'teacher ranks disagree on {k}'
    i0, i1 = (torch.load(tmp_path / f'ids{i}.pt') for i in (0, 1))
    assert len(i0) == len(i1) and not set(i0.tolist()) & set(i1.tolist())
    assert (tmp_path / 'teacher' / 'model.pt').exists() and len((tmp_path / 'teacher' / 'log.jsonl').read_text().splitlines()) == 2
