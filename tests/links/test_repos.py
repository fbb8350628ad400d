"""GitHub repository URLs -> owner/name: table-driven."""

from __future__ import annotations

import pytest

from feedhub.links.repos import find_repos, normalize_repo, repo_url

NORMALIZE = [
    ("https://github.com/karpathy/nanoGPT", "karpathy/nanogpt"),
    ("https://github.com/karpathy/nanoGPT/", "karpathy/nanogpt"),
    ("http://www.github.com/karpathy/nanoGPT", "karpathy/nanogpt"),
    ("github.com/karpathy/nanoGPT", "karpathy/nanogpt"),
    ("https://github.com/karpathy/nanoGPT.git", "karpathy/nanogpt"),
    ("https://github.com/karpathy/nanoGPT/tree/master/config", "karpathy/nanogpt"),
    ("https://github.com/karpathy/nanoGPT/blob/master/train.py#L10", "karpathy/nanogpt"),
    ("https://github.com/karpathy/nanoGPT?tab=readme-ov-file", "karpathy/nanogpt"),
    ("https://github.com/karpathy/nanoGPT/issues/12", "karpathy/nanogpt"),
    ("https://github.com/huggingface/transformers/releases/tag/v4.0.0", "huggingface/transformers"),
    ("git@github.com:pytorch/pytorch.git", "pytorch/pytorch"),
    ("https://api.github.com/repos/pytorch/pytorch", "pytorch/pytorch"),
    ("https://raw.githubusercontent.com/pytorch/pytorch/main/README.md", "pytorch/pytorch"),
    ("pytorch/pytorch", "pytorch/pytorch"),
    ("some-org/my.repo_name-2", "some-org/my.repo_name-2"),
    # not repositories
    ("https://github.com/features/copilot", None),
    ("https://github.com/orgs/openai/repositories", None),
    ("https://github.com/topics/machine-learning", None),
    ("https://github.com/sponsors/karpathy", None),
    ("https://github.com/settings/profile", None),
    ("https://github.com/marketplace/actions/checkout", None),
    ("https://github.com/about/careers", None),
    ("https://github.com/login/oauth", None),
    ("https://github.com/karpathy", None),  # a profile
    ("https://gist.github.com/karpathy/d4dee566867f8291f086", None),
    ("https://karpathy.github.io/2015/05/21/rnn", None),
    ("https://gitlab.com/foo/bar", None),
    ("https://notgithub.com/foo/bar", None),
    ("https://github.com/-bad/repo", None),
    ("https://github.com/foo/..", None),
    ("see https://github.com/foo/bar", None),  # text around a URL is not a repository value
    ("", None),
]


@pytest.mark.parametrize("value,expected", NORMALIZE)
def test_normalize_repo(value: str, expected: str | None) -> None:
    assert normalize_repo(value) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Code: https://github.com/carpedm20/ENAS-pytorch.", ["carpedm20/enas-pytorch"]),
        ("(https://github.com/a/b) and github.com/c/d, and https://github.com/A/B/tree/x", ["a/b", "c/d"]),
        ('<a href="https://github.com/uber/horovod">Horovod</a>', ["uber/horovod"]),
        ("Star us at https://github.com/topics/nlp or https://github.com/sponsors/x", []),
        ("no links here", []),
        ("mygithub.com/a/b", []),
    ],
)
def test_find_repos(text: str, expected: list[str]) -> None:
    assert find_repos(text) == expected


def test_repo_url() -> None:
    assert repo_url("karpathy/nanogpt") == "https://github.com/karpathy/nanogpt"
