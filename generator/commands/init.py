"""``digest init DIR``: a new site repository of one's own, digest installed as a package.

It writes ``digest.yaml`` (title, sources, a starter taxonomy for the chosen
categories), an empty ``seeds/``, the GitHub Actions workflow that fetches,
commits, builds and deploys every day, a ``.gitignore`` and a README. The
workflow installs digest pinned to one commit or version, so a site changes
only when its owner moves the pin. Nothing is ever overwritten: if any of the
files exists, nothing is written at all.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from generator.config.digest_yaml import load_config
from generator.config.source_specs import category_problem
from generator.core.errors import DigestError, Source, UsageError
from generator.core.text import CONTROL_CHARACTERS

STARTER = Path(__file__).resolve().parent.parent / "starter"
_COMMIT = re.compile(r"[0-9a-f]{40}")
#: A pinned requirement: ``name==version``, or a git URL at a full commit.
_PINNED = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+|(?:digest @ )?git\+https://[^\s'\"@]+@[0-9a-f]{40}"
)

#: Starter topics by arXiv archive (``cs.LG`` → ``cs.LG`` then ``cs``); ``hf``
#: is Hugging Face's mostly machine-learning daily list. Keywords are apart by ``|``.
TOPICS: dict[str, list[tuple[str, str]]] = {
    "hf": [
        ("Language models", "language model|LLM|large language models|instruction tuning"),
        ("Reasoning", "reasoning|chain-of-thought|math problems"),
        ("Multimodal models", "multimodal|vision-language|VLM|MLLM"),
        ("Image and video generation", "diffusion|text-to-image|video generation"),
        ("Agents", "agent|agents|tool use"),
        ("Reinforcement learning", "reinforcement learning|RL|reward model"),
    ],
    "cs.LG": [
        ("Reinforcement learning", "reinforcement learning|policy gradient|reward"),
        ("Generative models", "diffusion|generative model|GAN|VAE|flow matching"),
        ("Graph learning", "graph neural network|GNN|graph learning"),
        ("Optimisation", "optimization|optimisation|gradient descent|convergence"),
        ("Language models", "language model|LLM|transformer"),
    ],
    "cs.CV": [
        ("Detection and segmentation", "object detection|segmentation|detector"),
        ("3D vision", "3D|point cloud|NeRF|Gaussian splatting|depth estimation"),
        ("Video", "video|action recognition|tracking"),
        ("Image generation", "diffusion|text-to-image|image editing"),
        ("Vision-language", "vision-language|CLIP|VLM|captioning"),
    ],
    "cs.CL": [
        ("Language models", "language model|LLM|pretraining|pre-training"),
        ("Machine translation", "machine translation|translation|multilingual"),
        ("Question answering", "question answering|retrieval-augmented|RAG"),
        ("Evaluation", "benchmark|evaluation|leaderboard"),
    ],
    "cs.RO": [
        ("Manipulation", "manipulation|grasping|dexterous"),
        ("Navigation and mapping", "navigation|SLAM|localization|mapping"),
        ("Robot learning", "imitation learning|policy learning|sim-to-real"),
    ],
    "stat": [
        ("Bayesian methods", "Bayesian|posterior|MCMC|variational inference"),
        ("Causal inference", "causal|treatment effect|instrumental variable"),
        ("High-dimensional statistics", "high-dimensional|sparse|lasso"),
    ],
    "math": [
        ("Stochastic processes", "stochastic process|Brownian motion|Markov chain|martingale"),
        ("Random matrices", "random matrix|random matrices|eigenvalue"),
        ("Percolation and random graphs", "percolation|random graph|random graphs"),
        ("Partial differential equations", "PDE|partial differential equation|elliptic|parabolic"),
    ],
    "q-bio": [
        ("Genomics", "genome|genomic|gene expression|sequencing|single-cell"),
        ("Neuroscience", "neuron|neurons|neural activity|brain|cortex"),
        ("Proteins", "protein|proteins|protein structure|folding"),
        ("Evolution and ecology", "evolution|evolutionary|phylogenetic|population|ecology"),
    ],
}  # fmt: skip
GENERAL = [
    ("Datasets and benchmarks", "dataset|benchmark|benchmarks"),
    ("Surveys", "survey|review|overview"),
    ("Theory", "theorem|proof|bound|bounds"),
]


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("dir", type=Path, help="folder of the new site (created if missing)")
    command.add_argument("--title", default="Paper digest", help="the site's name")
    command.add_argument(
        "--source",
        default="hf",
        help="hf (Hugging Face Daily Papers, the default) or arxiv:CATEGORY[,CATEGORY...]",
    )
    command.add_argument(
        "--package",
        help="what the workflow installs: 'git+https://github.com/OWNER/digest@COMMIT' "
        "or 'NAME==VERSION' (default: where this digest was installed from)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the new site; print what was written and what to do next."""
    title = args.title.strip()
    if not title or CONTROL_CHARACTERS.search(title) or "\n" in title:
        raise UsageError(f"--title {args.title!r}: one line of text")
    categories = _categories(args.source)
    names = starter_files(title, categories, "").keys()
    if existing := [name for name in names if (args.dir / name).exists()]:
        raise DigestError(
            "already exists; digest init writes a new site and overwrites nothing",
            source=Source(str(args.dir / existing[0])),
        )
    package = args.package if args.package is not None else installed_from()
    if not _PINNED.fullmatch(package):
        raise UsageError(
            f"--package {package!r} is not pinned: give NAME==VERSION or a git URL @ a full commit"
        )
    files = starter_files(title, categories, package)
    for name, text in files.items():
        path = args.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    load_config(args.dir / "digest.yaml")  # what was written must be what digest reads
    print(f"wrote a new digest in {args.dir}/: {', '.join(files)}")
    print(f"its workflow installs {package}")
    print(f"next: cd {args.dir} && digest fetch && digest build  (README.md says how to publish)")
    return 0


