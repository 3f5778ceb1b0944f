"nbdev-2-style setup: all package metadata comes from `settings.ini`."
from configparser import ConfigParser
from pathlib import Path
import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=['='])
cfg.read(here/'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

for k in 'version description keywords author author_email license min_python lib_name git_url'.split():
    if k not in cfg: raise ValueError(f"settings.ini is missing the key {k!r}")

statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable']
py_versions = '3.10 3.11 3.12 3.13'.split()
min_python = cfg['min_python']

requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
onnx_requirements = cfg.get('onnx_requirements', '').split()
console_scripts = cfg.get('console_scripts', '').split()

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=(here/'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    keywords=cfg['keywords'].split(),
    author=cfg['author'], author_email=cfg['author_email'],
    url=cfg['git_url'],
    license='Apache-2.0' if cfg['license'] == 'apache2' else cfg['license'],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'],
                 'Natural Language :: ' + cfg['language']]
                + [f'Programming Language :: Python :: {v}' for v in py_versions[py_versions.index(min_python):]],
    # scjd/assets holds data only (no __init__.py): named as a package so that setuptools ships it without a warning
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']) + [cfg['lib_name'] + '.assets'],
    include_package_data=True,
    package_data={cfg['lib_name'] + '.assets': ['*.pt']},   # the shipped teacher and students (scjd.checkpoint.SHIPPED)
    python_requires='>=' + min_python,
    install_requires=requirements,
    extras_require={'dev': dev_requirements + onnx_requirements, 'onnx': onnx_requirements},
    entry_points={'console_scripts': console_scripts,
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
