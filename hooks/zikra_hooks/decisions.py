"""Find the decisions a session made in its text, without an LLM.

The rule, line by line (fenced code blocks, quotes and table rows are skipped; list markers and
bold or italic around a label are ignored):

1. **Explicit lines**, from the assistant or the person: a line that starts with a label and a
   colon, ``Decision:``, ``Design/Architecture/Key/Final decision:``, ``Decided:``,
   ``We decided:``, ``Remember:``, ``Note to self:``, ``ADR-12:``; the rest of the line is the
   statement. So are the items (or the paragraph) under a ``## Decision(s)`` heading.
2. **Choices the assistant states**, sentence by sentence:
   - strong verbs, which count alone: "we/I decided (to|on|that|against) …", "we chose …",
     "we settled on …", "we opted for …", "we went with …", "the decision is to …";
   - a sentence that *starts* with a plan verb, "going with / go with / sticking with /
     switching to / I'll use / we'll adopt / let's keep …", counts only with a reason or a
     contrast in it: because, since, so that, given that, due to, instead of, rather than,
     in favour of, as opposed to. ("Going with httpx because it has HTTP/2" is a decision;
     "I'll use grep to find the callers" is not.)
3. **Never**: a question; a choice whose title ends on a pronoun ("… to mention that"), which
   says nothing on its own; a sentence where the verb comes after if / whether / unless / could /
   might / maybe / perhaps / would / should we / not sure / yet to (hypotheses and open
   questions); "TBD"-style statements; statements under 20 characters.

Statements are de-duplicated after normalising case, punctuation and markdown (one contained in
another keeps the longer); statements that derive the same title are merged into one memory.

The title is the statement's first clause (up to "because", "since", ";", ":", a dash or a
parenthesis), with the lead-in removed ("We decided to use X" gives "Use X"; "Going with X" gives
"Use X"), capitalised and cut to 80 characters at a word boundary.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .transcript import Turn

MIN_STATEMENT = 20
MAX_STATEMENT = 500
MAX_TITLE = 80

_LABEL = (r"(?:(?:final|key|design|architecture|architectural|technical|team)\s+)?decision"
          r"|decided|we\s+decided|remember|note\s+to\s+self|adr[-\s]?\d*")
_EXPLICIT = re.compile(rf"^(?:[*_]{{1,2}})?(?:{_LABEL})(?:[*_]{{1,2}})?\s*(?:\([^)]*\))?\s*:\s*"
                       rf"(?:[*_]{{1,2}}\s*)?(?P<rest>\S.*)$", re.I)
_HEADING = re.compile(r"^#{1,6}\s+(?:(?:key|design|architecture|final)\s+)?decisions?(?:\s+made)?\s*:?\s*$", re.I)
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
_STRONG = re.compile(
    r"\b(?:we|i)(?:'ve|’ve| have)?\s+(?:now\s+|finally\s+|already\s+)?"
    r"(?:decided\s+(?:to|on|that|against)|chose|chosen|settled\s+on|opted\s+(?:for|to|against)"
    r"|went\s+with|gone\s+with)\b"
    r"|\bthe\s+decision\s+(?:is|was)\s+to\b|\bdecided\s+to\s+go\s+with\b", re.I)
_SUBJECT = (r"(?:i'm|i’m|i\s+am|we're|we’re|we\s+are|i'll|i’ll|we'll|we’ll|let's|let’s|i|we"
            r"|i'm\s+going\s+to|we're\s+going\s+to)")
_WEAK = re.compile(
    r"^(?:so,?\s+|ok(?:ay)?,?\s+|then,?\s+)?"
    rf"(?:(?:{_SUBJECT}\s+)?(?:going\s+with|go\s+with|sticking\s+with|stick\s+with|switching\s+to|opting\s+for)"
    rf"|{_SUBJECT}\s+(?:use|adopt|keep|prefer|pick|choose|switch\s+to|standardi[sz]e\s+on))\b", re.I)
_REASON = re.compile(r"\b(?:because|since|so\s+that|given\s+that|due\s+to|instead\s+of|rather\s+than"
                     r"|in\s+favou?r\s+of|as\s+opposed\s+to)\b", re.I)
_HEDGE = re.compile(r"\b(?:if|whether|unless|could|might|maybe|perhaps|would|should\s+we|shall\s+we|not\s+sure"
                    r"|yet\s+to|do\s+you|once\s+you|when\s+you)\b", re.I)
_UNDECIDED = re.compile(r"^(?:tbd|to\s+be\s+decided|undecided|pending|none|n/a|todo)\b", re.I)
_DANGLING = re.compile(r"\b(?:that|this|those|these|there)$", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'`*(\[])")
_LEAD_INS = (
    (re.compile(r"^(?:so,?\s+|ok(?:ay)?,?\s+)?(?:we|i)(?:'ve|’ve| have)?\s+(?:now\s+|finally\s+|already\s+)?"
                r"decided\s+(?:to\s+go\s+with\s+)", re.I), "Use "),
    (re.compile(r"^(?:so,?\s+|ok(?:ay)?,?\s+)?(?:we|i)(?:'ve|’ve| have)?\s+(?:now\s+|finally\s+|already\s+)?"
                r"decided\s+(?:to|that|on)\s+", re.I), ""),
    (re.compile(r"^(?:so,?\s+|ok(?:ay)?,?\s+)?(?:we|i)(?:'ve|’ve| have)?\s+(?:now\s+|finally\s+|already\s+)?"
                r"decided\s+against\s+", re.I), "Not "),
    (re.compile(r"^the\s+decision\s+(?:is|was)\s+to\s+", re.I), ""),
    (re.compile(r"^(?:so,?\s+|ok(?:ay)?,?\s+|then,?\s+)?(?:(?:i'm|i’m|i\s+am|we're|we’re|we\s+are|i'll|i’ll|we'll|"
                r"we’ll|let's|let’s|we|i)(?:'ve|’ve| have)?\s+)?(?:finally\s+)?"
                r"(?:going\s+with|go\s+with|went\s+with|gone\s+with|chose|chosen|settled\s+on|opted\s+for"
                r"|opting\s+for|sticking\s+with|stick\s+with)\s+", re.I), "Use "),
    (re.compile(r"^(?:so,?\s+|ok(?:ay)?,?\s+)?(?:i'll|i’ll|we'll|we’ll|let's|let’s|we|i|i'm\s+going\s+to"
                r"|we're\s+going\s+to)\s+", re.I), ""),
)
_CLAUSE_END = re.compile(r"\s+(?:because|since|so\s+that|given\s+that|due\s+to|as\s+it|which)\b|[;—–(]|:(?=\s)|\s-\s"
                         r"|,\s+(?:so|and|but|which)\b|\.(?:\s|$)", re.I)


@dataclass
class Decision:
    """One decision to save: a title and the statements that share it."""

    title: str
    statements: list[str]
    kind: str  # "explicit" or "choice"
    author: str  # "assistant" or "user"
    ask: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """A short hash of the statements, the same wherever they were found (for idempotency keys)."""
        joined = "\n".join(normalise(s) for s in self.statements)
        return hashlib.sha256(joined.encode()).hexdigest()[:16]


def normalise(text: str) -> str:
    """Lower case, markdown and punctuation gone, spaces collapsed: the key of de-duplication."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _clean(text: str) -> str:
    text = re.sub(r"\*\*|__", "", text)
    return re.sub(r"\s+", " ", text).strip().strip("*_ ")


