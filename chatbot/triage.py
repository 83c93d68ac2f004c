"""Urgent triage, run before any retrieval: emergencies, crises and new symptoms on treatment.

The rules are data (data/triage.yaml) a clinic can edit. How a message is read:

1. **Normalise**: fold case and Unicode, drop apostrophes ("can't" -> "cant"), then mend words:
   the file's ``spellings`` (text-speak, dialect and known slips: "cnt" -> "cant", "cannae" ->
   "cant", "diarhea" -> "diarrhoea"); for the words listed under ``typos``, any single slip (a letter
   missing, doubled or extra, two letters swapped, or in long words one letter wrong: "siezure",
   "vomitting", "breth"); then general English repair (chatbot.english) that prefers the words the
   rules are written with ("wnt" -> "want", "roastin" -> "roasting"), asked only of a word within
   about two slips of one of them, so most messages never load the dictionary. Contractions typed
   without the apostrophe ("ive", "thats") are words. A ``sound_alike`` with nothing after it in its
   clause is read as the word it sounds like ("i want to dye" -> "die"; "dye my hair" stays).
   ``{treatment}`` in a pattern stands for any of the file's ``treatments``.
   The whole message is read, however long: cut into windows of about WINDOW_CHARS at sentence
   ends, each read on its own, so time grows linearly with length.
2. **Idioms** (frame ``idiom``) are blanked out: "laughed so hard I couldn't breathe", "dying for a
   cuppa", and fillers that only look negative ("not sure if", "I don't know why").
3. The message is cut into sentences and clauses (at punctuation and "but", "although", ...).
4. Each rule pattern is either a regular expression or ``{all: [A, B, ...], within: N}``: every
   part in the same clause, in any order, at most N words apart ("my poo is black and tarry" and
   "tarry black stools" are one pattern).
5. A match does not count when
   - a ``negation`` stands in the few words before it, or between the parts of an ``all`` pattern
     ("I don't have chest pain", "my poo isn't black"); the look-back stops where a new subject
     starts ("no fever and my chest hurts"); a wildcard word in a pattern is never a negation
     ("I'm not tired"); or ``negation_after`` follows it ("my breathing is fine", "the rash has gone");
   - its part of the clause is ``informational`` ("can it cause a cough?", "I read it can cause seizures");
   - a ``hypothetical`` marker stands before it in its part of the clause ("what should I do if I get
     a fever");
   - its part of the clause is ``past`` ("my dad had a stroke years ago"), or its sentence is
     ``resolved`` ("I had a rash but it cleared up"), unless that part has a ``present`` marker ("now",
     "today", "since", "yesterday") or the clause goes on to say it is back (``recurrence``: "... and
     I've just had another one");
   - for symptom rules only, its sentence is ``general``: a long-standing condition or a general
     question ("he has COPD and gets breathless", "is it normal to get the runs on immuno?").
     Emergencies stay emergencies whatever the history or phrasing ("I have asthma and can't breathe").
   "Part of the clause": framing reaches only as far as the clause goes on with one subject, so in
   "I read it can cause that and I can't breathe" the second part is not informational. In a clause
   saying it is happening this minute (``now``: "right now", "at the moment"), emergencies and crises
   count even inside a question or an "if" ("what do I do if he's not breathing right now").
   Rules marked ``always: true`` (crisis wording, pleas for help) ignore framing, though not
   negation: a person in crisis may well put it as a question ("what's the point in living?").
6. Symptom rules also need the message to be a ``report`` about someone now ("I've had the runs since
   my infusion"), not a general remark.

7. A rule with ``scope: message`` is read across the whole message, sentences and all, with no
   framing (a goodbye in one sentence, "I won't be needing my next appointment" in the next).

The most serious level found wins: crisis > emergency > symptom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import permutations
from pathlib import Path

from .errors import DataError
from .text import fold
from .triage_words import Speller, rule_vocabulary
from .yamlfile import Located, read_yaml

LEVELS = ("crisis", "emergency", "symptom")
# Shown when a reply could not be worked out, or triage itself failed; data/triage.yaml may say it
# differently (messages: safety).
DEFAULT_SAFETY = ("If this is an emergency, call 999 now or go to A&E. For urgent medical advice, call NHS 111. "
                  "If you are struggling to cope, Samaritans are there day and night on 116 123.")
FRAMES = (
    "idiom", "negation", "negation_after", "past", "resolved", "present",
    "recurrence", "hypothetical", "informational", "general", "now", "report",
)
KEYS = ("messages", "spellings", "typos", "sound_alike", "treatments", "frames", "rules")
TREATMENT = "{treatment}"  # in a pattern, stands for any of the file's treatments
NEGATION_WINDOW = 5  # words before a match in which a negation cancels it
AFTER_WINDOW = 40  # characters after a match searched by negation_after ("... is normal")
WINDOW_CHARS = 2_000  # a longer message is read in windows of about this size, so time grows linearly
WINDOW_OVERLAP = 200  # a window cut inside a sentence repeats this much of the one before it
DEFAULT_WITHIN = 4  # words allowed between the parts of an ``all`` pattern
_UNSET = object()


class LazyPattern:
    """A regular expression compiled on first use, behind a quick test for the words it needs.

    Triage holds hundreds of patterns; Python's re takes a good part of a second to compile them
    all, yet a message only ever matches a few. So each pattern knows text that any match must
    contain (one of a few literal strings, see required_text()): a message without any of them
    cannot match, and the pattern is neither compiled nor searched. Patterns read from the data
    file are compiled at once (to report a mistake with its line); those from the index cache,
    already checked, come with their required text and are compiled only when needed.
    """

    __slots__ = ("pattern", "_compiled", "_needs")

    def __init__(self, pattern: str, compiled: re.Pattern[str] | None = None, needs=_UNSET) -> None:
        self.pattern = pattern
        self._compiled = compiled
        self._needs = needs

    @property
    def needs(self) -> tuple[str, ...] | None:
        """Strings one of which every match contains; None when that cannot be told."""
        if self._needs is _UNSET:
            self._needs = required_text(self.pattern)
        return self._needs

    def may_match(self, text: str) -> bool:
        needs = self.needs
        if needs is None:
            return True
        for piece in needs:
            if piece in text:
                return True
        return False

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def search(self, text: str, *args, **kwargs):
        return self._get().search(text, *args, **kwargs) if self.may_match(text) else None

    def match(self, text: str, *args, **kwargs):
        return self._get().match(text, *args, **kwargs) if self.may_match(text) else None

    def finditer(self, text: str, *args, **kwargs):
        return self._get().finditer(text, *args, **kwargs) if self.may_match(text) else iter(())

    def sub(self, replacement, text: str, *args, **kwargs):
        return self._get().sub(replacement, text, *args, **kwargs) if self.may_match(text) else text


def required_text(pattern: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of the pattern contains, or None if there is no such set.

    Read from the pattern's parse tree: a run of literal characters must appear as it is; a group
    or a repeat taken at least once needs what its inside needs; an alternation needs one of what
    its branches need. Of the requirements of a sequence, the most selective is kept (the one
    whose shortest string is longest). Anything unusual (case-insensitive flags, a branch that
    needs nothing) gives None, which means "always try the pattern": the answer errs only on the
    side of searching.
    """
    try:
        from re import _constants as sre, _parser  # CPython's own parser (sre_parse)

        parsed = _parser.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None
        found = _required(parsed.data, sre)
    except Exception:  # noqa: BLE001 - a parser that changed or a pattern it rejects: no shortcut
        return None
    return tuple(sorted(found)) if found else None


