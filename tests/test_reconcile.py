"""The reconciliation service (W3C Reconciliation API 0.2) on the real built graph.

The batch is the kind OpenRefine sends (a form field ``queries`` holding a JSON object of
queries); the expectations are the source's own spellings (agents.yaml) and the variants
researchers type. The 0.2 JSON schemas are not installed here (no jsonschema dependency), so
the manifest and result checks below restate their required fields and types.
"""

from __future__ import annotations

import json
import re

import pytest

from ninek_graph.app import create_app
from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.embedded import OxigraphBackend
from ninek_graph.reconcile import MAX_BATCH, MAX_TEXT
from ninek_graph.reconcile_match import Form, fold, name_score


@pytest.fixture(scope="module")
def backend(dist_dir):
    store = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"},
        workers=1)
    yield store
    store.close()


@pytest.fixture(scope="module")
def app(dist_dir, backend):
    return create_app({"dist": str(dist_dir)}, backend=backend)


@pytest.fixture()
def client(app):
    return app.test_client()


# -- the manifest --------------------------------------------------------------------------

def check_manifest(manifest: dict) -> None:
    """The 0.2 manifest schema (schemas/manifest.json): required fields and their shapes."""
    for name in ("versions", "name", "identifierSpace", "schemaSpace"):
        assert name in manifest, name
    assert isinstance(manifest["versions"], list) and "0.2" in manifest["versions"]
    assert all(isinstance(v, str) for v in manifest["versions"])
    for name in ("name", "identifierSpace", "schemaSpace"):
        assert isinstance(manifest[name], str) and manifest[name]
    template = re.compile(r".*\{\{id\}\}.*")
    assert template.match(manifest["view"]["url"])
    preview = manifest["preview"]
    assert template.match(preview["url"])
    assert isinstance(preview["width"], int) and isinstance(preview["height"], int)
    ids = [t["id"] for t in manifest["defaultTypes"]]
    assert len(ids) == len(set(ids))
    assert all(isinstance(t["id"], str) and isinstance(t["name"], str)
               for t in manifest["defaultTypes"])
    for service in manifest["suggest"].values():
        assert isinstance(service["service_url"], str)
        assert isinstance(service["service_path"], str)


