"""General English: real words, their frequency, and typo repair that prefers a library's words."""

from chatbot.english import English, edits, english

SMALL = English.from_lines(["the 1000000", "school 5000", "system 3000", "sister 4000", "hospital 800",
                            "site 900", "bad line", "receive 700"])


def test_common_words_are_more_frequent_than_rare_ones():
    assert SMALL.zipf("the") > SMALL.zipf("school") > SMALL.zipf("receive") > 0
    assert SMALL.zipf("pembrolizumab") == 0.0


def test_a_real_word_is_never_mended():
    assert SMALL.correct("school") is None
    assert SMALL.correct("infusion", prefer={"infusion"}) is None


def test_one_edit_away_is_found_and_the_commoner_word_wins():
    assert SMALL.correct("recieve") == "receive"
    assert SMALL.correct("sistem") == "sister"  # one edit from both: the commoner
    assert SMALL.correct("sistem", prefer={"system"}) == "system"  # unless the leaflets use the other


def test_two_edits_only_for_longer_words():
    assert SMALL.correct("hospitle") == "hospital"
    assert SMALL.correct("scool") == "school"
    assert SMALL.correct("xyz") is None


def test_leaflet_words_unknown_to_english_are_targets():
    assert SMALL.correct("immunotheraphy", prefer={"immunotherapy"}) == "immunotherapy"


def test_edits_covers_each_kind_of_slip():
    assert {"ab", "ba", "abx", "xbc"} <= edits("abc") | edits("ab") - {"ab"} | {"ab"}
    assert "acb" in edits("abc") and "ac" in edits("abc") and "abcd" in edits("abc") and "abd" in edits("abc")


def test_the_shipped_dictionary_reads_patients_typos():
    en = english()
    assert en.is_word("school") and not en.is_word("hospitle")
    assert en.correct("hospitle") == "hospital"
    assert en.correct("wrk") == "work"
    assert en.zipf("school") > 5 > en.zipf("fertility") > 0


def test_every_word_of_the_shipped_dictionary_has_a_key_of_its_own():
    keys = english().keys
    assert len(keys) > 80_000
    assert all(a < b for a, b in zip(keys, keys[1:]))  # sorted and no two alike


def test_the_dictionary_survives_the_index_cache():
    copy = English.from_state(SMALL.to_state())
    assert copy.zipf("school") == SMALL.zipf("school") and copy.correct("recieve") == "receive"
