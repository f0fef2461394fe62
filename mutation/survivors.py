"""How each surviving mutant is accounted for, keyed by its label ``file:line: description``.

A survivor is either killed by a test added since (the note names it; ``--recheck`` runs the
survivor again and records whether it is killed now, so the claim is measured) or
equivalent: no input can tell it from the original (a note starting with "equivalent" says
why). Line numbers are those of the commit the run used (results.md shows it per target);
after product edits move lines, run again and re-key.
"""

from __future__ import annotations

_KILLS = "tests/test_mutation_kills.py::"

SURVIVORS: dict[str, str] = {
    # -- lru.py ------------------------------------------------------------------------
    "ninek_graph/lru.py:24: `0` -> `1`": _KILLS + "test_lru_budget_below_zero_is_zero",
    "ninek_graph/lru.py:32: `>` -> `>=`": _KILLS + "test_lru_of_zero_entries_accepts_nothing",
    "ninek_graph/lru.py:32: `0` -> `1`": _KILLS + "test_lru_of_one_entry_keeps_one",
    "ninek_graph/lru.py:38: statement deleted": _KILLS
    + "test_lru_get_protects_an_entry_from_eviction",
    "ninek_graph/lru.py:48: `-=` -> `+=`": _KILLS
    + "test_lru_replacing_a_key_counts_only_the_new_value",
    "ninek_graph/lru.py:48: statement deleted": _KILLS
    + "test_lru_replacing_a_key_counts_only_the_new_value",
    "ninek_graph/lru.py:51: `>` -> `>=`": _KILLS
    + "test_lru_filled_exactly_to_both_caps_keeps_everything",
    # -- membership.py -----------------------------------------------------------------
    "ninek_graph/membership.py:25: `2005` -> `2006`": _KILLS
    + "test_existence_ending_exactly_in_the_document_year_closes_the_period",
    "ninek_graph/membership.py:61: `<=` -> `<`": _KILLS
    + "test_existence_ending_exactly_in_the_document_year_closes_the_period",
    "ninek_graph/membership.py:77: `<=` -> `<`": _KILLS
    + "test_existence_ending_exactly_in_the_document_year_closes_the_period",
    "ninek_graph/membership.py:107: `7` -> `8`": _KILLS
    + "test_all_members_boundaries_of_the_overlap (a stated count of seven)",
    "ninek_graph/membership.py:28: `True` -> `False`": _KILLS + "test_members_are_immutable_values",
    "ninek_graph/membership.py:36: `True` -> `False`": _KILLS + "test_members_are_immutable_values",
    # -- negotiation.py ----------------------------------------------------------------
    "ninek_graph/negotiation.py:66: `1` -> `2`": _KILLS + "test_negotiation_specificity_values",
    "ninek_graph/negotiation.py:71: `.lower()` dropped": _KILLS
    + "test_negotiation_is_case_insensitive_on_both_sides",
    "ninek_graph/negotiation.py:73: `.lower()` dropped": _KILLS
    + "test_negotiation_is_case_insensitive_on_both_sides",
    "ninek_graph/negotiation.py:90: `1` -> `2`": _KILLS
    + "test_negotiation_unquotes_quoted_parameter_values",
    "ninek_graph/negotiation.py:91: `.lower()` dropped": _KILLS
    + "test_negotiation_is_case_insensitive_on_both_sides",
    "ninek_graph/negotiation.py:105: `.lower()` dropped": _KILLS
    + "test_negotiation_is_case_insensitive_on_both_sides",
    "ninek_graph/negotiation.py:119: `1.0` -> `2.0`": _KILLS
    + "test_negotiation_absent_header_is_any_type_at_full_quality",
    "ninek_graph/negotiation.py:128: `>` -> `>=`": _KILLS
    + "test_negotiation_first_of_duplicate_ranges_counts",
    "ninek_graph/negotiation.py:147: `>` -> `>=`": "equivalent: the key `(q, specificity, "
    "-position)` ends in the offered type's position, which is unique, so two keys are never "
    "equal and `>=` decides exactly as `>`.",
    # -- reconcile_index.py ------------------------------------------------------------
    "ninek_graph/reconcile_index.py:27: `True` -> `False`": "equivalent: `Candidate` is never "
    "hashed, compared or assigned to (reconcile() builds a new one to set `match`); "
    "`frozen=True` only guards future code.",
    "ninek_graph/reconcile_index.py:90: `0.0` -> `1.0`": "equivalent: the default is the "
    "score of an entity without labels; 0 or 1 (minus 5 outside the source) is below "
    "MIN_SCORE (50) either way, so the entity is never a candidate.",
    "ninek_graph/reconcile_index.py:95: `0.0` -> `1.0`": "equivalent: only candidates with "
    "`score >= MIN_SCORE` (50) reach `max(named, 0.0)`, and `named >= score`, so the maximum is "
    "`named` whether the floor is 0 or 1.",
    "ninek_graph/reconcile_index.py:126: `or` -> `and`": _KILLS
    + "test_suggest_finds_a_prefix_typed_without_spaces",
    "ninek_graph/reconcile_index.py:129: `1` -> `2`": _KILLS
    + "test_suggest_finds_a_prefix_of_the_second_word",
    "ninek_graph/reconcile_index.py:145: return value -> `None`": _KILLS
    + "test_reconcile_type_strict_all",
    "ninek_graph/reconcile_index.py:145: `==` -> `!=`": _KILLS + "test_reconcile_type_strict_all",
    "ninek_graph/reconcile_index.py:160: `<=` -> `<`": _KILLS
    + "test_reconcile_year_filter_includes_both_ends_of_a_span",
    "ninek_graph/reconcile_index.py:166: `and` -> `or`": "equivalent: with `or`, a value that "
    "is not all digits but shorter than four is zero-filled too (`-12` to `-012`, `x` to "
    "`000x`), and one of four or more digits is unchanged by `zfill(4)`; municipality numbers "
    "are four digits, so a value with a non-digit matches none either way.",
    "ninek_graph/reconcile_index.py:172: `==` -> `!=`": _KILLS
    + "test_reconcile_category_filter_folds_the_value",
    "ninek_graph/reconcile_index.py:176: return value -> `None`": "equivalent: `_has_value` is "
    "only read by `all(...)`, where `None` and `False` are the same.",
    # -- reconcile_match.py ------------------------------------------------------------
    "ninek_graph/reconcile_match.py:65: `1` -> `2`": _KILLS
    + "test_edit_distance_matches_the_textbook_table_at_every_limit",
    "ninek_graph/reconcile_match.py:71: `1` -> `2`": _KILLS
    + "test_edit_distance_matches_the_textbook_table_at_every_limit",
    "ninek_graph/reconcile_match.py:72: `==` -> `!=`": _KILLS
    + "test_edit_distance_matches_the_textbook_table_at_every_limit",
    "ninek_graph/reconcile_match.py:73: `2` -> `3`": _KILLS
    + "test_edit_distance_matches_the_textbook_table_at_every_limit",
    "ninek_graph/reconcile_match.py:86: `1` -> `2`": _KILLS + "test_similarity_floor",
    "ninek_graph/reconcile_match.py:95: `or` -> `and`": _KILLS
    + "test_words_with_digits_match_only_exactly",
    "ninek_graph/reconcile_match.py:106: `0.3` -> `0.6`": _KILLS
    + "test_name_score_weighs_a_left_out_small_word_at_0_3",
    "ninek_graph/reconcile_match.py:112: `10` -> `11`": _KILLS + "test_abbreviation_length_bounds",
    "ninek_graph/reconcile_match.py:138: return value -> `None`": _KILLS
    + "test_a_query_without_words_scores_zero",
    # -- canned.py ----------------------------------------------------------------------
    "ninek_graph/canned.py:34: `10` -> `11`": _KILLS
    + "test_canned_unknown_parameters_named_up_to_max_named",
    "ninek_graph/canned.py:45: `True` -> `False`": "equivalent: a `Parameter` is never hashed "
    "or assigned to (its `__post_init__` sets `variable` through `object.__setattr__`, which "
    "works frozen or not); `frozen=True` only guards future code.",
    "ninek_graph/canned.py:65: `or` -> `and`": _KILLS + "test_canned_integer_and_default_binding",
    "ninek_graph/canned.py:79: return value -> `None`": _KILLS
    + "test_canned_integer_and_default_binding",
    "ninek_graph/canned.py:80: return value -> `None`": _KILLS
    + "test_canned_integer_and_default_binding",
    "ninek_graph/canned.py:83: `True` -> `False`": "equivalent: a `CannedQuery` is never "
    "hashed or assigned to (the cache is keyed by the directory name); `frozen=True` only "
    "guards future code.",
    "ninek_graph/canned.py:95: `60` -> `61`": _KILLS
    + "test_canned_unknown_parameters_named_up_to_max_named",
    "ninek_graph/canned.py:96: `>` -> `>=`": _KILLS
    + "test_canned_unknown_parameters_named_up_to_max_named",
    "ninek_graph/canned.py:97: `+=` -> `-=`": _KILLS
    + "test_canned_unknown_parameters_named_up_to_max_named",
    "ninek_graph/canned.py:97: statement deleted": _KILLS
    + "test_canned_unknown_parameters_named_up_to_max_named",
    "ninek_graph/canned.py:120: statement deleted": _KILLS + "test_canned_header_lines",
    "ninek_graph/canned.py:67: statement deleted": _KILLS
    + "test_canned_integer_and_default_binding (NUL)",
    "ninek_graph/canned.py:74: `==` -> `!=`": _KILLS + "test_canned_integer_and_default_binding",
    "ninek_graph/canned.py:134: `4` -> `5`": "equivalent: the size of the cache of parsed query "
    "directories (`lru_cache(maxsize=4)`); the service reads one directory, the tests a few, "
    "and a miss only parses the files again.",
    # -- sparql_guard.py ---------------------------------------------------------------
    "ninek_graph/sparql_guard.py:97: `1` -> `2`": _KILLS
    + "test_guard_upper_cases_exactly_the_ascii_letters",
    "ninek_graph/sparql_guard.py:248: `+` -> `-`": _KILLS
    + "test_guard_resolves_a_relative_iri_against_a_base_without_path",
    "ninek_graph/sparql_guard.py:315: `1` -> `2`": _KILLS
    + "test_guard_counts_closing_brackets_once_on_other_readings",
    "ninek_graph/sparql_guard.py:363: return value -> `None`": "equivalent: "
    "`_may_be_less_than` is only read in an `and` condition, where `None` and `False` are "
    "the same.",
}
