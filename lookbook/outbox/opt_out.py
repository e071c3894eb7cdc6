"""Reading a customer's reply for a request to stop: clearly yes, maybe, or no.

Customers do not write carrier keywords. They write "STOP STOP STOP", "Stop please, thank you",
"Can you stop?", "Arrêtez", "unsuscribe", "🛑", and they also write "stopping by tomorrow" and
"Don't stop sending me these!". :func:`classify` sorts a reply into

``stop``
    a clear request to stop: consent on that channel is withdrawn at once (:mod:`lookbook.outbox.replies`);
``maybe``
    it may be one ("not interested", "who is this?", "Stop?", "too many messages"): the channel is
    paused and the customer's associate is asked to confirm; never ignored;
``no``
    anything else, look-alikes included.

The rules, in order: a negated stop ("don't stop", "n'arrêtez pas") is not one; look-alikes
("stop by", "bus stop", "can't stop wearing", "stop the hold") are taken out of the text; a stop
phrase anywhere ("stop sending", "take me off", "no me escribas más") is clear; a reply of only
stop words with politeness around them ("stop please, thanks", "STOP STOP") is clear; a stop word in
a longer reply, or a phrase of doubt, is a maybe. Typos are caught by adjacent transpositions of
"stop" and an edit distance of two from the longer words. ``tests/data/opt_out_replies.csv`` holds
the labelled replies these rules were tuned on and a held-out part they are measured on
(``tests/test_opt_out.py``, ``python -m bench.opt_out``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

STOP, MAYBE, NO = "stop", "maybe", "no"

# Words that, alone (with politeness around them), ask to stop. Carrier keywords and their translations.
_STOP_WORDS = {
    "stop", "stopp", "stopall", "unsubscribe", "unsub", "cancel", "end", "quit", "optout", "remove",
    "baja", "alto", "para",  # es
    "arret", "arrete", "arretez", "desabonner", "desabonnez", "desinscrire",  # fr
    "abmelden", "abbestellen", "stoppen",  # de, nl
    "basta", "disiscrivimi", "cancellami",  # it
    "parar", "pare", "sair", "descadastrar",  # pt
    "afmelden",  # nl
}
# Words that may surround a stop word without changing it: politeness, "me", "it", "now", "all".
_FILLER = {
    "please", "pls", "plz", "pleas", "now", "thanks", "thank", "you", "thx", "ty", "ok", "it", "me", "all", "i",
    "said", "again", "asap", "hi", "hey", "hello", "sorry",
    "por", "favor", "gracias", "de", "dame",
    "sil", "s'il", "vous", "plait", "svp", "merci", "moi",
    "bitte", "danke",
    "per", "favore", "grazie",
    "obrigado", "obrigada",
    "aub", "alsjeblieft", "dank", "je",
}
# Longer words whose typos count (edit distance up to 2).
_FUZZY = ("unsubscribe", "desabonner", "abmelden")

_NEGATED = re.compile("|".join([
    r"\b(?:don'?t|do not|dont|never|pls don'?t|please don'?t)\s+stop\b(?!\s+(?:at|by|in))",
    r"\bkeep\s+(?:them|these|it|sending|coming|going)\b",
    r"\bno pares\b", r"\bn'?arretez pas\b", r"\bnicht auf\b", r"\bnon (?:smettere|fermarti)\b",
    r"\bnao pare\b",
]))
# Look-alikes: taken out of the text before looking for a stop.
_LOOK_ALIKES = re.compile("|".join([
    r"\bstop(?:ping|ped|s)?\s+(?:by|in|at|over|off)\b", r"\bbus\s+stop\b", r"\bnon-?\s?stop\b",
    r"\bcan'?t\s+stop\s+\w+ing\b", r"\bstop\s+(?:tempting|teasing)\b", r"\bstop\s+(?:the|my)\s+hold\b",
    r"\bstop\s+holding\b", r"\b(?:when|what time)\b[^.?!]*\bstop\b", r"\bstop\s+serving\b",
    r"\bwhere do i stop\b", r"\bstop\s+at\s+one\b", r"\bcancel\s+(?:my|the)\s+(?:hold|order)\b",
    r"\bcancel\s+the\s+hold\b", r"\bend of\b", r"\bquit\s+(?:teasing|buying)\b", r"\bstop on the\b",
    # "stop sending shirts": only that category; "stop" stays, so the reply is a maybe, not a clear stop
    r"(?<=\bstop )sending(?=\s+(?:me\s+)?(?:shirts|dresses|trousers|jackets|shoes|skirts)\b)",
]))
_STOP_PHRASES = re.compile("|".join([
    r"\bunsubscribe\b", r"\bopt(?:ing)?[ -]?out\b",
    r"\bstop (?:messaging|texting|sending|writing|contacting|dm(?:ing)?|emailing|messages)\b",
    r"\b(?:can|could|would|will) (?:you|u) (?:please |pls )?stop\s*(?:[.?!]|$|please|pls|now|it)",
    r"\b(?:please|pls|plz) stop\b(?!\s+(?:with|being|for))", r"\bstop (?:please|pls|plz)\b",
    r"\b(?:don'?t|do not|never) (?:message|text|contact|dm|email|write to|send) me\b",
    r"\b(?:don'?t|do not) (?:send|write) (?:me )?(?:anything|any more|anymore)\b",
    r"\bdon'?t want (?:these|this|your|to receive|any)\b.*\b(?:any ?more|messages)\b",
    r"\bremove (?:me|my)\b", r"\btake me off\b", r"\bdelete my (?:number|details|data)\b",
    r"\bno more (?:messages|texts|dms|emails)\b", r"\bleave me alone\b", r"\bstop it\b",
    r"\bhow many times\b.*\bstop\b", r"\bi asked\b.*\bstop\b", r"\bnever signed up\b.*\bstop\b",
    r"\bnot interested\W+(?:please )?stop\b",
    r"\bdar(?:me)? de baja\b", r"\bno me (?:escribas|escriban|envies|envien|contactes|mandes)\b",
    r"\bno mas mensajes\b", r"\bdeja de (?:escribirme|mandarme|enviarme)\b", r"\bpara por favor\b",
    r"\bne m'?(?:ecrivez|envoyez) plus\b", r"\bplus de messages\b", r"\bdesabonn", r"\barretez de\b",
    r"\bkeine (?:nachrichten|werbung) mehr\b", r"\bschreib(?:en sie)? mir nicht\b",
    r"\bhoren sie auf\b", r"\bhor auf\b",
    r"\bnon (?:scrivermi|contattarmi)\b", r"\bbasta messaggi\b",
    r"\bpare de (?:me )?(?:enviar|mandar)\b", r"\bnao (?:me )?envie\b",
    r"\bstuur me geen\b", r"\bgeen berichten meer\b",
]))
_DOUBT = re.compile("|".join([
    r"\bnot interested\b", r"^\W*no,? thanks?\W*$", r"^\W*nah\W*$", r"\btoo many\b", r"\bmessage me less\b",
    r"\bless often\b", r"\bbit much\b", r"\bhad enough\b", r"^\W*enough\W*$", r"\bwho is this\b",
    r"\bhow did you get my\b", r"\bwhy am i getting\b", r"\bdidn'?t ask for\b", r"\bnot a customer\b",
    r"\bwrong number\b", r"\bdon'?t shop there\b", r"\bno use to me\b", r"\bpause\b", r"\bplease no\b",
    r"\bspam\b", r"^\W*report\W*$", r"^\W*blocked\W*$", r"\brather not\b", r"\bprefer you didn'?t\b",
    r"\bnot on here\b", r"\bonly email\b", r"^\W*ugh\W*$", r"\bmessage me a lot\b",
    r"\bno me interesa\b", r"^\W*no gracias\W*$", r"\bya no compro\b", r"\bpas interesse\b",
    r"^\W*non merci\W*$", r"\bc'?est qui\b", r"\bkein interesse\b", r"^\W*nein danke\W*$",
    r"\bnon mi interessa\b", r"\bnao tenho interesse\b", r"\bgeen interesse\b",
]))
_DOUBT_EMOJI = ("👎", "🙅", "🛑", "✋", "🚫")
_PLAYFUL = re.compile(r"\b(?:haha\w*|lol|omg|love|perfect|gorgeous|obsessed)\b|[😂🤣😭😍🥰]")


@dataclass(frozen=True)
class Verdict:
    """What a reply asks: ``stop``, ``maybe`` or ``no``, and the words that decided it."""

    kind: str
    why: str


def normalise(text: str) -> str:
    """Return the reply case-folded, without accents, curly quotes or letters held down ("pleaseeee")."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("’", "'").replace("`", "'")
    return re.sub(r"([a-z])\1{2,}", r"\1", plain)


