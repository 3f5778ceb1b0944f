"`scjd demo` end to end at the tiny preset: trains the three models, evaluates them, writes the report."
import json
from pathlib import Path
from scjd.cli import cli_demo

def test_demo_tiny(tmp_path, capsys):
    out = tmp_path / 'demo'
    assert cli_demo(['--preset', 'tiny', '--out', str(out), '--no-progress', '--device', 'cpu']) == 0
    printed = capsys.readouterr().out
    assert 'MPJPE' in printed and 'P-MPJPE' in printed and 'SCJD student' in printed
    for f in ('report.md', 'report.json', 'loss.png', 'results.png', 'results.html',
              'teacher/model.pt', 'student_scjd/model.pt', 'student_plain/model.pt', 'student_scjd/log.jsonl'):
        assert (out / f).exists(), f
    rep = json.loads((out / 'report.json').read_text())
    s = rep['results']['summary']
    assert len(s) == 3 and all(v['MPJPE'] > 0 and v['P-MPJPE'] > 0 for v in s.values())
    assert rep['config']['f_teacher'] == 9 and set(rep['times_s']) >= {'teacher_s', 'student_scjd_s', 'student_plain_s', 'evaluate_s'}