def statements(text: str, author: str = "assistant") -> list[tuple[str, str]]:
    """``(statement, kind)`` pairs found in one message, in order; ``kind`` is explicit or choice."""
    found: list[tuple[str, str]] = []
    in_fence = under_heading = False
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or stripped.startswith((">", "|")):
            continue
        if _HEADING.match(stripped):
            under_heading = True
            continue
        if stripped.startswith("#") or (not stripped and under_heading and found):
            under_heading = False
            continue
        line = _LIST_MARK.sub("", stripped)
        if under_heading and line:
            _keep(found, _clean(line), "explicit")
            continue
        sentences = _SENTENCE.split(line)
        for index, sentence in enumerate(sentences):
            match = _EXPLICIT.match(sentence)
            if match:  # a label opens the rest of the line: "Great. Remember: X. Y." keeps "X. Y."
                _keep(found, _clean(" ".join([match.group("rest"), *sentences[index + 1:]])), "explicit")
                break
            if author == "assistant" and _is_choice(sentence):
                _keep(found, _clean(sentence), "choice")
    return found


def _is_choice(sentence: str) -> bool:
    sentence = _clean(sentence)
    if sentence.endswith("?"):
        return False
    strong = _STRONG.search(sentence)
    if strong:
        return not _HEDGE.search(sentence[:strong.start()])
    weak = _WEAK.match(sentence)
    return bool(weak and _REASON.search(sentence, weak.end()))


def _keep(found: list[tuple[str, str]], statement: str, kind: str) -> None:
    if len(statement) < MIN_STATEMENT or statement.endswith("?") or _UNDECIDED.match(statement):
        return
    if kind == "choice" and _DANGLING.search(title_of(statement)):
        return  # "I'll use a comment to mention that": not self-contained, useless as a memory
    if len(statement) > MAX_STATEMENT:
        statement = statement[:MAX_STATEMENT].rsplit(" ", 1)[0] + " …"
    found.append((statement[:1].upper() + statement[1:], kind))


def title_of(statement: str) -> str:
    """A short title naming what was decided (see the module docstring)."""
    text = _clean(statement).replace("`", "")
    strong = _STRONG.search(text)
    if strong and strong.start() > 0:  # "After comparing both, we chose X": the choice is the title
        text = text[strong.start():]
    for pattern, replacement in _LEAD_INS:
        text, count = pattern.subn(replacement, text, count=1)
        if count:
            break
    clause = _CLAUSE_END.split(text, maxsplit=1)[0].strip(" ,.;:!")
    if len(clause) < 8:
        clause = text.strip(" ,.;:!")
    if len(clause) > MAX_TITLE:
        clause = clause[:MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
    return clause[:1].upper() + clause[1:]


def from_turns(turns: Iterable[Turn]) -> list[Decision]:
    """The decisions of a conversation: explicit lines from both sides, choices from the assistant,
    each with the person's ask it answered; de-duplicated and merged by title."""
    found: list[Decision] = []
    ask: str | None = None
    for turn in turns:
        for statement, kind in statements(turn.text, turn.role):
            found.append(Decision(title_of(statement), [statement], kind, turn.role,
                                  ask if turn.role == "assistant" else None,
                                  ["claude-code", "auto-extracted", kind]))
        if turn.role == "user":
            ask = turn.text
    return merge(found)


def merge(found: list[Decision]) -> list[Decision]:
    """Drop statements contained in another, then merge decisions with the same title."""
    norms = [normalise(d.statements[0]) for d in found]
    kept = [d for i, d in enumerate(found)
            if not any(j != i and norms[i] in norms[j] and (norms[i] != norms[j] or j < i)
                       for j in range(len(found)))]
    by_title: dict[str, Decision] = {}
    for decision in kept:
        twin = by_title.get(decision.title.lower())
        if twin is None:
            by_title[decision.title.lower()] = decision
        elif decision.statements[0] not in twin.statements:
            twin.statements.append(decision.statements[0])
    return list(by_title.values())
