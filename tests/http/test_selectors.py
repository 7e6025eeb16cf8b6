"""MEC 009 attribute-based filtering (clause 6.19) and attribute selectors (clause 6.18)."""

from __future__ import annotations

import copy
import gc
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Query

from meclab.http.problem import ProblemError, install_problem_handlers
from meclab.http.query import reject_unknown_query
from meclab.http.selectors import (
    Expression,
    Filter,
    FilterSyntaxError,
    Operator,
    Selection,
    Special,
    attribute_filter,
    attribute_selection,
    parse_filter,
    parse_selection,
    select,
)

# --- parsing ---------------------------------------------------------------------------------


def test_parse_one_expression() -> None:
    assert parse_filter("(eq,state,ACTIVE)") == Filter(
        (Expression(Operator.EQ, ("state",), ("ACTIVE",)),)
    )


def test_parse_several_expressions_paths_and_lists() -> None:
    parsed = parse_filter("(in,radio/band,2.4,5);(neq,bssid,aa:bb);(ncont,ssid,guest,iot)")
    assert parsed.expressions == (
        Expression(Operator.IN, ("radio", "band"), ("2.4", "5")),
        Expression(Operator.NEQ, ("bssid",), ("aa:bb",)),
        Expression(Operator.NCONT, ("ssid",), ("guest", "iot")),
    )


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("(eq,a,'x,y')", ("x,y",)),
        ("(eq,a,'it''s')", ("it's",)),
        ("(eq,a,'(x)')", ("(x)",)),
        ("(eq,a,'')", ("",)),
        ("(eq,a,'''')", ("'",)),
        ("(in,a,'x,y',z,'')", ("x,y", "z", "")),
        ("(eq,a,x;y)", ("x;y",)),
        ("(eq,a,x(y)", ("x(y",)),
        ("(eq,a, spaced )", (" spaced ",)),
    ],
)
def test_parse_values_quoted_and_bare(text: str, values: tuple[str, ...]) -> None:
    assert parse_filter(text).expressions[0].values == values


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("(eq,a/b/c,1)", ("a", "b", "c")),
        ("(eq,a~1b,1)", ("a/b",)),
        ("(eq,a~ab,1)", ("a,b",)),
        ("(eq,~bkey,1)", ("@key",)),
        ("(eq,a~0b,1)", ("a~b",)),
        ("(eq,tags/@key,1)", ("tags", Special.KEYS)),
    ],
)
def test_parse_attribute_escapes(text: str, path: tuple[object, ...]) -> None:
    assert parse_filter(text).expressions[0].path == path


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("", 1, "the filter is empty; expected an expression such as (eq,attribute,value)"),
        ("eq,a,b", 1, "expected '(' to open an expression, found 'e'"),
        (
            "(,a,b)",
            2,
            "expected an operator (eq, neq, gt, gte, lt, lte, cont, ncont, in, nin), found ','",
        ),
        (
            "(like,a,b)",
            2,
            "unknown operator 'like'; expected one of eq, neq, gt, gte, lt, lte, cont, ncont, "
            "in, nin",
        ),
        (
            "(EQ,a,b)",
            2,
            "unknown operator 'EQ'; expected one of eq, neq, gt, gte, lt, lte, "
            "cont, ncont, in, nin",
        ),
        ("(eq1,a,b)", 4, "expected ',' after the operator, found '1'"),
        ("(eq", 4, "expected ',' after the operator, found the end of the parameter"),
        ("(eq,,b)", 5, "expected an attribute name, found ','"),
        ("(eq,a/,b)", 7, "expected an attribute name, found ','"),
        ("(eq,/a,b)", 5, "expected an attribute name, found '/'"),
        ("(eq,a)", 6, "expected ',' after the attribute name, found ')'"),
        ("(eq,a", 6, "expected ',' after the attribute name, found the end of the parameter"),
        ("(eq,a~2,b)", 6, "invalid escape '~2' in an attribute name (use ~0, ~1, ~a or ~b)"),
        ("(eq,a~,b)", 6, "invalid escape '~,' in an attribute name (use ~0, ~1, ~a or ~b)"),
        ("(eq,a~", 6, "invalid escape '~' in an attribute name (use ~0, ~1, ~a or ~b)"),
        ("(eq,a,)", 7, "expected a value, found ')'"),
        ("(in,a,x,,y)", 9, "expected a value, found ','"),
        ("(eq,a,b", 8, "expected ',' or ')' after a value, found the end of the parameter"),
        ("(eq,a,'b)", 7, "unterminated quoted value"),
        ("(eq,a,'b'c)", 10, "expected ',' or ')' after a value, found 'c'"),
        ("(eq,a,b'c)", 8, "a quote inside a value; quote the whole value: 'it''s'"),
        ("(eq,a,b,c)", 7, "operator 'eq' takes one value, got 2"),
        ("(gte,a,1,2,3)", 8, "operator 'gte' takes one value, got 3"),
        ("(eq,a,b)(eq,c,d)", 9, "expected ';' between two expressions, found '('"),
        ("(eq,a,b);", 10, "expected '(' to open an expression, found the end of the parameter"),
        ("(eq,a,b);;(eq,c,d)", 10, "expected '(' to open an expression, found ';'"),
    ],
)
def test_parse_errors_name_the_problem_and_its_position(
    text: str, position: int, reason: str
) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    error = caught.value
    assert (error.position, error.reason) == (position, reason)
    assert error.status == 400
    assert error.detail == f"query parameter 'filter' is malformed at position {position}: {reason}"
    assert error.extensions["invalidParams"] == [
        {"name": "filter", "in": "query", "reason": f"{reason} (position {position})"}
    ]


