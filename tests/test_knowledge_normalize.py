"""Normalisation: what users type on phones must reduce to one canonical form."""

from knowledge.normalize import normalize


def test_traditional_becomes_simplified() -> None:
    assert normalize("駐村幹部每月補助多少") == "驻村干部每月补助多少"


def test_full_width_and_case_fold() -> None:
    assert normalize("１２３１７ ＡＢＣ") == "12317 abc"


def test_fillers_and_particles_removed() -> None:
    assert normalize("请问一下，驻村干部怎么请假呢？") == "驻村干部怎么请假"
    assert normalize("麻烦问下低保标准是多少啊") == "低保标准是多少"


def test_emoji_and_punctuation_only_gives_empty() -> None:
    assert normalize("😀😀！？…") == ""
    assert normalize("") == ""


def test_punctuation_becomes_single_space() -> None:
    assert normalize("交接表，谁签字？") == "交接表 谁签字"
