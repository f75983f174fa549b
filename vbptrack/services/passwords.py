"""The password rule: long enough, and not easy to guess.

How easy a password is to guess is zxcvbn's estimate (Dropbox's estimator, Python port):
it knows the common-password lists, dictionary words and names, keyboard patterns,
repeats, sequences and dates, and leet substitutions, and rates the guesses an attacker
needs from 0 to 4. We ask for 3 — about 10^8 guesses or more — which `aaaaaaaaaa` (0)
and `Password12` (1) are far from, while a few uncommon words together pass easily.
"""

from __future__ import annotations

from collections.abc import Iterable

from vbptrack.services.problems import N_, translate

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_SCORE = 3
# zxcvbn refuses to judge longer input (its matching grows with the square of the length);
# the first 72 characters of a longer password are judged instead.
JUDGED_LENGTH = 72

# zxcvbn's warnings, in our catalogue so a user reads them in their language. A warning
# not listed here (a newer zxcvbn) falls back to TOO_EASY.
WARNINGS = {
    "Straight rows of keys are easy to guess.": N_("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": N_("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': N_("Repeats like “aaa” are easy to guess."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': N_(
        "Repeats like “abcabcabc” are only slightly harder to guess than “abc”."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': N_(
        "Sequences like “abc” or “6543” are easy to guess."
    ),
    "Recent years are easy to guess.": N_("Recent years are easy to guess."),
    "Dates are often easy to guess.": N_("Dates are often easy to guess."),
    "This is a top-10 common password.": N_("This is one of the 10 most common passwords."),
    "This is a top-100 common password.": N_("This is one of the 100 most common passwords."),
    "This is a very common password.": N_("This is a very common password."),
    "This is similar to a commonly used password.": N_(
        "This is similar to a commonly used password."
    ),
    "A word by itself is easy to guess.": N_("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": N_(
        "Names and surnames by themselves are easy to guess."
    ),
    "Common names and surnames are easy to guess.": N_(
        "Common names and surnames are easy to guess."
    ),
}
TOO_EASY = N_("This password is too easy to guess.")
ADVICE = N_("Try a few uncommon words together.")


def password_problem(password: str, *, user_inputs: Iterable[str] = ()) -> str | None:
    """What is wrong with `password`, in the user's language, or None when it may be used.

    `user_inputs` (the username, the person's name) count as easy to guess too.

    >>> password_problem("aaaaaaaaaa")
    'Repeats like “aaa” are easy to guess. Try a few uncommon words together.'
    >>> password_problem("Password12")
    'This is a very common password. Try a few uncommon words together.'
    >>> password_problem("wang.li-2024", user_inputs=["wang.li"]) is not None
    True
    >>> password_problem("copper-kettle-monsoon") is None
    True
    """
    if len(password) < MIN_LENGTH:
        return translate("At least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return translate("At most %(n)s characters.", n=MAX_LENGTH)
    from zxcvbn import zxcvbn  # reads its word lists on first use (40 ms)

    inputs = [text for text in user_inputs if text] + ["vbptrack"]
    estimate = zxcvbn(password[:JUDGED_LENGTH], user_inputs=inputs)
    if estimate["score"] >= MIN_SCORE:
        return None
    warning = WARNINGS.get(estimate["feedback"]["warning"], TOO_EASY)
    return f"{translate(warning)} {translate(ADVICE)}"