# --- matching --------------------------------------------------------------------------------

AP = {
    "apId": {"bssid": "aa:bb:cc:dd:ee:01", "ssid": ["lab", "guest-net"]},
    "channel": 36,
    "load": 0.25,
    "enabled": True,
    "name": "O'Brien, floor 2",
    "neighbours": [
        {"bssid": "aa:bb:cc:dd:ee:02", "rssi": -71, "tags": ["5GHz"]},
        {"bssid": "aa:bb:cc:dd:ee:03", "rssi": -55, "tags": ["2.4GHz", "dfs"]},
    ],
    "extra": {"vendorA": 1, "vendorB": 2},
    "nothing": None,
}


def holds(text: str, representation: Any = AP) -> bool:
    return parse_filter(text).matches(representation)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(eq,channel,36)", True),
        ("(eq,channel,36.0)", True),
        ("(eq,channel,036)", True),
        ("(neq,channel,36)", False),
        ("(neq,channel,40)", True),
        ("(gt,channel,9)", True),  # numerically, although "9" > "36" as strings
        ("(gt,channel,36)", False),
        ("(gte,channel,36)", True),
        ("(lt,channel,100)", True),
        ("(lt,channel,36)", False),
        ("(lte,channel,36)", True),
        ("(gt,load,0.2)", True),
        ("(lt,load,2.5e-1)", False),
        ("(in,channel,1,6,36)", True),
        ("(in,channel,1,6,11)", False),
        ("(nin,channel,1,6,11)", True),
        ("(nin,channel,36,40)", False),
        ("(eq,channel,abc)", False),  # not a number: compared as strings "36" and "abc"
        ("(lt,channel,abc)", True),
        ("(cont,channel,6)", True),
    ],
)
def test_numbers_compare_numerically(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(eq,name,'O''Brien, floor 2')", True),
        ("(eq,name,O)", False),
        ("(cont,name,Brien)", True),
        ("(cont,name,brien)", False),  # case-sensitive
        ("(cont,name,xyz,floor)", True),
        ("(ncont,name,xyz,abc)", True),
        ("(ncont,name,xyz,floor)", False),
        ("(gt,name,N)", True),
        ("(lt,name,N)", False),
        ("(in,name,a,'O''Brien, floor 2')", True),
        ("(nin,name,a,b)", True),
    ],
)
def test_strings_compare_as_strings(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(eq,enabled,true)", True),
        ("(eq,enabled,TRUE)", True),  # MEC 033 writes (eq,enabled,TRUE)
        ("(eq,enabled,false)", False),
        ("(neq,enabled,false)", True),
        ("(eq,enabled,1)", False),
        ("(neq,enabled,yes)", False),  # not a boolean: no comparison holds
        ("(cont,enabled,tr)", False),
    ],
)
def test_booleans(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(eq,apId/bssid,aa:bb:cc:dd:ee:01)", True),
        ("(eq,neighbours/bssid,aa:bb:cc:dd:ee:03)", True),  # any element of the array
        ("(eq,neighbours/bssid,aa:bb:cc:dd:ee:09)", False),
        ("(gt,neighbours/rssi,-60)", True),
        ("(lt,neighbours/rssi,-80)", False),
        ("(eq,neighbours/tags,dfs)", True),  # arrays within arrays
        ("(eq,apId/ssid,lab)", True),
        ("(cont,apId/ssid,guest)", True),
        ("(neq,neighbours/rssi,-71)", True),  # any element differs
        ("(neq,apId/ssid,lab)", True),
        ("(eq,extra/@key,vendorB)", True),
        ("(cont,extra/@key,vendorC)", False),
        ("(eq,extra/vendorA,1)", True),
    ],
)
def test_nested_and_array_paths(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "(eq,missing,x)",
        "(neq,missing,x)",
        "(nin,missing,x)",
        "(ncont,missing,x)",
        "(neq,apId/missing,x)",
        "(neq,nothing,x)",  # null is absent
        "(neq,apId,x)",  # an object is not a value
        "(ncont,extra,x)",
        "(eq,channel/deeper,x)",
        "(neq,neighbours,x)",
    ],
)
def test_absent_attributes_never_match(text: str) -> None:
    assert holds(text) is False


