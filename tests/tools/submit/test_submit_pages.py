"""Reading the server's HTML pages: error messages, elements by id, Logical Diffs."""

from __future__ import annotations

from opencrds.tools.submit.pages import (
    error_message,
    list_items,
    logged_errors,
    logical_diffs,
    page_title,
    texts_by_id,
)


def test_error_message_div_by_id() -> None:
    page = '<html><body><div id="error_message">  Bad   password\n</div></body></html>'
    assert error_message(page) == "Bad password"


def test_error_message_div_by_class_and_child_text() -> None:
    page = '<div class="alert error_message"><p>Locked by <b>someone</b></p> </div>'
    assert error_message(page) == "Locked by someone"


def test_an_empty_error_div_is_ignored() -> None:
    page = '<div id="error_message">   </div><div id="error_message_x">x</div><p>ok</p>'
    assert error_message(page) is None


def test_the_first_non_empty_error_div_is_reported() -> None:
    page = '<div class="error_message"></div><div id="error_message">second</div>'
    assert error_message(page) == "second"


def test_texts_by_id_prefers_link_text_and_skips_missing_ids() -> None:
    page = """<table>
      <tr><td id="a.fits"><a href="/browse/jwst_miri_dark_0096.fits">jwst_miri_dark_0096.fits</a>
      </td></tr>
      <tr><td id="b.fits">  jwst_miri_flat_0010.fits <br> </td></tr>
    </table>"""
    assert texts_by_id(page, ["a.fits", "b.fits", "c.fits"]) == {
        "a.fits": "jwst_miri_dark_0096.fits", "b.fits": "jwst_miri_flat_0010.fits"}


def test_unclosed_tags_and_entities_are_tolerated() -> None:
    page = '<ul><li id="x.fits">new &amp; <i>shiny</li><li id="y">y</li></ul>'
    assert texts_by_id(page, ["x.fits", "y"]) == {"x.fits": "new & shiny", "y": "y"}


def test_page_title() -> None:
    assert page_title("<html><head><title> MyST SSO\nPortal </title></head></html>") == \
        "MyST SSO Portal"
    assert page_title("<p>none</p>") == ""


def test_logical_diffs() -> None:
    page = ("<pre>Logical Diff ('jwst_0541.pmap', 'jwst_0542.pmap')</pre>"
            "<pre>Logical Diff (x, 'jwst_miri_dark_0038.rmap', 'jwst_miri_dark_0051.rmap')</pre>")
    assert logical_diffs(page) == [("jwst_0541.pmap", "jwst_0542.pmap"),
                                   ("jwst_miri_dark_0038.rmap", "jwst_miri_dark_0051.rmap")]


def test_list_items_of_a_class() -> None:
    page = """<ul class="warnings"><li>w</li></ul>
    <ul class="errors big"><li>first <b>bad</b> thing</li><li><br>second</li><li> </li></ul>
    <p class="errors">not a list</p>"""
    assert list_items(page, "errors") == ["first bad thing", "second"]
    assert list_items(page, "warnings") == ["w"]
    assert list_items(page, "none") == []


def test_logged_errors() -> None:
    page = """<details><summary>a.fits</summary><pre>INFO - fine
ERROR - a.fits: bad &lt;value&gt;
WARNING - odd
CRDS - ERROR -  second
</pre></details><p>no ERROR here</p>"""
    assert logged_errors(page) == ["a.fits: bad <value>", "second"]
