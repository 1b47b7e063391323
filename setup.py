"""Moroccan news security pipeline (Apache Beam).

``pip install .`` installs the ``pipeline`` and ``transforms`` packages plus
the YAML/SQL configs and the classifier model as package data, which is also
what Dataflow workers get through ``--setup_file ./setup.py``.
"""
from setuptools import find_packages, setup

REQUIRES = [
    # Pinned to the minor versions the tests and benchmarks ran on: extraction
    # output (trafilatura), runner behaviour (Beam) and time-zone data (DuckDB)
    # change between minor releases.
    "apache-beam[gcp]~=2.77.0",
    "trafilatura~=2.3.1",
    "lxml_html_clean>=0.4",   # justext (used by trafilatura) imports lxml.html.clean, split out of lxml 5.2+
    "feedparser~=6.0.11",
    "langdetect==1.0.9",
    "duckdb~=2.0.0",
    "PyYAML>=6",
    "requests>=2.31",
    "charset-normalizer>=3",
    # URL canonicalisation (IRI/URI and percent-encoding variants of one link):
    # Scrapy's w3lib rather than hand-written normalisation (transforms/urls.py).
    "w3lib>=2.1",
    # The public-suffix list (bundled) for "same registrable domain" checks of
    # rel=canonical; already installed with trafilatura (courlan depends on it).
    "tld>=0.13",
    "google-cloud-bigquery>=3.20",
    "python-dateutil>=2.8",
    "numpy>=1.24",
    "plotly>=5.20",
    # MinHash sketches for near-duplicate story clusters (transforms/signatures.py): the
    # maintained reference implementation; 2.0 brought the affine32 scheme the stored
    # signatures use (uint32 values), so signatures made by 1.x would not compare.
    "datasketch~=2.0",
    # The progress line of long local runs (pipeline/progress.py): a well-kept terminal progress
    # library that handles in-place redraws, terminal width and the closing newline.
    "tqdm>=4.66",
]

setup(
    name="morocco-news-security",
    version="0.1.0",
    description="Beam pipeline: Moroccan news feeds -> clean Arabic text -> security labels -> warehouse",
    python_requires=">=3.10",
    packages=find_packages(include=["pipeline", "pipeline.*", "transforms", "transforms.*", "configs",
                                    "benchmarks"]),
    package_data={
        "configs": ["*.yaml", "sql/*/*.sql", "models/*.json", "models/*.md", "models/*.jsonl"],
        # the report map's outline (Natural Earth, public domain) with its README and licence
        "pipeline.report": ["geodata/*.geojson", "geodata/*.md"],
        "pipeline.sample": ["site/*", "site/*/*", "site/*/*/*", "site/*/*/*/*", "site/*/*/*/*/*",
                            "site/*/*/*/*/*/*"],
    },
    include_package_data=True,
    install_requires=REQUIRES,
    extras_require={
        # hypothesis: property-based tests of the parsers, canonicalisers and cleaners, and of the
        # near-duplicate signatures and band index (DEVELOPERS.md; issue 13 item 9, issue 20)
        "test": ["pytest>=7", "scikit-learn>=1.3", "websockets>=12", "hypothesis>=6.100"],
        "train": ["scikit-learn>=1.3"],
        # only to rebuild pipeline/report/geodata/morocco_outline.geojson from Natural Earth
        # (build_outline.py: edges and simplification); the report reads the built file with json
        "geodata": ["shapely>=2", "pyshp>=2.3"],
    },
    entry_points={"console_scripts": ["morocco-news=pipeline.cli:console"]},
)