def test_all_expressions_must_hold() -> None:
    assert holds("(eq,channel,36);(eq,enabled,true)")
    assert not holds("(eq,channel,36);(eq,enabled,false)")


def test_apply_keeps_order_and_drops_non_matching() -> None:
    rows = [{"id": i, "ok": i % 2 == 0} for i in range(5)]
    assert parse_filter("(eq,ok,true)").apply(rows) == [rows[0], rows[2], rows[4]]
    assert parse_filter("(gte,id,3)").apply(rows) == rows[3:]


# --- selectors: parsing ----------------------------------------------------------------------


def test_parse_selection_defaults_to_nothing() -> None:
    assert parse_selection() == Selection()


def test_parse_selection_paths_lists_and_repeats() -> None:
    assert parse_selection(fields="a,b/c") == Selection(fields=(("a",), ("b", "c")))
    assert parse_selection(exclude_fields=["a", "b/c,d"]) == Selection(
        exclude_fields=(("a",), ("b", "c"), ("d",))
    )


@pytest.mark.parametrize("value", ["", "true", "TRUE"])
def test_flags_take_no_value(value: str) -> None:
    assert parse_selection(all_fields=value) == Selection(all_fields=True)
    assert parse_selection(exclude_default=value) == Selection(exclude_default=True)


def problem(call: Any) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        call()
    assert caught.value.status == 400
    return caught.value


def test_flag_with_a_value_is_refused() -> None:
    error = problem(lambda: parse_selection(all_fields="no"))
    assert error.detail == "all_fields is a flag and takes no value, got 'no'"
    assert error.extensions["invalidParams"] == [
        {"name": "all_fields", "in": "query", "reason": error.detail}
    ]


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("", "fields has an empty attribute name (item 1)"),
        ("a,,b", "fields has an empty attribute name (item 2)"),
        ("a,b/", "fields has an empty segment in 'b/' (item 2)"),
        ("/a", "fields has an empty segment in '/a' (item 1)"),
    ],
)
def test_malformed_paths(raw: str, detail: str) -> None:
    assert problem(lambda: parse_selection(fields=raw)).detail == detail


VALID = [
    {},
    {"all_fields": ""},
    {"fields": "a"},
    {"exclude_fields": "a"},
    {"exclude_default": ""},
    {"fields": "a", "exclude_default": ""},
]
INVALID = [
    ({"all_fields": "", "fields": "a"}, "all_fields and fields"),
    ({"all_fields": "", "exclude_fields": "a"}, "all_fields and exclude_fields"),
    ({"all_fields": "", "exclude_default": ""}, "all_fields and exclude_default"),
    ({"fields": "a", "exclude_fields": "b"}, "fields and exclude_fields"),
    ({"exclude_fields": "a", "exclude_default": ""}, "exclude_fields and exclude_default"),
    (
        {"all_fields": "", "fields": "a", "exclude_default": ""},
        "all_fields and fields and exclude_default",
    ),
]