def _required(items, sre) -> frozenset[str] | None:
    options: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            options.append(frozenset(["".join(run)]))
            run.clear()

    for op, value in items:
        if op is sre.LITERAL:
            run.append(chr(value))
            continue
        end_run()
        inner = None
        if op is sre.SUBPATTERN:
            if value[1] & re.IGNORECASE:
                return None
            inner = _required(value[3], sre)
        elif op is sre.ATOMIC_GROUP:
            inner = _required(value, sre)
        elif op is sre.BRANCH:
            branches = [_required(branch, sre) for branch in value[1]]
            if all(branches):
                inner = frozenset().union(*branches)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] >= 1:
            inner = _required(value[2], sre)
        if inner:
            options.append(inner)
    end_run()
    if not options:
        return None
    return max(options, key=lambda option: (min(map(len, option)), -len(option)))


Pattern = LazyPattern  # what rules and frames hold


_SENTENCES = re.compile(r"[!?\n]+|\.(?=\s|$)")
_CLAUSES = re.compile(r"[;,:()]+|\s(?:but|although|though|however|except|whereas|otherwise)\s")
# Where a new subject starts, a negation before it no longer reaches forward ("no fever and my chest hurts").
_NEW_SUBJECT = re.compile(
    r".*\b(?:and|so|then|now|because|cos|plus) (?:i|im|ive|id|my|he|hes|his|she|shes|her|we|our|they|theyre|their|it|its|now)\b"
)
# Where a clause goes on with a new subject, framing stops ("I read it can cause that | and I can't breathe").
_SEGMENT = re.compile(
    r"\b(?:and|but|so|then|because|cos|coz|plus) (?=(?:i|im|ive|id|my|he|hes|his|she|shes|her|we|our|they|theyre|their|now)\b)"
)
_ESCAPE = re.compile(r"\\.")
_NEVER_READ = re.compile(r"[A-Z'\"\u2018\u2019\u201c\u201d]")  # normalise() leaves none of these
_PUNCTUATION = re.compile(r" ?[.!?;,:\n()]+ ?")
# Words that may follow a verb used without an object ("i want to die now", "... die tonight").
_BARE_END = "now|tonight|today|soon|already|anyway|please|honestly|lol|x+|tbh|too|as well|i think|right now"
# Text-speak "2" for "to" after a word that takes "to" ("want 2 die", "hard 2 breathe"); and "too", but
# only after a verb of wanting or trying and never where "too" means too ("had too many tablets").
_TEXT_SPEAK_TO = re.compile(
    r"\b(want|wants|wanted|going|trying|try|need|needs|have|has|had|got|hard|difficult|struggling|unable|able|about|used|ready|time) 2 (?=[a-z])"
    r"|\b(want|wants|wanted|going|trying|need|needs|ready|struggling|unable|able) too (?!(much|many|late|early|long|soon|far|bad|hard|"
    r"tired|weak|ill|sick|scared|little|few|hot|cold|big|small|high|low|often|quick|quickly|fast)\b)(?=[a-z])"
)
# Words a wildcard word in a pattern may not be (see _any_word).
_NEGATED = "(?:not|never|dont|doesnt|didnt|isnt|arent|wasnt|werent|havent|hasnt|hadnt|wont|less|no longer)"
_LIST_TAIL = re.compile(r"\b(?:or|nor)\b")  # "..., cough or rash" continues a list
_NEW_START = re.compile(r"(?:i|im|ive|my|he|hes|his|she|shes|her|we|they|it|its|and|now|since|so|then|but)\b")