def test_manifest_follows_the_0_2_schema(client):
    response = client.get("/reconcile")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    manifest = response.get_json()
    check_manifest(manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/ninek/"
    assert {t["id"] for t in manifest["defaultTypes"]} == {"project", "municipality",
                                                          "organisation"}
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert "extend" not in manifest


def test_manifest_urls_point_at_this_host(client):
    # a loopback host: any other Host, unless public_base is set, gets relative URLs
    # (ninek_graph/origin.py; tests/test_web_security.py)
    manifest = client.get("/reconcile", base_url="http://127.0.0.1:5000").get_json()
    assert manifest["view"]["url"] == "http://127.0.0.1:5000/{{id}}"
    # identifierSpace + id is the entity's IRI; the view maps it to the same path here.
    assert manifest["view"]["url"].replace("{{id}}", "project/geodata") == (
        "http://127.0.0.1:5000/project/geodata")
    preview = manifest["preview"]["url"].replace("{{id}}", "municipality%2Ftonsberg")
    assert client.get(preview.replace("http://127.0.0.1:5000", "")).status_code == 200
    suggest = manifest["suggest"]["entity"]
    path = (suggest["service_url"] + suggest["service_path"]).replace("http://127.0.0.1:5000", "")
    assert client.get(path + "?prefix=Tbg").get_json()["result"][0]["id"] == (
        "municipality/tonsberg")


def test_public_base_setting_is_used_in_the_manifest(dist_dir, backend):
    app = create_app({"dist": str(dist_dir), "public_base": "https://example.org/ninek"},
                     backend=backend)
    manifest = app.test_client().get("/reconcile").get_json()
    assert manifest["view"]["url"] == "https://example.org/ninek/{{id}}"
    assert manifest["preview"]["url"].startswith("https://example.org/ninek/reconcile/preview")


# -- a batch as OpenRefine sends it --------------------------------------------------------

BATCH = {
    "q0": {"query": "Tbg", "type": "municipality", "limit": 3},
    "q1": {"query": "Høykom"},
    "q2": {"query": "Uninett"},
    "q3": {"query": "Høgskolen", "type": "organisation"},
    "q4": {"query": "Fylkesmannen"},
    "q5": {"query": "Geodata", "type": "project", "properties": [{"pid": "year", "v": "2003"}]},
    "q6": {"query": "Toensberg"},
    "q7": {"query": "Re", "properties": [{"pid": "municipalityNumber", "v": "0716"}]},
    "q8": {"query": "HVE", "type": "organisation", "type_strict": "should"},
    "q9": {"query": "Høgskolen i Vestfold"},
    "q10": {"query": "HiVe"},
    "q11": {"query": "FM", "type": ["organisation", "municipality"]},
    "q12": {"query": "Fylkesmannen i Vestfold", "type": "organisation"},
    "q13": {"query": "fylkeskommunen"},
    "q14": {"query": "HØYKOM", "type": "organisation"},
    "q15": {"query": "Uninett ABC"},
    "q16": {"query": "VIS", "type": "project"},
    "q17": {"query": "SOLID", "type": "project"},
    "q18": {"query": "Vekst og bo 1", "type": "project"},
    "q19": {"query": "Tonsbreg", "type": "municipality"},
    "q20": {"query": "Nøteroy"},
    "q21": {"query": "fylkeskommune Vestfold"},
    "q22": {"query": "Sentralisert drift", "type": "project"},
    "q23": {"query": "Holmestrand", "type": "municipality"},
    "q24": {"query": "Sandefjord", "properties": [{"pid": "year", "v": 2000}]},
    "q25": {"query": "Tønsberg", "type": "planet"},
    "q26": {"properties": [{"pid": "municipalityNumber", "v": 704}]},
    "q27": {"query": "Horten",
            "properties": [{"pid": "organisationNumber", "v": "964 951 284"}]},
    "q28": {"properties": [{"pid": "category", "v": "driftsprosjekter"},
                           {"pid": "startYear", "v": "2003"}], "limit": 50},
    "q29": {"query": "https://w3id.org/ninek/project/geodata"},
    "q30": {"query": "BÆRUM"},
    "q31": {"query": "Borre", "type": "municipality"},
    "q32": {"query": "Vekst og bo", "type": "project"},
    "q33": {"query": "Geodata", "type": "project", "limit": 5},
}

# (query id, top candidate, its match flag)
EXPECTED_TOP = [
    ("q0", "municipality/tonsberg", True),
    ("q1", "organisation/hoykom", True),
    ("q2", "organisation/uninett", True),
    ("q3", "organisation/hve", True),
    ("q4", "organisation/fylkesmannen-i-vestfold", True),
    ("q5", "project/geodata", True),
    ("q6", "municipality/tonsberg", True),
    ("q7", "municipality/re", True),
    ("q8", "organisation/hve", True),
    ("q9", "organisation/hve", True),
    ("q10", "organisation/hve", False),  # an abbreviation, not near-exact
    ("q11", "organisation/fylkesmannen-i-vestfold", True),
    ("q12", "organisation/fylkesmannen-i-vestfold", True),
    ("q13", "organisation/vestfold-fylkeskommune", True),
    ("q14", "organisation/hoykom", True),
    ("q15", "organisation/uninett-abc", True),
    ("q16", "project/introduksjonsprogram-for-flyktninger", True),
    ("q17", "project/solid", True),
    ("q18", "project/vekst-og-bo-1", True),
    ("q19", "municipality/tonsberg", False),  # a typo: top candidate, not a match
    ("q20", "municipality/notteroy", False),
    ("q21", "organisation/vestfold-fylkeskommune", True),  # the main name, words reordered
    ("q22", "project/solid", False),
    ("q23", "municipality/holmestrand", False),  # namesake: Holmestrand after 2018
    ("q24", "municipality/sandefjord", True),  # the year leaves the pre-2017 Sandefjord
    ("q26", "municipality/tonsberg", True),
    ("q27", "municipality/horten", True),
    ("q29", "project/geodata", True),
    ("q30", "municipality/baerum", True),
    ("q31", "municipality/horten", True),  # Borre: Horten's name until 2002
    ("q32", "project/vekst-og-bo-1", False),
    ("q33", "project/geodata", True),
]


@pytest.fixture(scope="module")
def answer(app):
    response = app.test_client().post("/reconcile", data={"queries": json.dumps(BATCH)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def check_result_batch(batch: dict) -> None:
    """The 0.2 result batch schema (schemas/reconciliation-result-batch.json)."""
    for key, value in batch.items():
        assert isinstance(value["result"], list), key
        scores = []
        for candidate in value["result"]:
            assert isinstance(candidate["id"], str) and candidate["id"]
            assert isinstance(candidate["name"], str) and candidate["name"]
            assert isinstance(candidate["score"], int | float)
            assert 0 <= candidate["score"] <= 100
            assert isinstance(candidate["match"], bool)
            assert isinstance(candidate.get("description", ""), str)
            assert all(isinstance(t["id"], str) for t in candidate["type"])
            assert all(isinstance(f["id"], str) and isinstance(f["value"], bool | int | float)
                       for f in candidate["features"])
            scores.append(candidate["score"])
        assert scores == sorted(scores, reverse=True), key  # sorted by decreasing score
        assert sum(c["match"] for c in value["result"]) <= 1


def test_answer_has_every_query_and_the_result_shape(answer):
    assert set(answer) == set(BATCH)
    check_result_batch(answer)


@pytest.mark.parametrize(("key", "top", "match"), EXPECTED_TOP,
                         ids=[f"{k}-{BATCH[k].get('query', 'properties')}"
                              for k, _, _ in EXPECTED_TOP])
def test_ranked_candidates(answer, key, top, match):
    result = answer[key]["result"]
    assert result, f"{key}: no candidates"
    assert result[0]["id"] == top
    assert result[0]["match"] is match


def ids(answer, key):
    return [c["id"] for c in answer[key]["result"]]


def test_uninett_exact_ranks_above_uninett_abc_and_back(answer):
    assert ids(answer, "q2")[:2] == ["organisation/uninett", "organisation/uninett-abc"]
    first, second = answer["q2"]["result"][:2]
    assert first["score"] == 100 and second["score"] < 90 and not second["match"]
    assert ids(answer, "q15")[:2] == ["organisation/uninett-abc", "organisation/uninett"]


def test_limit_and_type_restrict_candidates(answer):
    assert len(answer["q0"]["result"]) <= 3
    assert all(c["type"] == [{"id": "municipality", "name": "Municipality"}]
               for c in answer["q0"]["result"])
    assert {c["type"][0]["id"] for c in answer["q11"]["result"]} <= {"organisation",
                                                                     "municipality"}
    assert len(answer["q33"]["result"]) == 3  # three Geodata projects, limit 5


def test_year_filters_projects_running_that_year(answer):
    # Geodata (1999-2004) ran in 2003; the two 2004- Geodata projects did not.
    assert ids(answer, "q5") == ["project/geodata"]
    assert "project/geodata-ny-teknologisk-plattform" in ids(answer, "q33")


def test_municipality_number_matches_any_period(answer):
    # 0716 was Våle's number until 2001 and Re's from 2002: both pass the filter.
    assert set(ids(answer, "q7")) <= {"municipality/re", "municipality/vale"}
    assert answer["q26"]["result"][0]["score"] == 100  # 704 is read as 0704


def test_namesakes_are_not_matched_but_ranked(answer):
    assert ids(answer, "q23")[:2] == ["municipality/holmestrand",
                                      "municipality/holmestrand-2018"]
    assert "municipality/sandefjord-2017" not in ids(answer, "q24")


def test_property_only_query_filters(answer):
    result = answer["q28"]["result"]
    assert result and all(c["id"].startswith("project/") for c in result)
    assert "project/solid" in ids(answer, "q28") and "project/geodata" not in ids(answer, "q28")
    assert not any(c["match"] for c in result)  # several projects: none is the match


def test_unknown_type_gives_no_candidates(answer):
    assert answer["q25"] == {"result": []}


def test_get_form_gives_the_same_answer(client, answer):
    response = client.get("/reconcile", query_string={"queries": json.dumps(BATCH)})
    assert response.status_code == 200
    assert response.get_json() == answer


def test_multipart_form_is_accepted(client):
    response = client.post("/reconcile", data={"queries": json.dumps({"a": {"query": "Tbg"}})},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.get_json()["a"]["result"][0]["id"] == "municipality/tonsberg"


def test_index_is_built_once(app):
    index = app.extensions["ninek_reconcile"]
    client = app.test_client()
    client.post("/reconcile", data={"queries": json.dumps({"a": {"query": "Re"}})})
    client.get("/reconcile/suggest/entity?prefix=Re")
    assert app.extensions["ninek_reconcile"] is index


# -- folding and scores --------------------------------------------------------------------

@pytest.mark.parametrize(("left", "right"), [
    ("Tønsberg", "Toensberg"), ("Tønsberg", "TONSBERG"), ("Bærum", "Baerum"),
    ("Våle", "Vaale"), ("Våle", "Vale"), ("HØYKOM", "Høykom"), ("fylkes-kommunen",
                                                              "fylkes kommunen"),
])
def test_fold(left, right):
    assert fold(left) == fold(right)


def test_score_tiers():
    label = Form.of("Høgskolen i Vestfold")
    assert name_score(Form.of("hogskolen i vestfold"), label) == 100
    assert name_score(Form.of("Vestfold i Høgskolen"), label) == 96
    assert name_score(Form.of("HiVe"), label) == 90
    assert name_score(Form.of("Høgskolen i Vestfol"), label) < 90
    assert name_score(Form.of("Sykehuset"), label) < 50


# -- preview -------------------------------------------------------------------------------

def test_preview_card_escapes_the_data(client):
    response = client.get("/reconcile/preview", query_string={"id": "project/solid"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    html = response.get_data(as_text=True)
    # The title has double quotes in the source: "Sentralisert drift av fiberskoler"/ SOLID
    assert "&#34;Sentralisert drift av fiberskoler&#34;/ SOLID" in html
    assert '"Sentralisert' not in html
    assert 'href="http://localhost/project/solid"' in html
    assert "<script" not in html


def test_preview_accepts_iris_and_shows_identifiers(client):
    html = client.get("/reconcile/preview", query_string={
        "id": "https://w3id.org/ninek/municipality/re"}).get_data(as_text=True)
    assert "Re" in html and "0716 (2002–2019)" in html


def test_preview_of_unknown_id_is_404_and_escaped(client):
    response = client.get("/reconcile/preview", query_string={"id": "<script>alert(1)</script>"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_preview_without_id_is_400(client):
    response = client.get("/reconcile/preview")
    assert response.status_code == 400
    assert "`id`" in response.get_json()["message"]


# -- suggest -------------------------------------------------------------------------------

@pytest.mark.parametrize(("prefix", "first"), [
    ("Nøtt", "municipality/notteroy"),
    ("nott", "municipality/notteroy"),
    ("HØY", "organisation/hoykom"),
    ("høy", "organisation/hoykom"),
    ("Toens", "municipality/tonsberg"),
    ("Tbg", "municipality/tonsberg"),
    ("Høgskolen", "organisation/hve"),
    ("municipality/re", "municipality/re"),
])
def test_suggest_entity(client, prefix, first):
    response = client.get("/reconcile/suggest/entity", query_string={"prefix": prefix})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    result = response.get_json()["result"]
    assert result[0]["id"] == first
    assert all({"id", "name", "description"} <= set(item) for item in result)


def test_suggest_entity_by_type_and_cursor(client):
    every = client.get("/reconcile/suggest/entity?prefix=geodata&limit=10").get_json()["result"]
    assert len(every) == 3
    page = client.get("/reconcile/suggest/entity?prefix=geodata&cursor=1&limit=1").get_json()
    assert page["result"] == every[1:2]
    nothing = client.get("/reconcile/suggest/entity?prefix=geodata&type=municipality")
    assert nothing.get_json() == {"result": []}


def test_suggest_type_and_property(client):
    types = client.get("/reconcile/suggest/type?prefix=mun").get_json()["result"]
    assert [t["id"] for t in types] == ["municipality"]
    properties = client.get("/reconcile/suggest/property?prefix=mun").get_json()["result"]
    assert properties[0]["id"] == "municipalityNumber"
    assert all({"id", "name", "description"} <= set(p) for p in properties)
    every = client.get("/reconcile/suggest/property?prefix=").get_json()["result"]
    assert {p["id"] for p in every} == {"municipalityNumber", "organisationNumber", "year",
                                        "startYear", "category"}


# -- bad input -----------------------------------------------------------------------------

BAD_BATCHES = {
    "malformed JSON": ('{"q0": {"query": "Tbg"', "not valid JSON"),
    "not an object": ('["Tbg"]', "must be a JSON object"),
    "a string": ('"Tbg"', "must be a JSON object"),
    "query not an object": ('{"q0": "Tbg"}', "must be a JSON object"),
    "no query, no properties": ('{"q0": {"type": "municipality"}}', "neither"),
    "empty query": ('{"q0": {"query": "  "}}', "neither"),
    "query not a string": ('{"q0": {"query": 42}}', "must be a string"),
    "limit a string": ('{"q0": {"query": "Re", "limit": "3"}}', "`limit` must be a number"),
    "limit a boolean": ('{"q0": {"query": "Re", "limit": true}}', "`limit` must be a number"),
    "limit zero": ('{"q0": {"query": "Re", "limit": 0}}', "positive integer"),
    "limit a fraction": ('{"q0": {"query": "Re", "limit": 2.5}}', "positive integer"),
    "limit NaN": ('{"q0": {"query": "Re", "limit": NaN}}', "NaN"),
    "unknown field": ('{"q0": {"query": "Re", "lmit": 3}}', "unknown field"),
    "bad type_strict": ('{"q0": {"query": "Re", "type_strict": "some"}}', "type_strict"),
    "type not a string": ('{"q0": {"query": "Re", "type": 7}}', "`type` must be a string"),
    "properties not a list": ('{"q0": {"query": "Re", "properties": {"pid": "year"}}}',
                              "must be an array"),
    "property without v": ('{"q0": {"query": "Re", "properties": [{"pid": "year"}]}}',
                           '"pid" and "v"'),
    "unknown property": ('{"q0": {"query": "Re", "properties": [{"pid": "P31", "v": "x"}]}}',
                         "unknown property 'P31'"),
    "entity value without id": (
        '{"q0": {"query": "Re", "properties": [{"pid": "category", "v": {"name": "x"}}]}}',
        'needs an "id"'),
    "over-long query": (json.dumps({"q0": {"query": "x" * (MAX_TEXT + 1)}}), "characters"),
    "over-long value": (json.dumps({"q0": {"properties": [{"pid": "year",
                                                          "v": "1" * (MAX_TEXT + 1)}]}}),
                        "characters"),
    "huge batch": (json.dumps({f"q{n}": {"query": "Re"} for n in range(MAX_BATCH + 1)}),
                   f"at most {MAX_BATCH}"),
    "over-long batch": ("[" * 150_000 + "]" * 150_000, "characters"),
    "deep nesting": ('{"q0": ' + "[" * 20_000 + "]" * 20_000 + "}", "not valid JSON"),
}


@pytest.mark.parametrize(("text", "says"), BAD_BATCHES.values(), ids=BAD_BATCHES.keys())
def test_bad_batches_are_400_json(client, text, says):
    for response in (client.post("/reconcile", data={"queries": text}),
                     client.get("/reconcile", query_string={"queries": text})
                     if len(text) < 50_000 else None):
        if response is None:
            continue
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.get_json()
        assert body["status"] == 400 and says in body["message"], body["message"]


def test_post_without_queries_field_is_400(client):
    response = client.post("/reconcile", data={"query": "Tbg"})
    assert response.status_code == 400
    assert "`queries`" in response.get_json()["message"]


def test_repeated_queries_parameter_is_400(client):
    response = client.get("/reconcile?queries={}&queries={}")
    assert response.status_code == 400
    assert "2 times" in response.get_json()["message"]


def test_get_with_other_parameters_is_400(client):
    response = client.get("/reconcile?query=Tbg")
    assert response.status_code == 400
    assert "Unexpected parameter(s) query" in response.get_json()["message"]


def test_post_json_body_is_415(client):
    response = client.post("/reconcile", data=json.dumps({"q0": {"query": "Tbg"}}),
                           content_type="application/json")
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.get_json()["message"]


@pytest.mark.parametrize("url", [
    "/reconcile/suggest/entity", "/reconcile/suggest/entity?prefix=a&cursor=-1",
    "/reconcile/suggest/type?prefix=a&limit=ten", "/reconcile/suggest/property?prefix=a&prefix=b",
    "/reconcile/suggest/entity?prefix=" + "x" * (MAX_TEXT + 1),
])
def test_bad_suggest_parameters_are_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_empty_batch_is_an_empty_answer(client):
    assert client.post("/reconcile", data={"queries": "{}"}).get_json() == {}


def test_cors_preflight(client):
    response = client.open("/reconcile", method="OPTIONS", headers={
        "Origin": "https://openrefine.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_without_a_built_graph_the_service_says_so(tmp_path, backend):
    app = create_app({"dist": str(tmp_path)}, backend=backend)
    client = app.test_client()
    assert client.get("/reconcile").status_code == 200  # the manifest needs no index
    response = client.post("/reconcile", data={"queries": '{"q0": {"query": "Re"}}'})
    assert response.status_code == 503
    assert "ninek-graph build" in response.get_json()["message"]