def _categories(source: str) -> tuple[str, ...]:
    """``()`` for Hugging Face, else the arXiv categories of ``arxiv:CAT[,CAT…]``."""
    if source == "hf":
        return ()
    kind, _, listed = source.partition(":")
    categories = tuple(dict.fromkeys(c.strip() for c in listed.split(",") if c.strip()))
    if kind != "arxiv" or not categories:
        raise UsageError(f"--source {source!r}: expected hf or arxiv:CATEGORY[,CATEGORY...]")
    for category in categories:
        if problem := category_problem(category):
            raise UsageError(f"--source: {problem}")
    return categories


def installed_from(checkout: Path = STARTER.parent.parent) -> str:
    """A pinned requirement for the digest running now: the git URL and commit
    pip recorded (PEP 610), or those of the git checkout it runs from; only
    an https URL, which the workflow can reach."""
    try:
        recorded = metadata.distribution("digest").read_text("direct_url.json")
        origin = json.loads(recorded or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        origin = {}
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if (
        isinstance(vcs, dict)
        and vcs.get("vcs") == "git"
        and _COMMIT.fullmatch(str(vcs.get("commit_id")))
        and str(origin.get("url")).startswith("https://")
    ):
        return f"git+{_public(str(origin.get('url')))}@{vcs['commit_id']}"
    url, commit = _git(checkout, "remote", "get-url", "origin"), _git(checkout, "rev-parse", "HEAD")
    if url.startswith("https://") and _COMMIT.fullmatch(commit):
        return f"git+{_public(url)}@{commit}"
    raise DigestError(
        "cannot tell where the workflow should install digest from (this one was installed "
        "from a local folder); give it with --package 'git+https://github.com/OWNER/digest@COMMIT'",
        source=Source("digest init"),
    )


def _public(url: str) -> str:
    """``url`` without a user name or token, which must never reach a workflow file."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _git(folder: Path, *args: str) -> str:
    if not (folder / ".git").exists():
        return ""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def starter_files(title: str, categories: tuple[str, ...], package: str) -> dict[str, str]:
    """Every file of the new site by its path, all written or none."""
    sources = f"arXiv {', '.join(categories)}" if categories else "Hugging Face Daily Papers"
    home = _home(package)

    def starter(name: str) -> str:
        text = (STARTER / name).read_text(encoding="utf-8")
        return (
            text.replace("@PACKAGE@", package)
            .replace("@TITLE@", title)
            .replace("@SOURCES@", sources)
            .replace("@HOME@", home)
        )

    return {
        "digest.yaml": config_text(title, categories),
        "seeds/.gitkeep": "",
        ".github/workflows/pages.yml": starter("pages.yml"),
        ".gitignore": starter("gitignore"),
        "README.md": starter("README.md"),
    }


def _home(package: str) -> str:
    """Where digest lives, for the new site's README: its repository or its PyPI page."""
    if "git+" in package:
        return package.split("git+", 1)[1].rsplit("@", 1)[0].removesuffix(".git")
    name = package.split("==", 1)[0]
    return f"https://pypi.org/project/{name}/" if name else "https://pypi.org/"


def config_text(title: str, categories: tuple[str, ...]) -> str:
    """``digest.yaml``, with comments saying what each part is for."""
    if categories:
        source = yaml.safe_dump(
            [{"source": "arxiv", "categories": list(categories)}],
            default_flow_style=None,
            sort_keys=False,
        )
    else:
        source = "- source: hf\n"
    lines = [
        "# The settings of this digest; README.md of digest lists every key.",
        yaml.safe_dump({"title": title}, allow_unicode=True, width=1000).rstrip(),
        "description: New papers every day, grouped by topic.",
        "",
        "# What `digest fetch` stores in seeds/: hf (Hugging Face Daily Papers),",
        "# arxiv (categories' new submissions) or feed (any RSS, Atom or JSON Feed):",
        "#   - source: feed",
        "#     url: https://connect.biorxiv.org/biorxiv_xml/neuroscience",
        "#     name: biorxiv",
        "sources:",
        *("  " + line for line in source.rstrip().splitlines()),
        "",
        "# A paper goes in every topic one of whose keywords its title or abstract",
        "# holds (spelling variants count as different words: list them all), and",
        "# papers that match none go in Other. A start for the sources above:",
        "# after a few days, `digest topics` shows how the papers divide and",
        "# `digest check` lists those no topic took.",
        "topics:",
    ]
    for name, keywords in starter_topics(categories):
        lines.append(f"  - name: {name}")
        lines.append(f"    keywords: [{', '.join(keywords)}]")
    return "\n".join(lines) + "\n"


def starter_topics(categories: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """The starter topics of the categories' archives, each name once, then the general ones."""
    chosen: dict[str, list[str]] = {}
    for category in categories or ("hf",):
        archive = category.split(".")[0]
        for name, keywords in TOPICS.get(category) or TOPICS.get(archive) or []:
            chosen.setdefault(name, keywords.split("|"))
    for name, keywords in GENERAL:
        chosen.setdefault(name, keywords.split("|"))
    return list(chosen.items())