@pytest.mark.parametrize("params", VALID)
def test_valid_combinations(params: dict[str, str]) -> None:
    parse_selection(**params)


@pytest.mark.parametrize(("params", "names"), INVALID)
def test_invalid_combinations(params: dict[str, str], names: str) -> None:
    error = problem(lambda: parse_selection(**params))
    assert error.detail == (
        f"attribute selectors {names} cannot be combined (MEC 009 clause 6.18): give "
        "all_fields, fields, exclude_fields or exclude_default alone, or fields with "
        "exclude_default"
    )
    assert [p["name"] for p in error.extensions["invalidParams"]] == names.split(" and ")


# --- selectors: applying ---------------------------------------------------------------------

INFO = {
    "id": "ap-1",
    "channel": 36,
    "tags": ["indoor"],
    "location": {"lat": 1.0, "lon": 2.0, "civic": {"floor": 2}, "history": [{"t": 1}]},
    "neighbours": [
        {"bssid": "n1", "stats": {"rssi": -70}, "notes": ["x"]},
        {"bssid": "n2", "stats": {"rssi": -50}, "notes": []},
    ],
    "raw": {"blob": "..."},
    "_links": {"self": {"href": "/ap/1"}},
}
DEFAULT_EXCLUDED = ("raw", "neighbours/stats")
MANDATORY = ("_links", "location/civic")


def selected(**params: Any) -> Any:
    before = copy.deepcopy(INFO)
    out = select(
        INFO,
        parse_selection(**params),
        default_excluded=DEFAULT_EXCLUDED,
        mandatory=MANDATORY,
    )
    assert before == INFO  # the input is never changed
    return out


def without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


def test_no_selector_excludes_the_default_set() -> None:
    expected = without(INFO, "raw")
    expected["neighbours"] = [without(n, "stats") for n in INFO["neighbours"]]
    assert selected() == expected
    assert selected(exclude_default="") == expected


def test_all_fields_keeps_everything() -> None:
    assert selected(all_fields="") == INFO


def test_fields_keeps_simple_mandatory_and_listed_complex_attributes() -> None:
    assert selected(fields="tags") == {
        "id": "ap-1",
        "channel": 36,
        "tags": ["indoor"],
        "_links": {"self": {"href": "/ap/1"}},
    }


def test_fields_with_a_nested_path() -> None:
    assert selected(fields="location/history,neighbours/notes") == {
        "id": "ap-1",
        "channel": 36,
        "location": {"lat": 1.0, "lon": 2.0, "civic": {"floor": 2}, "history": [{"t": 1}]},
        "neighbours": [{"bssid": "n1", "notes": ["x"]}, {"bssid": "n2", "notes": []}],
        "_links": {"self": {"href": "/ap/1"}},
    }


def test_fields_nested_path_drops_unlisted_optional_children() -> None:
    # location/civic is mandatory, location/history optional and not listed
    out = selected(fields="location/civic")
    assert out["location"] == {"lat": 1.0, "lon": 2.0, "civic": {"floor": 2}}


def test_fields_whole_attribute_wins_over_a_path_below_it() -> None:
    assert selected(fields="location/history,location")["location"] == INFO["location"]


def test_fields_can_bring_back_a_default_excluded_attribute() -> None:
    assert selected(fields="raw")["raw"] == {"blob": "..."}


def test_exclude_fields_removes_the_listed_attributes_only() -> None:
    expected = without(INFO, "tags")
    expected["location"] = without(INFO["location"], "history")
    assert selected(exclude_fields="tags,location/history") == expected


def test_exclude_fields_in_array_elements() -> None:
    out = selected(exclude_fields="neighbours/notes")
    assert out["neighbours"] == [
        {"bssid": "n1", "stats": {"rssi": -70}},
        {"bssid": "n2", "stats": {"rssi": -50}},
    ]
    assert out["raw"] == INFO["raw"]  # exclude_fields replaces the default set


def test_exclude_fields_refuses_mandatory_attributes() -> None:
    error = problem(lambda: selected(exclude_fields="tags,_links"))
    assert error.detail == (
        "exclude_fields names mandatory attribute(s) _links, which cannot be excluded"
    )


