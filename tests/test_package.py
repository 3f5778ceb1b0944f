"Packaging: the version is single-sourced and the package imports without `../shared` or the notebooks."
import configparser, subprocess, sys
from pathlib import Path
import scjd

ROOT = Path(__file__).resolve().parents[1]

def test_version_matches_settings():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    assert scjd.__version__ == cfg['DEFAULT']['version']

def test_import_from_elsewhere(tmp_path):
    "Importing every module from an unrelated folder must not touch ../shared or nbs/."
    code = ("import importlib, pkgutil, scjd; "
            "[importlib.import_module('scjd.'+m.name) for m in pkgutil.iter_modules(scjd.__path__) if not m.name.startswith('_')]; print('ok')")
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stderr

def test_imports_without_the_onnx_extra(tmp_path):
    "onnx / onnxscript / onnxruntime are an optional extra: without them every module imports and `scjd export` says so in one line."
    code = ("import sys; sys.modules.update(onnx=None, onnxscript=None, onnxruntime=None); "
            "import importlib, pkgutil, scjd; "
            "[importlib.import_module('scjd.'+m.name) for m in pkgutil.iter_modules(scjd.__path__) if not m.name.startswith('_')]; "
            "from scjd.complexity import ONNX_MISSING; from scjd.cli import main; "
            f"print(ONNX_MISSING, main(['export', '--out', {str(tmp_path / 'o')!r}]))")
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "['onnx', 'onnxscript', 'onnxruntime'] 2", (r.stdout, r.stderr)
    assert r.stderr.strip() == 'scjd export: needs onnx, onnxscript, onnxruntime: pip install -e ".[onnx]"', r.stderr
