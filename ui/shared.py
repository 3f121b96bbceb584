"""The pieces every page uses: the process-wide store, the demo banner, problem lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from analytics.cases import Problem
from analytics.demo import DemoRefused, load_demo_data, remove_demo_data
from analytics.register import count_cases
from analytics.store import Store, database_path, open_store

# Until sign-in arrives (issue 5) every write from the app is by this actor.
APP_ACTOR = "app"
DEMO_CASES_OFFERED = 300


@st.cache_resource(show_spinner=False, on_release=lambda store: store.close())
def _store_at(path: str) -> Store:
    return open_store(path)


def get_store() -> Store:
    """The one store of this process, opened (and migrated) on first use."""
    return _store_at(str(database_path()))


def render_demo_banner(store: Store) -> None:
    """While the store holds demonstration cases, say so, and offer to remove them."""
    demo_cases = count_cases(store, demo=True)
    if not demo_cases:
        return
    with st.container(border=True):
        st.warning(
            f"This store holds {demo_cases:,} demonstration cases. They are made up, "
            "for trying the dashboard out: no figure here is real."
        )
        if st.button("Remove demonstration data", key="remove_demo"):
            removed = remove_demo_data(store, actor=APP_ACTOR)
            st.toast(f"Removed {removed:,} demonstration cases.")
            st.rerun()


def render_demo_offer(store: Store) -> None:
    """On an empty store, offer demonstration data so a new user sees a living dashboard."""
    st.info(
        "No incidents are logged yet. Log the first one, or load demonstration data to "
        "see how the dashboard works; it is marked as such and removed with one button."
    )
    if st.button(f"Load demonstration data ({DEMO_CASES_OFFERED} cases)", key="load_demo"):
        try:
            load_demo_data(store, DEMO_CASES_OFFERED, actor=APP_ACTOR)
        except DemoRefused as refusal:
            st.error(f"Demonstration data not loaded: {refusal}.")
        else:
            st.rerun()


def show_problems(problems: Iterable[Problem]) -> None:
    """Tell the user, field by field, why nothing was saved."""
    lines = "\n".join(f"- {problem.for_people()}" for problem in problems)
    st.error(f"Nothing was saved. Please correct:\n{lines}")


def code_label(vocabulary: Mapping[str, str]):
    """A format_func showing a code's label."""
    return lambda code: vocabulary.get(code, code) if code is not None else ""


def flash(message: str) -> None:
    """Keep a success message to show after the rerun that follows a write."""
    st.session_state["flash_message"] = message


def show_flash() -> None:
    if message := st.session_state.pop("flash_message", None):
        st.success(message)


def input_key(form: str, field: str) -> str:
    """The key of one input of a form, e.g. "log_reference_0".

    The number changes once the form is saved (see clear_form). Deleting a widget's state
    does not reach the browser, which would show, and could submit again, what was just
    saved; a new key gives a new, empty widget. After a failure the key stays, and so does
    everything the user typed.
    """
    return f"{form}_{field}_{st.session_state.get(f'{form}__version', 0)}"


def clear_form(form: str) -> None:
    """Give the form's inputs new keys, so they start empty on the next run."""
    version_key = f"{form}__version"
    st.session_state[version_key] = st.session_state.get(version_key, 0) + 1


def codes_in_url(container, label: str, vocabulary: Mapping[str, str], key: str) -> list[str]:
    """A multiselect of codes kept in the URL as ?key=code&key=code.

    Streamlit's own binding writes each option's label into the URL; labels may be
    reworded, codes never change, so shared links use codes.
    """
    if key not in st.session_state:
        st.session_state[key] = [
            code for code in st.query_params.get_all(key) if code in vocabulary
        ]
    chosen = container.multiselect(
        label, list(vocabulary), format_func=code_label(vocabulary), key=key
    )
    if chosen:
        st.query_params[key] = chosen
    else:
        st.query_params.pop(key, None)
    return chosen