@dataclass(frozen=True)
class Rule:
    """Named patterns of one urgency level."""

    name: str
    level: str
    patterns: tuple[tuple[Pattern, tuple[Pattern, ...]], ...]  # (pattern, parts of an all-pattern)
    always: bool = False  # counts even in an informational, hypothetical or past clause
    whole: bool = False  # matched across the whole message, not clause by clause (a farewell and its reason)

    def chunks(self, size: int = 3) -> list[tuple[Pattern, range]]:
        """The rule's patterns joined a few at a time: one quick search over the message says which to try.

        (Small groups: one large alternation runs slower in Python's re than its parts one by one.)"""
        out = []
        for start in range(0, len(self.patterns), size):
            group = self.patterns[start : start + size]
            joined = "|".join(f"(?:{pattern.pattern})" for pattern, _ in group)
            out.append((LazyPattern(joined), range(start, start + len(group))))
        return out


@dataclass(frozen=True)
class TriageResult:
    """Why a message is urgent: the level, the rule that fired, and the help message to show first."""

    level: str
    rule: str
    message: str


def normalise(text: str) -> str:
    """The form rules are written against: folded, no apostrophes, single spaces."""
    text = fold(text).replace("'", "")
    text = re.sub(r"[^a-z0-9.!?;,:\n()&]+", " ", text)
    return re.sub(r"[ ]+", " ", text).strip()


class _Clause:
    """One clause: rules match on all of it; framing is worked out per segment, only when needed."""

    def __init__(self, triage: "Triage", text: str, sentence: str, window: str = "", end: int = 0) -> None:
        self.triage = triage
        self.text = text
        self.sentence = sentence
        self.window = window  # the text read, and where this clause's sentence ends in it
        self.end = end
        self.starts = [0] + [m.start() for m in _SEGMENT.finditer(text)]
        self.segments: dict[int, _Segment] = {}

    def segment_at(self, position: int) -> "_Segment":
        """The segment (part with one subject) in which position lies."""
        start = max(s for s in self.starts if s <= position)
        if start not in self.segments:
            ends = [s for s in self.starts if s > start]
            end = ends[0] if ends else len(self.text)
            self.segments[start] = _Segment(self.triage, self.text[start:end], self.sentence, start)
        return self.segments[start]

    def recurs_after(self, segment: "_Segment") -> bool:
        """A later part of the clause says it is happening again ("... and now I've had another one")."""
        later = self.text[segment.offset + len(segment.text) :]
        return bool(later) and self.triage._has("recurrence", later)

    @cached_property
    def back_later(self) -> bool:
        """A later sentence says it is back now ("I had chest pain last year. Now it's back.")."""
        later = self.window[self.end :]
        recurrence = self.triage.frames.get("recurrence")
        if not later.strip() or recurrence is None or not recurrence.has(later):
            return False
        return self.triage._present(recurrence.sub(" ", later))  # "again" says it recurs, not when

    @cached_property
    def now(self) -> bool:
        """Happening this minute: an emergency counts even inside a question or an if."""
        return self.triage._has("now", self.text)


