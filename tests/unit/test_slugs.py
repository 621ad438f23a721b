"""Organisation slugs (issue 20, part 1): readable for Chinese names, chosen ones checked."""

from __future__ import annotations

import pytest

from service.errors import Conflict, InvalidInput
from service.orgs.slugs import MAX_LENGTH, PATTERN, chosen_slug, free_slug, slugify


def nothing_taken(slug: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("金华火腿食品", "jin-hua-huo-tui-shi-pin"),
        ("重庆火锅", "chong-qing-huo-guo"),  # the phrase's reading (chong, not zhong)
        ("西安", "xi-an"),  # not "xian" (先)
        ("绿源", "lv-yuan"),
        ("Acme 食品", "acme-shi-pin"),
        ("ABC食品", "abc-shi-pin"),
        ("Café 北京", "cafe-bei-jing"),
        ("Acme Farms (demo)", "acme-farms-demo"),
        ("\uff21\uff23\uff2d\uff25", "acme"),  # full-width Latin
        ("!!!", "org"),
        ("サクラ", "org"),  # nothing to transliterate
    ],
)
def test_names_become_readable_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_long_name_is_cut_between_syllables() -> None:
    slug = slugify("浙江金华火腿食品有限公司")
    assert slug == "zhe-jiang-jin-hua-huo-tui-shi-pin-you-xian-gong"
    assert len(slug) <= MAX_LENGTH and PATTERN.fullmatch(slug)
    assert len(slugify("a" * 60)) == MAX_LENGTH


def test_a_taken_or_reserved_slug_gets_a_number_within_the_length() -> None:
    long_name = "浙江金华火腿食品有限公司"
    first = slugify(long_name)
    again = free_slug(long_name, lambda s: s == first)
    assert again == "zhe-jiang-jin-hua-huo-tui-shi-pin-you-xian-2"
    assert free_slug("Service", nothing_taken) == "service-2"
    assert free_slug("Admin", nothing_taken) == "admin-2"
    assert free_slug("!!!", lambda s: s in {"org", "org-2"}) == "org-3"


@pytest.mark.parametrize("slug", ["jinhua-ham", "a", "acme-2", "x" * MAX_LENGTH])
def test_a_well_formed_free_slug_is_kept(slug: str) -> None:
    assert chosen_slug(slug, nothing_taken) == slug


@pytest.mark.parametrize(
    "slug",
    [
        "",
        "Acme",
        "acme--farms",
        "-acme",
        "acme-",
        "acme_farms",
        "lotproof:public",
        "金华",
        "x" * (MAX_LENGTH + 1),
    ],
)
def test_a_malformed_slug_is_refused(slug: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        chosen_slug(slug, nothing_taken)
    assert refused.value.field == "slug"


@pytest.mark.parametrize("slug", ["lotproof", "public", "service", "admin"])
def test_a_reserved_slug_is_refused(slug: str) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        chosen_slug(slug, nothing_taken)


def test_a_taken_slug_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        chosen_slug("acme", lambda s: s == "acme")
