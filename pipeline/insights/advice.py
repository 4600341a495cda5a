"""Advice that recurs across contacts, grouped by meaning.

Lexical by default: TF-IDF vectors of the advice texts (Snowball word stems, stop words out) grouped
by average-linkage clustering on cosine similarity (scikit-learn). With a model, its token
states mean-pooled per item (the `token_vectors` interface), centred across the items, are the
vectors instead. A group recurs when two or more contacts said something in it.
"""
from __future__ import annotations

from typing import Any, Iterable

from pipeline.insights.data import Interview, evidence, settings

MIN_CONTACTS = 2
TERMS = 3


def group_advice(interviews: Iterable[Interview], model: Any = None, min_contacts: int = MIN_CONTACTS) -> list[dict[str, Any]]:
    """Groups of similar advice said by at least `min_contacts` contacts, most contacts first:
    a representative text, the group's top words, who said it and every item with its evidence."""
    items = [{"text": it.text, "source": iv.source, "contact": iv.contact, "contact_key": iv.contact_key, **evidence(it.evidence)}
             for iv in interviews for it in iv.record.advice if it.text.strip()]
    if len(items) < 2:
        return []
    import numpy as np

    tfidf, vocab = _tfidf([i["text"] for i in items])
    vectors = _embed([i["text"] for i in items], model) if model is not None else tfidf
    cut = settings()["embedding_similarity" if model is not None else "advice_similarity"]
    labels = _clusters(vectors, cut)
    groups = []
    for label in sorted(set(labels)):
        members = [k for k, lab in enumerate(labels) if lab == label]
        contacts = {items[k]["contact_key"]: items[k]["contact"] for k in members}
        if len(contacts) < min_contacts:
            continue
        weights = np.asarray(tfidf[members].sum(axis=0)).ravel()
        groups.append({"advice": items[_central(vectors, members)]["text"], "terms": [vocab[j] for j in np.argsort(-weights)[:TERMS] if weights[j] > 0],
                       "contacts": len(contacts), "names": sorted(contacts.values()),
                       "items": [{k: v for k, v in items[k].items() if k != "contact_key"} for k in members]})
    return sorted(groups, key=lambda g: (-g["contacts"], g["advice"].casefold()))


def _tfidf(texts: list[str]):
    """TF-IDF rows of the texts over word stems, and each column's most common word (for the group's terms)."""
    from collections import Counter, defaultdict

    import numpy as np
    import snowballstemmer
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    stop = ENGLISH_STOP_WORDS | frozenset(settings()["advice_stop_words"])
    stem = snowballstemmer.stemmer("english").stemWord
    words: dict[str, Counter] = defaultdict(Counter)

    def tokens(text: str) -> list[str]:
        out = []
        for w in _tokens(text):
            if w not in stop and len(w) > 1:
                out.append(stem(w))
                words[out[-1]][w] += 1
        return out

    vec = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
    try:
        matrix = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return np.zeros((len(texts), 1)), ["?"]
    return matrix, [words[s].most_common(1)[0][0] for s in vec.get_feature_names_out()]


def _tokens(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split()


def _embed(texts: list[str], model: Any):
    """Each text's token states, mean-pooled, centred across the texts (hidden states share a large common direction)."""
    import numpy as np

    rows = []
    for t in texts:
        tv = model.token_vectors(t)
        rows.append(tv.states.mean(axis=0) if tv is not None and len(tv.states) else np.zeros(model.dim, dtype=np.float32))
    matrix = np.vstack(rows).astype(np.float64)
    return matrix - matrix.mean(axis=0, keepdims=True)


def _clusters(vectors, similarity: float) -> list[int]:
    """Average-linkage clusters: groups whose mean cosine similarity stays at or above `similarity`."""
    from sklearn.cluster import AgglomerativeClustering

    dense = vectors.toarray() if hasattr(vectors, "toarray") else vectors
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - similarity)
    return [int(x) for x in model.fit_predict(_nonzero(dense))]


def _nonzero(dense):
    """Cosine needs no all-zero row: such a row gets a tiny unique direction of its own."""
    import numpy as np

    out = np.hstack([dense, np.zeros((dense.shape[0], dense.shape[0]))])
    for i in np.where(~dense.any(axis=1))[0]:
        out[i, dense.shape[1] + i] = 1.0
    return out


def _central(vectors, members: list[int]) -> int:
    """The member most similar on average to the others (ties: the first)."""
    from sklearn.metrics.pairwise import cosine_similarity

    if len(members) == 1:
        return members[0]
    sims = cosine_similarity(_nonzero(vectors.toarray() if hasattr(vectors, "toarray") else vectors)[members])
    return members[int(sims.sum(axis=1).argmax())]