class _Segment:
    """Part of a clause with one subject, and its framing, each worked out when first asked."""

    def __init__(self, triage: "Triage", text: str, sentence: str, offset: int) -> None:
        self.triage = triage
        self.text = text
        self.sentence = sentence
        self.offset = offset

    @cached_property
    def informational(self) -> bool:
        return self.triage._has("informational", self.text)

    @cached_property
    def past(self) -> bool:
        """Past or resolved, with no present marker to say it is happening again now."""
        past = self.triage._has("resolved", self.sentence) or self.triage._has("past", self.text)
        return past and not self.triage._present(self.text)

    @cached_property
    def hypothetical_at(self) -> int:
        """Where (in the clause) the first hypothetical marker starts, or -1."""
        pattern = self.triage.frames.get("hypothetical")
        match = pattern.search(self.text) if pattern else None
        return self.offset + match.start() if match else -1

    @cached_property
    def general(self) -> bool:
        """In its sentence, a long-standing condition or a general question: symptom rules do not count."""
        return self.triage._has("general", self.sentence)


class Triage:
    """Decides whether a message is urgent. Use: Triage.from_file(path).check("I can't breathe")."""

    def __init__(
        self,
        rules: list[Rule],
        frames: dict[str, "_Frame"],
        messages: dict[str, str],
        spellings: dict[str, str] | None = None,
        typos: list[str] | None = None,
        sound_alike: dict[str, str] | None = None,
    ) -> None:
        self.rules = sorted(rules, key=lambda rule: LEVELS.index(rule.level))
        self.frames = frames
        self.messages = messages
        self._chunks = [rule.chunks() for rule in self.rules]
        spelled = {w for right in (spellings or {}).values() for w in right.split()}
        vocabulary = rule_vocabulary([p for rule in self.rules for pattern, parts in rule.patterns for p in (pattern, *parts)]
                                 + [frame.whole for frame in frames.values()])
        self.speller = Speller(spellings or {}, typos or [], vocabulary | spelled)
        self.sound_alike = sound_alike or {}
        # a sound-alike with nothing after it in its clause (no object: "i want to dye") is read as the word
        self._sound_alike = re.compile(
            r"\b(" + "|".join(map(re.escape, sorted(self.sound_alike))) + r")\b(?= ?(?:[.!?;,:\n]|$|(?:" + _BARE_END + r")\b))"
        ) if self.sound_alike else None

    @property
    def safety_message(self) -> str:
        """The emergency numbers, for a reply that could not be screened or worked out."""
        return self.messages.get("safety") or DEFAULT_SAFETY

    # ------------------------------------------------------------------ loading
    def _lazy_patterns(self):
        for rule, chunks in zip(self.rules, self._chunks):
            for pattern, parts in rule.patterns:
                yield pattern
                yield from parts
            for chunk, _ in chunks:
                yield chunk
        for frame in self.frames.values():
            yield from frame.chunks
            yield frame.whole

    def warm_up(self) -> None:
        """Compile every pattern now and load the English dictionary (a long-running process: no
        question waits for either)."""
        from .english import english

        english()
        for pattern in self._lazy_patterns():
            pattern._get()

    def required_texts(self) -> dict[str, list[str] | None]:
        """Each pattern's required text (see required_text), JSON-safe, for the index cache."""
        return {p.pattern: list(p.needs) if p.needs is not None else None for p in self._lazy_patterns()}

    def use_required_texts(self, table: dict) -> None:
        """Take the patterns' required texts from the index cache instead of parsing every pattern again."""
        for pattern in self._lazy_patterns():
            if pattern.pattern in table and pattern._needs is _UNSET:
                needs = table[pattern.pattern]
                pattern._needs = None if needs is None else tuple(str(piece) for piece in needs)

    @classmethod
    def from_file(cls, path: Path | str) -> "Triage":
        """Load and check data/triage.yaml; raise DataError naming the line of a mistake."""
        return cls.from_document(read_yaml(path), path)

    @classmethod
    def from_document(cls, doc: Located, path: Path | str) -> "Triage":
        """Build from a parsed file (or its data kept in the index cache); errors name path and line."""
        data = doc.data
        if not isinstance(data, dict):
            raise DataError(path, doc.line(), "the triage file must be a mapping with messages, frames and rules")
        for key in data:
            if key not in KEYS:
                raise DataError(path, doc.line(key), f"unknown key {key!r}; the keys are {', '.join(KEYS)}")
        messages = data.get("messages")
        if "messages" not in data:
            raise DataError(path, doc.line(), "the messages key is missing: it maps each level (crisis, emergency, symptom) to its text")
        if not isinstance(messages, dict):
            raise DataError(path, doc.line("messages"), "messages must map each level (crisis, emergency, symptom) to its text")
        for level in LEVELS:
            if not isinstance(messages.get(level), str) or not messages[level].strip():
                raise DataError(path, doc.line("messages", level), f"messages needs a text for {level!r}")
        spellings = _load_spellings(data.get("spellings"), path, doc)
        sound_alike = _load_spellings(data.get("sound_alike"), path, doc, "sound_alike")
        typos = _load_typos(data.get("typos"), path, doc)
        treatment = _load_treatments(data.get("treatments"), path, doc)
        frames_data = data.get("frames") or {}
        if not isinstance(frames_data, dict):
            raise DataError(path, doc.line("frames"), f"frames must be a mapping with the keys {', '.join(FRAMES)}")
        frames: dict[str, _Frame] = {}
        for name, patterns in frames_data.items():
            if name not in FRAMES:
                raise DataError(path, doc.line("frames", name), f"unknown frame {name!r}; the frames are {', '.join(FRAMES)}")
            frames[name] = _compile_any(patterns, path, doc, ("frames", name), treatment)
        rules_data = data.get("rules")
        if "rules" not in data:
            raise DataError(path, doc.line(), "the rules key is missing: it lists the rules as {name, level, patterns}")
        if not isinstance(rules_data, list) or not rules_data:
            raise DataError(path, doc.line("rules"), "rules must be a list of {name, level, patterns}")
        rules = []
        for index, item in enumerate(rules_data):
            where = ("rules", index)
            if not isinstance(item, dict):
                raise DataError(path, doc.line(*where), "each rule is a mapping with name, level and patterns")
            unknown = set(item) - {"name", "level", "patterns", "always", "scope"}
            if unknown:
                key = sorted(unknown)[0]
                raise DataError(path, doc.line(*where, key), f"unknown key {key!r} in a rule")
            if not isinstance(item.get("name"), str) or not item["name"].strip():
                raise DataError(path, doc.line(*where), "each rule needs a name")
            if item.get("level") not in LEVELS:
                raise DataError(path, doc.line(*where, "level"),
                                f"rule {item['name']!r}: level must be one of {', '.join(LEVELS)}, not {item.get('level')!r}")
            if "always" in item and not isinstance(item["always"], bool):
                raise DataError(path, doc.line(*where, "always"), "always must be true or false")
            if item.get("scope", "clause") not in ("clause", "message"):
                raise DataError(path, doc.line(*where, "scope"), "scope must be clause or message")
            patterns = item.get("patterns")
            if not isinstance(patterns, list) or not patterns:
                raise DataError(path, doc.line(*where, "patterns"), f"rule {item['name']!r} needs a list of patterns")
            compiled = tuple(
                _compile_pattern(p, path, doc, (*where, "patterns", i), treatment) for i, p in enumerate(patterns)
            )
            whole = item.get("scope") == "message"
            rules.append(Rule(item["name"], item["level"], compiled, bool(item.get("always", False)) or whole, whole))
        if "safety" in messages and (not isinstance(messages["safety"], str) or not messages["safety"].strip()):
            raise DataError(path, doc.line("messages", "safety"), "messages: safety must be a text (or left out)")
        texts = {level: messages[level].strip() for level in (*LEVELS, "safety") if level in messages}
        return cls(rules, frames, texts, spellings, typos, sound_alike)

    # ------------------------------------------------------------------ checking
    def prepare(self, text: str) -> str:
        """The message as rules see it: normalised, words mended, idioms blanked."""
        mended = self.speller(normalise(text))  # mended first: "wnt 2 die" is "want 2 die"
        norm = _TEXT_SPEAK_TO.sub(lambda m: f"{m.group(1) or m.group(2)} to ", mended)
        if self._sound_alike is not None:
            norm = self._sound_alike.sub(lambda m: self.sound_alike[m.group(1)], norm)
        idiom = self.frames.get("idiom")
        if idiom is not None:
            norm = idiom.sub(" ", norm)
        return re.sub(r"[ ]+", " ", norm).strip()

    def check(self, text: str) -> TriageResult | None:
        """The most serious urgent finding anywhere in the message, however long, or None."""
        norm = self.prepare(text)
        worst = None
        for window in windows(norm):
            found = self._check_window(window)
            if found is not None and (worst is None or LEVELS.index(found.level) < LEVELS.index(worst.level)):
                worst = found
                if worst.level == LEVELS[0]:
                    break
        return worst

    def _check_window(self, norm: str) -> TriageResult | None:
        """The most serious finding in one window of the prepared message."""
        if not norm:
            return None
        clauses = self._clauses(norm)
        reported = None
        flat = _PUNCTUATION.sub(" ", norm)  # for rules read across the whole message
        for rule, chunks in zip(self.rules, self._chunks):
            candidates = [i for chunk, indexes in chunks if chunk.search(flat if rule.whole else norm) for i in indexes]
            if not candidates:
                continue
            if rule.level == "symptom":
                if reported is None:
                    reported = self._has("report", norm)
                if not reported:
                    continue
            for clause in ([_Clause(self, flat, norm)] if rule.whole else clauses):
                if self._fires(rule, clause, candidates):
                    return TriageResult(rule.level, rule.name, self.messages[rule.level])
        return None

    def _clauses(self, norm: str) -> list[_Clause]:
        out = []
        start = 0
        for cut in [*_SENTENCES.finditer(norm), None]:
            end = cut.start() if cut else len(norm)
            sentence = norm[start:end].strip()
            if sentence:
                out.extend(_Clause(self, part, sentence, norm, end) for part in self._parts(sentence))
            start = cut.end() if cut else end
        return out

    def _parts(self, sentence: str) -> list[str]:
        """Clauses of a sentence; a list after a negation stays with it ("no fever, cough or rash")."""
        parts: list[str] = []
        for part in _CLAUSES.split(sentence):
            part = part.strip()
            if not part:
                continue
            if parts and _LIST_TAIL.search(part) and not _NEW_START.match(part) and self._has("negation", parts[-1]):
                parts[-1] = f"{parts[-1]} {part}"
            else:
                parts.append(part)
        return parts

    def _present(self, clause: str) -> bool:
        """A present-time marker, not counting the "now" of "fine now" and the like."""
        for name in ("resolved", "past"):
            pattern = self.frames.get(name)
            if pattern is not None:
                clause = pattern.sub(" ", clause)
        return self._has("present", clause)

    def _has(self, frame: str, text: str) -> bool:
        pattern = self.frames.get(frame)
        return pattern is not None and pattern.has(text)

    def _fires(self, rule: Rule, clause: _Clause, candidates: list[int]) -> bool:
        text = clause.text
        for index in candidates:
            pattern, parts = rule.patterns[index]
            for match in pattern.finditer(text):
                if not rule.always and self._framed(rule, clause, match.start()):
                    continue
                if self._negated(text, match, parts):
                    continue
                return True
        return False

    def _framed(self, rule: Rule, clause: _Clause, position: int) -> bool:
        """Is a match at this position framed as past, general, informational or hypothetical?"""
        segment = clause.segment_at(position)
        if segment.past and not clause.recurs_after(segment) and not clause.back_later:
            return True
        if rule.level == "symptom":
            if segment.general:
                return True
        elif clause.now:  # an emergency happening this minute counts even inside a question
            return False
        return segment.informational or 0 <= segment.hypothetical_at < position

    def _negated(self, text: str, match: re.Match[str], parts: tuple[Pattern, ...]) -> bool:
        before = text[: match.start()]
        cut = _NEW_SUBJECT.match(before)
        if cut:
            before = before[cut.end() :]
        words = before.split()
        window = words[-NEGATION_WINDOW:]
        if "or" in window or "nor" in window:  # a list: "no fever, cough or rash"
            window = words[-2 * NEGATION_WINDOW :]
        window = " ".join(window)
        if window and self._has("negation", window + " "):
            return True
        if parts:  # the words between the parts of an all-pattern ("my poo isnt black")
            gap = match.group()
            for part in parts:
                gap = part.sub(" ", gap, count=1)
            if gap.strip() and self._has("negation", gap):
                return True
        after = self.frames.get("negation_after")
        return bool(after and after.match(text[match.end() : match.end() + AFTER_WINDOW].lstrip()))