def _distance(a: str, b: str, limit: int) -> int:
    """Return the edit distance (with adjacent transpositions) of two words, or ``limit + 1`` past it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _stop_word(word: str) -> str | None:
    """Return the stop word ``word`` is (or is a typo of), else None."""
    bare = word.replace("'", "").replace("-", "")
    if bare in _STOP_WORDS:
        return bare
    if bare in ("stpo", "sotp", "tsop", "stoop"):
        return "stop"
    for target in _FUZZY:
        if len(bare) >= 7 and _distance(bare, target, 2) <= 2:
            return target
    return None


def _negated(plain: str) -> Verdict | None:
    """Rule 1: a negated stop ("don't stop") is no request, unless a stop phrase without the word "stop"
    ("take me off") says otherwise."""
    negated = _NEGATED.search(plain)
    clear = _STOP_PHRASES.search(plain)
    if negated and not (clear and "stop" not in clear.group()):
        return Verdict(NO, f"negated: “{negated.group()}”")
    return None


def _stop_phrase(plain: str, rest: str) -> Verdict | None:
    """Rule 2: a stop phrase left once look-alikes are out is clear, except a playful "stop it"."""
    clear = _STOP_PHRASES.search(rest)
    if clear and not (_PLAYFUL.search(plain) and clear.group().strip() in ("stop it",)):
        return Verdict(STOP, f"“{clear.group().strip()}”")
    return None


def _stop_words(plain: str, words: list[str]) -> Verdict | None:
    """Rule 3: stop words with only politeness around them are clear (a bare "stop?" only a maybe); among other
    words they are a maybe, or nothing in a playful reply."""
    stops = [w for w in words if _stop_word(w)]
    if not stops:
        return None
    others = [w for w in words if not _stop_word(w) and w not in _FILLER]
    if not others:
        if plain.strip().endswith("?") and len(words) == 1:
            return Verdict(MAYBE, "a bare question: “stop?”")
        return Verdict(STOP, f"only “{' '.join(stops)}”")
    if _PLAYFUL.search(plain):
        return Verdict(NO, "playful: a stop word among delight")
    return Verdict(MAYBE, f"“{stops[0]}” in a longer reply")


def _doubt(text: str, rest: str, words: list[str]) -> Verdict | None:
    """Rule 4: a phrase of doubt or a refusal emoji is a maybe; a stop sign with no words at all is clear."""
    doubt = _DOUBT.search(rest)
    if doubt:
        return Verdict(MAYBE, f"“{doubt.group().strip()}”")
    if any(e in text for e in _DOUBT_EMOJI):
        if not words and any(e in text for e in ("🛑", "✋")):
            return Verdict(STOP, "a stop sign alone")
        return Verdict(MAYBE, "a refusal emoji")
    return None


def classify(text: str) -> Verdict:
    """Return whether a reply asks to stop: ``stop`` (clearly), ``maybe`` or ``no``, with the deciding words."""
    plain = normalise(text)
    # Look-alikes ("stop by", "bus stop") are taken out before stop words are looked for.
    rest = _LOOK_ALIKES.sub(" ", plain)
    words = re.findall(r"[a-z][a-z'-]*", rest)
    # The rules of the module docstring, in order: the first that decides wins.
    return (_negated(plain) or _stop_phrase(plain, rest) or _stop_words(plain, words) or _doubt(text, rest, words)
            or Verdict(NO, "no request to stop"))


def evaluate(labelled: list[tuple[str, str]]) -> dict[str, float]:
    """Return how :func:`classify` does on ``(label, text)`` pairs (labels ``stop``, ``maybe``, ``no``).

    ``precision`` and ``recall`` are of clear stops; ``flagged`` is the share of stops and maybes that are
    not ignored (classified stop or maybe); ``false_stops`` counts ordinary replies taken for a clear stop.
    """
    said = [(label, classify(text).kind) for label, text in labelled]
    stops = sum(label == STOP for label, _ in said)
    called = sum(kind == STOP for _, kind in said)
    hit = sum(label == kind == STOP for label, kind in said)
    doubtful = [kind for label, kind in said if label != NO]
    return {"replies": len(said), "precision": hit / called if called else 1.0, "recall": hit / stops if stops else 1.0,
            "flagged": sum(kind != NO for kind in doubtful) / len(doubtful) if doubtful else 1.0,
            "false_stops": sum(label == NO and kind == STOP for label, kind in said)}