def test_exclude_default_with_fields_excludes_the_default_set_but_the_listed() -> None:
    out = selected(exclude_default="", fields="neighbours/stats")
    assert out == without(INFO, "raw")


def test_exclude_default_with_fields_below_a_default_excluded_attribute() -> None:
    out = select(
        INFO,
        parse_selection(exclude_default="", fields="location/history"),
        default_excluded=("location",),
    )
    assert out["location"] == {"lat": 1.0, "lon": 2.0, "history": [{"t": 1}]}
    assert out["raw"] == INFO["raw"]


def test_selectors_on_a_list_of_objects() -> None:
    rows = [INFO, {"id": "ap-2", "raw": {}, "tags": []}]
    out = select(rows, parse_selection(fields="tags"))
    assert out == [
        {"id": "ap-1", "channel": 36, "tags": ["indoor"]},
        {"id": "ap-2", "tags": []},
    ]


def test_unknown_paths_change_nothing() -> None:
    assert selected(exclude_fields="nope,location/nope,id/deeper") == INFO


# --- FastAPI ---------------------------------------------------------------------------------

ROWS = [
    {"id": "a", "rssi": -40, "raw": {"x": 1}, "tags": ["t"]},
    {"id": "b", "rssi": -80, "raw": {"x": 2}, "tags": []},
]


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/rows", dependencies=[Depends(reject_unknown_query)])
    async def rows(
        flt: Annotated[Filter | None, Depends(attribute_filter)],
        selection: Annotated[Selection, Depends(attribute_selection)],
    ) -> Any:
        chosen = flt.apply(ROWS) if flt else ROWS
        return select(chosen, selection, default_excluded=("raw",), mandatory=("id",))

    return app


@pytest.fixture
async def client() -> Any:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_route_filters_and_selects(client: httpx.AsyncClient) -> None:
    response = await client.get("/rows", params={"filter": "(gt,rssi,-50)"})
    assert response.status_code == 200
    assert response.json() == [{"id": "a", "rssi": -40, "tags": ["t"]}]
    response = await client.get("/rows", params={"all_fields": "", "filter": "(eq,id,b)"})
    assert response.json() == [ROWS[1]]
    response = await client.get("/rows", params=[("fields", "raw"), ("fields", "tags")])
    assert response.json() == ROWS  # fields brings the default-excluded raw back


async def test_route_repeated_filter_means_and(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/rows", params=[("filter", "(lt,rssi,-30)"), ("filter", "(eq,id,b)")]
    )
    assert [r["id"] for r in response.json()] == ["b"]


async def test_route_malformed_filter_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/rows", params={"filter": "(eq,rssi)"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == (
        "query parameter 'filter' is malformed at position 9: expected ',' after the "
        "attribute name, found ')'"
    )
    assert body["invalidParams"] == [
        {
            "name": "filter",
            "in": "query",
            "reason": "expected ',' after the attribute name, found ')' (position 9)",
        }
    ]


async def test_route_bad_combination_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/rows", params={"all_fields": "", "exclude_fields": "raw"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "attribute selectors all_fields and exclude_fields cannot be combined"
    )


async def test_route_declares_the_parameters(client: httpx.AsyncClient) -> None:
    # reject_unknown_query knows the selector parameters, and still refuses others
    response = await client.get("/rows", params={"exclude_default": "", "colour": "red"})
    assert response.status_code == 400
    assert "unknown query parameter(s): colour" in response.json()["detail"]
    assert "exclude_default" in response.json()["detail"]


async def test_strict_query_judges_each_route_by_its_own_parameters() -> None:
    # apps are built and dropped per world and per test: a new route may take the memory of a
    # dropped one, and must still be judged by the parameters it declares itself
    for i in range(40):
        app = FastAPI()
        install_problem_handlers(app)

        @app.get("/r", dependencies=[Depends(reject_unknown_query)])
        async def r(value: str = Query(alias=f"q{i}")) -> dict[str, str]:
            return {"value": value}

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.get("/r", params={f"q{i}": "x"})
        assert answer.status_code == 200, answer.text
        del app, r, transport, client
        gc.collect(1)