def windows(norm: str, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP):
    """The prepared message in pieces of at most about size characters, each read on its own.

    Rules and frames then only ever search bounded text, so a paste of any length is screened
    whole in time that grows linearly with it. A window ends at a sentence end in its second half
    where there is one; otherwise at a space, and the next window starts overlap characters
    earlier, so that no phrase is lost at the cut.
    """
    start, length = 0, len(norm)
    while start < length:
        end = start + size
        if end >= length:
            yield norm[start:]
            return
        cut = max(norm.rfind(mark, start + size // 2, end) for mark in ".!?\n")
        if cut > start:
            yield norm[start : cut + 1]
            start = cut + 1
            continue
        space = norm.rfind(" ", start + size // 2, end)
        end = space if space > start else end
        yield norm[start:end]
        back = norm.find(" ", end - overlap, end)
        start = back + 1 if back > start else end


# ---------------------------------------------------------------------- loading helpers
def _any_word(pattern: str) -> str:
    """A wildcard word ( \\w+) or (\\w+ ) in a pattern never stands for a negation ("I'm not tired")."""
    return pattern.replace(r"( \w+)", rf"( (?!{_NEGATED}\b)\w+)").replace(r"(\w+ )", rf"((?!{_NEGATED}\b)\w+ )")


def _compile(pattern: object, path: Path | str, line: int | None, checked: bool = False, treatment: str = "") -> LazyPattern:
    """A pattern as a word-bounded expression; compiled now unless the index cache vouches for it."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise DataError(path, line, "a pattern must be non-empty text")
    if _NEVER_READ.search(_ESCAPE.sub("", pattern)):
        raise DataError(path, line, f"the pattern {pattern!r} can never match: messages are read in lower case, "
                                    "without apostrophes or quotes (write can't as cant)")
    if TREATMENT in pattern and not treatment:
        raise DataError(path, line, f"the pattern {pattern!r} uses {TREATMENT} but the file lists no treatments")
    source = r"\b(?:" + _any_word(pattern.replace(TREATMENT, treatment)) + r")\b"
    if checked:
        return LazyPattern(source)
    return LazyPattern(source, compile_checked(source, pattern, path, line))


def compile_checked(source: str, pattern: str, path: Path | str, line: int | None) -> re.Pattern[str]:
    """source (pattern as it will be used) compiled, or a DataError naming file:line: it does not
    compile, or it would break, change meaning or hang once in use (see uncombinable)."""
    try:
        compiled = re.compile(source)
    except re.error as exc:
        raise DataError(path, line, f"the pattern {pattern!r} is not a valid regular expression ({exc.msg})") from None
    problem = uncombinable(source)
    if problem:
        raise DataError(path, line, f"the pattern {pattern!r} {problem}")
    return compiled


def uncombinable(source: str) -> str | None:
    """Why a pattern that compiles on its own would break, change meaning or hang once in use.

    Patterns are searched joined a few at a time ("(?:a)|(?:b)"): there a group name used twice
    stops the search, and a numbered back-reference points at another pattern's group. A repeat
    without limit inside another ("(\\w+ )+") can take forever on a long message. So a data file
    may use none of these; None when the pattern is fine.
    """
    from re import _constants as sre, _parser  # CPython's own parser (sre_parse)

    parsed = _parser.parse(source)
    if parsed.state.groupdict:
        return "names a group ((?P<name>...)); use a plain group (...) instead"
    stack = [(parsed.data, False)]
    while stack:
        items, in_unbounded = stack.pop()
        for op, value in items:
            if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
                return "refers back to a group (\\1 or (?(1)...)), which breaks when patterns are joined"
            unbounded = op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[1] is sre.MAXREPEAT
            if unbounded and in_unbounded:
                return "repeats without limit inside a repeat without limit, which can take forever; give one a limit such as {0,4}"
            inner = in_unbounded or unbounded
            for part in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(part, _parser.SubPattern):
                    stack.append((part.data, inner))
                elif isinstance(part, (tuple, list)):
                    stack.extend((p.data, inner) for p in part if isinstance(p, _parser.SubPattern))
    return None


def _compile_pattern(item: object, path: Path | str, doc, where: tuple, treatment: str = ""):
    """A rule pattern: a regular expression, or {all: [parts], within: N} for parts in any order."""
    if not isinstance(item, dict):
        return _compile(item, path, doc.line(*where), doc.node is None, treatment), ()
    unknown = set(item) - {"all", "within"}
    if unknown:
        key = sorted(unknown)[0]
        raise DataError(path, doc.line(*where, key), f"unknown key {key!r} in a pattern; use all and within")
    parts = item.get("all")
    if not isinstance(parts, list) or len(parts) < 2:
        raise DataError(path, doc.line(*where, "all") if "all" in item else doc.line(*where),
                        "all needs a list of at least two patterns")
    if len(parts) > 4:
        raise DataError(path, doc.line(*where, "all"), "all takes at most four patterns")
    within = item.get("within", DEFAULT_WITHIN)
    if not isinstance(within, int) or isinstance(within, bool) or not 0 <= within <= 20:
        raise DataError(path, doc.line(*where, "within"), "within must be a whole number of words from 0 to 20")
    checked = doc.node is None
    compiled = tuple(_compile(p, path, doc.line(*where, "all", i), checked, treatment) for i, p in enumerate(parts))
    gap = r"(?: \S+){0,%d}? " % within
    alternatives = [gap.join(p.pattern for p in order) for order in permutations(compiled)]
    return LazyPattern("|".join(f"(?:{a})" for a in alternatives)), compiled


class _Frame:
    """A frame's patterns: searched a few at a time (fast), substituted and matched all at once."""

    def __init__(self, compiled: list[Pattern], size: int = 3) -> None:
        self.chunks = [
            LazyPattern("|".join(f"(?:{p.pattern})" for p in compiled[i : i + size]))
            for i in range(0, len(compiled), size)
        ]
        self.whole = LazyPattern("|".join(f"(?:{p.pattern})" for p in compiled))

    def has(self, text: str) -> bool:
        return any(chunk.search(text) for chunk in self.chunks)

    def search(self, text: str) -> re.Match[str] | None:
        """The earliest match of any pattern, or None."""
        found = [m for chunk in self.chunks if (m := chunk.search(text))]
        return min(found, key=lambda m: m.start()) if found else None

    def sub(self, replacement: str, text: str) -> str:
        return self.whole.sub(replacement, text) if self.has(text) else text

    def match(self, text: str) -> re.Match[str] | None:
        return self.whole.match(text)


def _compile_any(patterns: object, path: Path | str, doc, where: tuple, treatment: str = "") -> _Frame:
    if not isinstance(patterns, list) or not patterns:
        raise DataError(path, doc.line(*where), "a frame is a list of patterns")
    checked = doc.node is None
    return _Frame([_compile(pattern, path, doc.line(*where, index), checked, treatment) for index, pattern in enumerate(patterns)])


def _load_treatments(data: object, path: Path | str, doc) -> str:
    """treatments: [patterns] -> one group that {treatment} in a rule stands for."""
    if data is None:
        return ""
    if not isinstance(data, list) or not data:
        raise DataError(path, doc.line("treatments"), "treatments must be a list of words or patterns")
    for i, item in enumerate(data):
        if not isinstance(item, str) or not item.strip():
            raise DataError(path, doc.line("treatments", i), "each treatment must be a word or a pattern")
        try:
            re.compile(item)
        except re.error as exc:
            raise DataError(path, doc.line("treatments", i), f"the treatment {item!r} is not a valid regular expression ({exc.msg})") from None
    return "(?:" + "|".join(data) + ")"


def _load_spellings(data: object, path: Path | str, doc, key: str = "spellings") -> dict[str, str]:
    """spellings (or sound_alike): {right word or words: [variants]} -> {variant: right}."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataError(path, doc.line(key), f"{key} must map a word to the list of its other spellings")
    out: dict[str, str] = {}
    for right, variants in data.items():
        line = doc.line(key, right)
        if not isinstance(right, str) or not re.fullmatch(r"[a-z0-9&]+(?: [a-z0-9&]+)*", right):
            raise DataError(path, line, f"spelling {right!r} must be lower-case words")
        if not isinstance(variants, list) or not variants:
            raise DataError(path, line, f"spelling {right!r} needs a list of variants")
        for i, variant in enumerate(variants):
            if not isinstance(variant, str) or not re.fullmatch(r"[a-z]+", variant):
                raise DataError(path, doc.line(key, right, i), f"variant {variant!r} must be one lower-case word")
            out[variant] = right
    return out


def _load_typos(data: object, path: Path | str, doc) -> list[str]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise DataError(path, doc.line("typos"), "typos must be a list of words")
    for i, word in enumerate(data):
        if not isinstance(word, str) or not re.fullmatch(r"[a-z]{4,}", word):
            raise DataError(path, doc.line("typos", i), f"typo word {word!r} must be one lower-case word of 4 letters or more")
    return list(data)
